import assert from "node:assert/strict";
import { SeededRng } from "./rng.ts";

const draw = (rng: SeededRng, n: number) =>
  Array.from({ length: n }, () => rng.int(0, 1_000_000));

Deno.test("SeededRng repeats for one seed and stream, and differs otherwise", () => {
  assert.deepEqual(
    draw(new SeededRng(42, 1, 0), 1000),
    draw(new SeededRng(42, 1, 0), 1000),
  );
  assert.notDeepEqual(
    draw(new SeededRng(42, 1, 0), 1000),
    draw(new SeededRng(43, 1, 0), 1000),
  );
  assert.notDeepEqual(
    draw(new SeededRng(42, 1, 0), 1000),
    draw(new SeededRng(42, 1, 1), 1000),
  );
});

Deno.test("SeededRng.next() stays in [0, 1) and int() covers its inclusive range", () => {
  const rng = new SeededRng(1);
  const seen = new Set<number>();
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = rng.next();
    assert.ok(x >= 0 && x < 1);
    sum += x;
    seen.add(rng.int(1, 6));
  }
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6]);
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01, "mean near 0.5");
});
