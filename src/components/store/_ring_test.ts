import assert from "node:assert/strict";
import { DeliveryQueue, Ring } from "./_ring.ts";

Deno.test("Ring.push() overwrites the oldest once full, across growth", () => {
  const ring = new Ring<number>(40);
  for (let i = 1; i <= 100; i++) {
    ring.push(i);
    const want = Array.from(
      { length: Math.min(i, 40) },
      (_, k) => i - Math.min(i, 40) + 1 + k,
    );
    assert.deepEqual(ring.last(1000), want, `after ${i}`);
  }
  assert.deepEqual(ring.last(3), [98, 99, 100]);
  assert.equal(ring.size, 40);
  ring.clear();
  assert.deepEqual(ring.last(5), []);
});

Deno.test("DeliveryQueue keeps FIFO order and missed counts across growth and wrap", () => {
  const q = new DeliveryQueue<number>(50);
  const model: [number, number][] = [];
  let next = 0;
  for (let round = 0; round < 200; round++) {
    const pushes = (round * 7) % 13;
    for (let i = 0; i < pushes && !q.full; i++) {
      q.push(next, next % 3);
      model.push([next, next % 3]);
      next++;
    }
    if (q.size > 0 && round % 5 === 0) {
      q.addHeadMissed(10);
      model[0][1] += 10;
    }
    const shifts = (round * 5) % 11;
    for (let i = 0; i < shifts && q.size > 0; i++) {
      const missed = q.headMissed();
      assert.deepEqual([q.shift(), missed], model.shift());
    }
    assert.equal(q.size, model.length);
  }
  assert.equal(q.full, q.size === 50);
  q.clear();
  assert.equal(q.size, 0);
  assert.equal(q.headMissed(), 0);
});
