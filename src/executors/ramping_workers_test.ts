import assert from "node:assert/strict";
import { resolveLoad, scaleLoad } from "./mod.ts";
import { rampingWorkers, tasksAt } from "./ramping_workers.ts";

Deno.test("tasksAt() moves linearly within a stage, holds, steps, and ends at 0", () => {
  const stages = [
    { duration_ms: 1000, target: 10 }, // ramp 2 → 10
    { duration_ms: 2000, target: 10 }, // soak
    { duration_ms: 1, target: 20 }, // step
    { duration_ms: 1000, target: 20 },
  ];
  assert.deepEqual(
    [0, 500, 999, 1000, 2999, 3001, 4000, 4001].map((t) =>
      tasksAt(2, stages, t)
    ),
    [2, 6, 10, 10, 10, 20, 20, 0],
  );
});

Deno.test("rampingWorkers.resolve(): starts every task a stage may need, from concurrency (default 1)", () => {
  const plan = resolveLoad({
    executor: "ramping-workers",
    stages: [{ duration: "1s", target: 8 }, { duration: "1s", target: 3 }],
  }, (_path, message) => assert.fail(message));
  assert.ok(plan && plan.executor === "ramping-workers");
  assert.equal(plan.concurrency, 8);
  assert.equal(plan.start_tasks, 1);
  assert.equal(plan.duration_ms, 2000);
  const messages: string[] = [];
  rampingWorkers.resolve(
    {
      executor: "ramping-workers",
      stages: [{ duration: "1s", target: 8 }],
      duration: "1s",
    },
    (path, message) => messages.push(`${path.join(".")}: ${message}`),
  );
  assert.match(messages[0], /^load\.duration: .*the stages decide/);
});

Deno.test("scaleLoad(): ramping-workers scales stage durations, never task counts", () => {
  assert.deepEqual(
    scaleLoad({
      executor: "ramping-workers",
      stages: [{ duration: "10s", target: 8 }],
    }, { count: 0.1, time: 0.2 }).stages,
    [{ duration: "2000ms", target: 8 }],
  );
  assert.deepEqual(
    scaleLoad({
      executor: "ramping-arrival-rate",
      stages: [{ duration: "10s", target: 80 }],
    }, { count: 0.1, time: 0.2 }).stages,
    [{ duration: "2000ms", target: 40 }],
  );
});
