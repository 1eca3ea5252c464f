import assert from "node:assert/strict";
import { constantWorkers } from "./constant_workers.ts";
import type { Report } from "./mod.ts";

const fail: Report = (_path, message) => assert.fail(message);

function plan(duration: string) {
  const resolved = constantWorkers.resolve(
    { executor: "constant-workers", duration, workers: 2, concurrency: 4 },
    fail,
  );
  assert.ok(resolved);
  return resolved;
}

Deno.test("constantWorkers.schedule() ends at the duration from the start, not at a count", () => {
  const { budget, deadline } = constantWorkers.schedule(plan("1.5s"), {
    claimed: new Int32Array(new SharedArrayBuffer(4)),
    now: 10_000,
  });
  assert.equal(deadline, 11_500);
  const next = budget(0);
  for (let i = 0; i < 1000; i++) {
    assert.ok(next() >= 1 << 30, "the budget never runs out");
  }
});

Deno.test("constantWorkers plans a time, not a count", () => {
  assert.equal(constantWorkers.plannedOps(plan("5s")), undefined);
  assert.equal(constantWorkers.plannedMs(plan("5s")), 5000);
});

Deno.test("constantWorkers.scale() scales the duration; smoke keeps half a second", () => {
  const load = { executor: "constant-workers" as const, duration: "5s" };
  assert.deepEqual(constantWorkers.scale(load, { count: 0.1, time: 0.2 }), {
    duration: "1000ms",
  });
  assert.deepEqual(constantWorkers.scale(load, { count: 1, time: 1 }), {});
  assert.deepEqual(constantWorkers.scale(load, { count: 10, time: 10 }), {
    duration: "50000ms",
  });
  assert.deepEqual(
    constantWorkers.scale({ ...load, duration: "1s" }, {
      count: 0.1,
      time: 0.2,
    }),
    { duration: "500ms" },
  );
});

Deno.test("constantWorkers.resolve() reports the first problem of a load, in order", () => {
  const first = (load: Parameters<typeof constantWorkers.resolve>[0]) => {
    const messages: string[] = [];
    const resolved = constantWorkers.resolve(
      load,
      (path, message) => messages.push(`${path.join(".")}: ${message}`),
    );
    assert.equal(resolved, undefined);
    return messages;
  };
  assert.deepEqual(first({ executor: "constant-workers", iterations: 5 }), [
    'load: executor "constant-workers" needs "duration": how long to run, like "10s"',
  ]);
  assert.deepEqual(
    first({ executor: "constant-workers", duration: "10m", iterations: 5 }),
    [
      'load.duration: "duration" 10m is not shorter than "max_duration" 5m: raise max_duration',
    ],
  );
  assert.deepEqual(
    first({ executor: "constant-workers", duration: "1s", iterations: 5 }),
    [
      'load.iterations: "iterations" has no effect with executor "constant-workers": use "duration"',
    ],
  );
  assert.deepEqual(plan("2s"), {
    executor: "constant-workers",
    workers: 2,
    concurrency: 4,
    warmup: 0,
    seed: 1,
    max_duration_ms: 300_000,
    duration_ms: 2000,
  });
});
