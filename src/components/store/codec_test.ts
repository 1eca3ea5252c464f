import assert from "node:assert/strict";
import { ValidationError } from "../../errors.ts";
import { SeededRng } from "../../engine/rng.ts";
import { decodeBinary, decodeJson, encodeBinary, encodeJson } from "./codec.ts";
import { type JsonValue, type Snapshot, StateStore } from "./state_store.ts";

const STRINGS = [
  "",
  "a",
  "ACTIVE",
  "héllo wörld",
  "日本語のテキスト",
  "emoji 🎉 pair",
  "x".repeat(200),
  "ü".repeat(70),
  "__proto__",
  'line\nbreak\t"quoted"',
];

function randomValue(rng: SeededRng, depth: number): JsonValue {
  switch (rng.int(0, depth > 3 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return rng.next() < 0.5;
    case 2: {
      const ints = [0, 1, -1, 127, 128, -129, 2 ** 31, -(2 ** 40), 2 ** 53 - 1];
      return rng.next() < 0.5
        ? ints[rng.int(0, ints.length - 1)]
        : rng.int(-1e6, 1e6);
    }
    case 3:
      return [0.5, -1.25e-300, 1e300, Math.PI, 2 ** 53 + 2][rng.int(0, 4)];
    case 4:
      return STRINGS[rng.int(0, STRINGS.length - 1)];
    case 5:
      return Array.from(
        { length: rng.int(0, 4) },
        () => randomValue(rng, depth + 1),
      );
    default:
      return randomObject(rng, depth + 1);
  }
}

function randomObject(
  rng: SeededRng,
  depth: number,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const n = rng.int(0, 5);
  for (let i = 0; i < n; i++) {
    const key = rng.next() < 0.2
      ? STRINGS[rng.int(0, STRINGS.length - 1)]
      : `k${rng.int(0, 20)}`;
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: randomValue(rng, depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[key] = randomValue(rng, depth);
    }
  }
  return out;
}

function snapshots(count: number): Snapshot[] {
  const rng = new SeededRng(3);
  using store = new StateStore({ clock: () => 1_700_000_000_123.5 });
  const out: Snapshot[] = [store.get()];
  for (let i = 0; i < count; i++) {
    out.push(
      store.set({
        state: STRINGS[rng.int(1, STRINGS.length - 1)],
        reason: STRINGS[rng.int(0, STRINGS.length - 1)],
        context: randomObject(rng, 0),
      }) as Snapshot,
    );
  }
  return out;
}

function assertExact(actual: Snapshot, expected: Snapshot): void {
  assert.deepStrictEqual(actual, expected);
  // Key order is kept, too.
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
  assert.ok(Object.isFrozen(actual) && Object.isFrozen(actual.context));
}

Deno.test("encodeJson() and decodeJson() round-trip snapshots exactly", () => {
  for (const s of snapshots(300)) assertExact(decodeJson(encodeJson(s)), s);
});

Deno.test("encodeBinary() and decodeBinary() round-trip snapshots exactly", () => {
  for (const s of snapshots(300)) assertExact(decodeBinary(encodeBinary(s)), s);
});

Deno.test("StateStore turns -0 into 0, so JSON and binary round-trip exactly", () => {
  using store = new StateStore();
  const context: Record<string, JsonValue> = {
    zero: -0,
    list: [-0, 1, { deep: -0 }],
  };
  for (let k = 0; k < 50; k++) context[`key_${k}`] = "v".repeat(100);
  const s = store.set({ state: "BIG", context }) as Snapshot;
  assert.ok(Object.is(s.context.zero, 0));
  assert.deepStrictEqual(s.context.list, [0, 1, { deep: 0 }]);
  assert.ok(Object.is((s.context.list as [number])[0], 0));
  assertExact(decodeJson(encodeJson(s)), s);
  assertExact(decodeBinary(encodeBinary(s)), s);
});

Deno.test("StateStore refuses -0 inside a context frozen by its caller", () => {
  using store = new StateStore();
  const frozen = Object.freeze({ x: -0 });
  assert.throws(
    () => store.set({ state: "S", context: { outer: frozen } }),
    (error: unknown) =>
      error instanceof ValidationError &&
      error.message ===
        'Cannot use state "S": context.outer.x is -0 in a frozen object, so it cannot become 0 (JSON has no -0)',
  );
  assert.equal(store.version, 0, "nothing was written");
});

Deno.test("decodeJson() and decodeBinary() read -0 back as 0, as the store holds it", () => {
  const json = decodeJson(
    '{"version":1,"state":"A","reason":"","context":{"z":-0},"at":-0}',
  );
  assert.ok(Object.is(json.context.z, 0) && Object.is(json.at, 0));
  using store = new StateStore({ clock: () => 5 });
  const s = store.set({ state: "A", context: { z: 0.5 } }) as Snapshot;
  const bytes = encodeBinary(s);
  // Patch the float 0.5 into -0 by hand: the decoder seals it to 0.
  const view = new DataView(bytes.buffer);
  view.setFloat64(bytes.length - 8, -0, true);
  assert.ok(Object.is(decodeBinary(bytes).context.z, 0));
});

Deno.test("encodeBinary() is more compact than JSON", () => {
  using store = new StateStore();
  const context: Record<string, JsonValue> = {};
  for (let k = 0; k < 50; k++) context[`key_${k}`] = k * 1000;
  const s = store.set({ state: "ACTIVE", reason: "tick", context }) as Snapshot;
  const binary = encodeBinary(s).length;
  const json = new TextEncoder().encode(encodeJson(s)).length;
  assert.ok(binary < json * 0.8, `binary ${binary} B vs JSON ${json} B`);
});

Deno.test("encodeJson() and encodeBinary() refuse what they cannot carry", () => {
  const base = {
    version: 1,
    state: "A",
    reason: "",
    at: 0,
    context: {},
  };
  const bad: unknown[] = [
    { ...base, version: -1 },
    { ...base, version: 1.5 },
    { ...base, state: 5 },
    { ...base, at: NaN },
    { ...base, reason: "\udc00" },
    { ...base, context: { x: NaN } },
    { ...base, context: { x: undefined } },
    { ...base, context: [] },
    { ...base, context: { m: new Map() } },
  ];
  for (const s of bad) {
    assert.throws(() => encodeJson(s as Snapshot), ValidationError);
    assert.throws(() => encodeBinary(s as Snapshot), ValidationError);
  }
});

Deno.test("decodeBinary() refuses every truncation and trailing bytes", () => {
  const bytes = encodeBinary(snapshots(3)[3]);
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeBinary(bytes.subarray(0, n)), ValidationError);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => decodeBinary(longer), /trailing/);
  assert.throws(() => decodeBinary("x" as never), ValidationError);
});

