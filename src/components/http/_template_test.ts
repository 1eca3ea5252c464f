import assert from "node:assert/strict";
import { SeededRng } from "../../engine/rng.ts";
import { Template, type TemplateContext } from "./_template.ts";

function expand(seed: number, n: number): string[] {
  const names = new Map<string, number>();
  const path = Template.compile("/v1/context/k{key:1..1000}", names);
  const body = Template.compile(
    JSON.stringify({
      value: { key: "{key}", seq: "{seq}", at: "w{worker}-{seq}" },
    }),
    names,
    true,
  );
  const rng = new SeededRng(seed, 1, 0, 0);
  const values: number[] = [];
  const context: TemplateContext = { seq: 0, worker: 3 };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      `${path.expand(rng, values, context)} ${
        body.expand(rng, values, context)
      }`,
    );
    context.seq += 2;
  }
  return out;
}

Deno.test("Template.expand() is seeded: the same seed repeats, another differs", () => {
  assert.deepEqual(expand(7, 50), expand(7, 50));
  assert.notDeepEqual(expand(7, 50), expand(8, 50));
});

Deno.test("Template.expand() draws within the range and reuses a drawn value in the body", () => {
  for (const line of expand(1, 500)) {
    const [path, body] = line.split(" ");
    const key = Number(path.slice("/v1/context/k".length));
    assert.ok(key >= 1 && key <= 1000, path);
    const parsed = JSON.parse(body);
    // A lone variable in a string becomes a number; spliced ones stay text.
    assert.equal(parsed.value.key, key);
    assert.equal(typeof parsed.value.seq, "number");
    assert.equal(parsed.value.at, `w3-${parsed.value.seq}`);
  }
});

Deno.test("Template.compile() refuses unknown variables, bad ranges and a second range", () => {
  assert.throws(
    () => Template.compile("/k{key}", new Map()),
    /unknown variable "\{key\}": define it with a range first/,
  );
  assert.throws(
    () => Template.compile("/k{key:9..1}", new Map()),
    /bad range in "\{key:9..1\}"/,
  );
  assert.throws(
    () => Template.compile("/{a:1..2}/{a:1..3}", new Map()),
    /variable "a" has a range already/,
  );
  assert.throws(() => Template.compile("/{seq:1..2}", new Map()), /built in/);
  for (
    const written of ["{key:1..}", "{key:..5}", "{key:a..b}", "{key:1.5..2}"]
  ) {
    assert.throws(
      () => Template.compile(`/k${written}`, new Map()),
      new RegExp(`bad range in "${written.replace(/[{}.]/g, "\\$&")}"`),
      written,
    );
  }
  // A JSON body's own braces are not variables.
  const body = Template.compile('{"a":{"b":1}}', new Map(), true);
  assert.equal(body.constant, true);
});
