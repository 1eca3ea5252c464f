import assert from "node:assert/strict";
import type { Report } from "./mod.ts";
import { sharedIterations } from "./shared_iterations.ts";

const fail: Report = (_path, message) => assert.fail(message);

function plan(iterations: number, workers: number, concurrency: number) {
  const resolved = sharedIterations.resolve(
    { executor: "shared-iterations", iterations, workers, concurrency },
    fail,
  );
  assert.ok(resolved);
  return resolved;
}

/** Drains every task of every worker in turn, as interleaved workers would. */
function drain(iterations: number, workers: number, concurrency: number) {
  const load = plan(iterations, workers, concurrency);
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  const budgets = Array.from({ length: workers }, () => {
    const { budget, deadline } = sharedIterations.schedule(load, {
      claimed,
      now: 0,
    });
    assert.equal(deadline, Infinity, "a count, not a time, ends the run");
    return Array.from({ length: concurrency }, (_, task) => budget(task));
  }).flat();
  const ran = budgets.map(() => 0);
  let largest = 0;
  for (let live = budgets.length; live > 0;) {
    live = 0;
    budgets.forEach((budget, task) => {
      const n = budget();
      if (n > 0) live++;
      ran[task] += n;
      largest = Math.max(largest, n);
    });
  }
  return { ran, largest };
}

Deno.test("sharedIterations.schedule() hands out exactly the iterations across every task", () => {
  for (
    const [iterations, workers, concurrency] of [[1, 1, 1], [7, 2, 3], [
      1001,
      2,
      3,
    ], [100_000, 4, 8]]
  ) {
    const { ran, largest } = drain(iterations, workers, concurrency);
    assert.equal(
      ran.reduce((sum, n) => sum + n, 0),
      iterations,
      `${iterations} over ${workers} × ${concurrency}`,
    );
    assert.ok(largest <= 256, `a task claimed ${largest} at once`);
  }
});

Deno.test("sharedIterations.schedule() shares one count between workers: a task that keeps claiming takes the rest", () => {
  const load = plan(1000, 2, 1);
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  const fast = sharedIterations.schedule(load, { claimed, now: 0 }).budget(0);
  const slow = sharedIterations.schedule(load, { claimed, now: 0 }).budget(0);
  const first = slow();
  let taken = 0;
  for (let n = fast(); n > 0; n = fast()) taken += n;
  assert.equal(slow(), 0, "nothing is left for the slow worker");
  assert.equal(first + taken, 1000);
});

Deno.test("sharedIterations.plannedOps() is the total, whatever the workers", () => {
  assert.equal(sharedIterations.plannedOps(plan(500, 4, 8)), 500);
  assert.equal(sharedIterations.plannedMs(plan(500, 4, 8)), undefined);
});

Deno.test("sharedIterations.scale() scales the count, never below one", () => {
  const load = { executor: "shared-iterations" as const, iterations: 4 };
  assert.deepEqual(sharedIterations.scale(load, { count: 0.1, time: 0.2 }), {
    iterations: 1,
  });
  assert.deepEqual(sharedIterations.scale(load, { count: 10, time: 10 }), {
    iterations: 40,
  });
  assert.deepEqual(
    sharedIterations.scale({ executor: "shared-iterations" }, {
      count: 10,
      time: 10,
    }),
    {},
  );
});

Deno.test("sharedIterations.resolve() needs a count, and fills in the defaults", () => {
  const messages: string[] = [];
  assert.equal(
    sharedIterations.resolve(
      { executor: "shared-iterations" },
      (path, message) => messages.push(`${path.join(".")}: ${message}`),
    ),
    undefined,
  );
  assert.deepEqual(messages, [
    'load: executor "shared-iterations" needs "iterations": how many ops to run',
  ]);
  assert.deepEqual(
    sharedIterations.resolve(
      { executor: "shared-iterations", iterations: 9 },
      fail,
    ),
    {
      executor: "shared-iterations",
      workers: 1,
      concurrency: 1,
      warmup: 0,
      seed: 1,
      max_duration_ms: 300_000,
      iterations: 9,
    },
  );
});
