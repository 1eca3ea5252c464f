import assert from "node:assert/strict";
import { ContextMaker } from "./_contexts.ts";

Deno.test("ContextMaker.next() makes keys of the asked size, fresh and numbered per call", () => {
  const maker = new ContextMaker(3, 40, 7);
  const first = maker.next()!;
  const second = maker.next()!;
  assert.equal(maker.made, 2);
  assert.deepEqual(Object.keys(first), ["key_0", "key_1", "key_2", "seq"]);
  assert.equal(first.seq, 0);
  assert.equal(second.seq, 1);
  for (const key of ["key_0", "key_1", "key_2"]) {
    assert.equal((first[key] as string).length, 40);
    assert.notEqual(first[key], second[key]);
  }
  assert.notEqual(first.key_0, first.key_1);
});

Deno.test("ContextMaker with the same seed makes the same contexts", () => {
  const a = new ContextMaker(2, 64, 42);
  const b = new ContextMaker(2, 64, 42);
  assert.deepEqual(a.next(), b.next());
  assert.notDeepEqual(new ContextMaker(2, 64, 43).next(), a.next());
});

Deno.test("ContextMaker with no keys makes no context and counts none", () => {
  const maker = new ContextMaker(0, 100, 1);
  assert.equal(maker.next(), undefined);
  assert.equal(maker.made, 0);
});
