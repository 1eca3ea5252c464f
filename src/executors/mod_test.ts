import assert from "node:assert/strict";
import {
  EXECUTORS,
  type LoadInput,
  LoadPlanSchema,
  loadRecord,
  LoadSchema,
  plannedMs,
  plannedOps,
  resolveLoad,
  scaleLoad,
  schedule,
} from "./mod.ts";

const fail = (_path: PropertyKey[], message: string) => assert.fail(message);

Deno.test("EXECUTORS: each key names its spec and its plan variant", () => {
  for (const [name, spec] of Object.entries(EXECUTORS)) {
    assert.equal(spec.name, name);
    assert.equal(spec.plan.shape.executor.value, name);
  }
});

Deno.test("LoadSchema is one strict object of the common keys and every executor's own", async (t) => {
  await t.step("every key, in a stable order", () => {
    assert.deepEqual(Object.keys(LoadSchema.shape), [
      "executor",
      "workers",
      "concurrency",
      "iterations",
      "duration",
      "rate",
      "time_unit",
      "max_in_flight",
      "start_rate",
      "stages",
      "warmup",
      "seed",
      "max_duration",
    ]);
  });
  await t.step("executors that share a key share its schema", () => {
    for (const spec of Object.values(EXECUTORS)) {
      for (const [key, schema] of Object.entries(spec.options.shape)) {
        assert.equal(
          (LoadSchema.shape as Record<string, unknown>)[key],
          schema,
          `${spec.name}: ${key}`,
        );
      }
    }
  });
  await t.step("unknown keys are errors", () => {
    assert.equal(
      LoadSchema.safeParse({ executor: "shared-iterations", iteration: 1 })
        .success,
      false,
    );
  });
});

const LOADS: LoadInput[] = [
  { executor: "shared-iterations", iterations: 10, workers: 2 },
  { executor: "per-worker-iterations", iterations: 10, warmup: 3 },
  { executor: "constant-workers", duration: "3s", concurrency: 4, seed: 5 },
];

Deno.test("LoadPlanSchema accepts every plan resolveLoad() gives, as it is", () => {
  for (const load of LOADS) {
    const plan = resolveLoad(load, fail);
    assert.deepEqual(LoadPlanSchema.parse(plan), plan);
  }
});

Deno.test("loadRecord() gives the artifact's eight fields in order, 0 for what the executor lacks (duration_ms of iteration executors included)", () => {
  const records = LOADS.map((load) =>
    JSON.stringify(loadRecord(resolveLoad(load, fail)!))
  );
  assert.deepEqual(records, [
    '{"executor":"shared-iterations","workers":2,"concurrency":1,"iterations":10,"duration_ms":0,"warmup":0,"seed":1,"max_duration_ms":300000}',
    '{"executor":"per-worker-iterations","workers":1,"concurrency":1,"iterations":10,"duration_ms":0,"warmup":3,"seed":1,"max_duration_ms":300000}',
    '{"executor":"constant-workers","workers":1,"concurrency":4,"iterations":0,"duration_ms":3000,"warmup":0,"seed":5,"max_duration_ms":300000}',
  ]);
});

Deno.test("scaleLoad() scales every written key, whichever executor the load names", () => {
  // A profile may switch the executor, so no key waits for its own executor.
  const load: LoadInput = {
    executor: "constant-workers",
    iterations: 100,
    duration: "5s",
    warmup: 20,
  };
  assert.deepEqual(scaleLoad(load, { count: 0.1, time: 0.2 }), {
    iterations: 10,
    duration: "1000ms",
    warmup: 2,
  });
  assert.deepEqual(scaleLoad(load, { count: 10, time: 10 }), {
    iterations: 1000,
    duration: "50000ms",
    warmup: 200,
    max_duration: "3000000ms",
  });
});

Deno.test("plannedOps(), plannedMs() and schedule() answer for the executor the plan names", () => {
  const [shared, perWorker, constant] = LOADS.map((load) =>
    resolveLoad(load, fail)!
  );
  assert.deepEqual(
    [shared, perWorker, constant].map((plan) => [
      plannedOps(plan),
      plannedMs(plan),
    ]),
    [[10, undefined], [10, undefined], [undefined, 3000]],
  );
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  assert.equal(schedule(constant, { claimed, now: 100 }).deadline, 3100);
  assert.equal(schedule(perWorker, { claimed, now: 100 }).budget(0)(), 10);
});
