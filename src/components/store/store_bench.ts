/**
 * State store hot paths. Targets: `get` >= 10M/s, `set` with no subscriber
 * >= 2M/s, `set` with one drop-oldest subscriber >= 0.5x `set` with none
 * (same group, so `deno bench` prints the ratio), and one set fanned out to
 * 1000 subscribers. Run: `deno task bench src/components/store/`.
 */
import { decodeBinary, encodeBinary, encodeJson } from "./codec.ts";
import { type Context, type Snapshot, StateStore } from "./state_store.ts";

const INPUT = { state: "ACTIVE", reason: "bench" };
const BATCH = 1000;

const plain = new StateStore();
Deno.bench({
  name: "get (x1000)",
  group: "read",
  n: 20_000,
  fn() {
    let v = 0;
    for (let i = 0; i < BATCH; i++) v += plain.get().version;
    if (v < 0) throw new Error("unreachable");
  },
});

const bare = new StateStore();
Deno.bench({
  name: "set, no subscriber (x1000)",
  group: "set",
  baseline: true,
  n: 2000,
  fn() {
    for (let i = 0; i < BATCH; i++) bare.set(INPUT);
  },
});

const one = new StateStore();
const oneSub = one.subscribe({ capacity: 64, policy: "drop-oldest" });
Deno.bench({
  name: "set, 1 drop-oldest subscriber (x1000)",
  group: "set",
  n: 2000,
  fn() {
    for (let i = 0; i < BATCH; i++) one.set(INPUT);
    oneSub.poll();
  },
});

const reading = new StateStore();
const readingSub = reading.subscribe({ capacity: 64, policy: "drop-oldest" });
Deno.bench({
  name: "set + poll, 1 subscriber keeping up (x1000)",
  group: "set",
  n: 2000,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      reading.set(INPUT);
      readingSub.poll();
    }
  },
});

const wide = new StateStore();
for (let i = 0; i < 1000; i++) {
  wide.subscribe({ capacity: 64, policy: "drop-oldest" });
}
Deno.bench({
  name: "set fanned out to 1000 drop-oldest subscribers",
  group: "fan-out",
  n: 5000,
  fn() {
    wide.set(INPUT);
  },
});

const awaited = new StateStore();
const loops: Promise<void>[] = [];
for (let i = 0; i < 1000; i++) {
  const sub = awaited.subscribe({ capacity: 64, policy: "block" });
  loops.push((async () => {
    for await (const _ of sub) { /* consume */ }
  })());
}
Deno.bench({
  name: "set to 1000 block subscribers, each consumer loop reads it",
  group: "fan-out",
  n: 2000,
  async fn() {
    await awaited.set(INPUT);
    await null;
  },
});

const context: Record<string, string> = {};
for (let k = 0; k < 50; k++) context[`key_${k}`] = "v".repeat(100);
const big = new StateStore();
const large = big.set({
  state: "BIG",
  context: context as Context,
}) as Snapshot;
const largeBytes = encodeBinary(large);
Deno.bench({
  name: "encodeBinary, 50 keys x 100 B",
  group: "codec",
  baseline: true,
  n: 20_000,
  fn() {
    encodeBinary(large);
  },
});
Deno.bench({
  name: "encodeJson, 50 keys x 100 B",
  group: "codec",
  n: 20_000,
  fn() {
    encodeJson(large);
  },
});
Deno.bench({
  name: "decodeBinary, 50 keys x 100 B",
  group: "codec",
  n: 20_000,
  fn() {
    decodeBinary(largeBytes);
  },
});

globalThis.addEventListener("unload", () => {
  for (const store of [plain, bare, one, reading, wide, awaited, big]) {
    store.close();
  }
  void Promise.all(loops);
});