Deno.test("decodeBinary() throws only ValidationError for corrupt input", () => {
  const rng = new SeededRng(11);
  const valid = snapshots(20).map(encodeBinary);
  for (let i = 0; i < 3000; i++) {
    const bytes = valid[i % valid.length].slice();
    const flips = rng.int(1, 4);
    for (let f = 0; f < flips; f++) {
      bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    }
    try {
      const s = decodeBinary(bytes);
      assert.ok(Object.isFrozen(s));
      assertExact(decodeBinary(encodeBinary(s)), s);
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
    }
  }
});

Deno.test("decodeJson() refuses malformed or mis-shaped input", () => {
  const cases = [
    "",
    "{",
    "[]",
    "null",
    '{"version":1,"state":"A","reason":"","context":{}}',
    '{"version":1,"state":"A","reason":"","context":{},"at":0,"x":1}',
    '{"version":"1","state":"A","reason":"","context":{},"at":0}',
    '{"version":1,"state":"","reason":"","context":{},"at":0}',
    '{"version":1,"state":"A","reason":"","context":[],"at":0}',
    '{"version":1,"state":"A","reason":"","context":{"s":"\\ud800"},"at":0}',
  ];
  for (const text of cases) {
    assert.throws(() => decodeJson(text), ValidationError, text);
  }
});
