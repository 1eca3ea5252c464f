import assert from "node:assert/strict";
import type { Report } from "./mod.ts";
import { perWorkerIterations } from "./per_worker_iterations.ts";

const fail: Report = (_path, message) => assert.fail(message);

function plan(iterations: number, workers: number, concurrency: number) {
  const resolved = perWorkerIterations.resolve(
    { executor: "per-worker-iterations", iterations, workers, concurrency },
    fail,
  );
  assert.ok(resolved);
  return resolved;
}

Deno.test("perWorkerIterations.schedule() splits each worker's count evenly over its tasks, once", () => {
  for (
    const [iterations, concurrency] of [[10, 3], [2, 4], [1000, 8], [1, 1]]
  ) {
    const { budget, deadline } = perWorkerIterations.schedule(
      plan(iterations, 2, concurrency),
      { claimed: new Int32Array(new SharedArrayBuffer(4)), now: 0 },
    );
    assert.equal(deadline, Infinity);
    const shares = Array.from({ length: concurrency }, (_, task) => {
      const next = budget(task);
      const share = next();
      assert.equal(next(), 0, "a task's share is handed out at once");
      return share;
    });
    assert.equal(shares.reduce((sum, n) => sum + n, 0), iterations);
    assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${shares}`);
  }
});

Deno.test("perWorkerIterations.plannedOps() is the count times the workers", () => {
  assert.equal(perWorkerIterations.plannedOps(plan(500, 4, 8)), 2000);
  assert.equal(perWorkerIterations.plannedMs(plan(500, 4, 8)), undefined);
});

Deno.test("perWorkerIterations.scale() scales the count, never below one", () => {
  assert.deepEqual(
    perWorkerIterations.scale(
      { executor: "per-worker-iterations", iterations: 1000 },
      { count: 0.1, time: 0.2 },
    ),
    { iterations: 100 },
  );
  assert.deepEqual(
    perWorkerIterations.scale(
      { executor: "per-worker-iterations", iterations: 3 },
      { count: 0.1, time: 0.2 },
    ),
    { iterations: 1 },
  );
});

Deno.test("perWorkerIterations.resolve() needs a count, and refuses a duration, which would never bound the run", () => {
  const messages: string[] = [];
  const report: Report = (path, message) =>
    messages.push(`${path.join(".")}: ${message}`);
  assert.equal(
    perWorkerIterations.resolve({ executor: "per-worker-iterations" }, report),
    undefined,
  );
  assert.equal(
    perWorkerIterations.resolve({
      executor: "per-worker-iterations",
      iterations: 5,
      duration: "2s",
    }, report),
    undefined,
  );
  assert.deepEqual(messages, [
    'load: executor "per-worker-iterations" needs "iterations": how many ops to run',
    'load.duration: "duration" has no effect with executor "per-worker-iterations": use "iterations" (or max_duration for a hard stop)',
  ]);
  const resolved = perWorkerIterations.resolve({
    executor: "per-worker-iterations",
    iterations: 5,
  }, fail);
  assert.ok(resolved);
  assert.equal("duration_ms" in resolved, false, "no duration is planned");
});
