import type { LoadPlan, Plan } from "../../scenario/mod.ts";

/** A plan for tests and benchmarks: one op, one worker, 100 iterations. */
export function testPlan(
  overrides: Partial<Omit<Plan, "load">> & { load?: Partial<LoadPlan> },
): Plan {
  const { load, ...rest } = overrides;
  return {
    file: "test",
    name: "test",
    description: "",
    target: "calibrate",
    options: {},
    mix: [{ op: "noop", weight: 1, params: {} }],
    faults: { error_rate: 0 },
    invariants: [],
    thresholds: [],
    profile: "ci",
    config: {} as Plan["config"],
    ...rest,
    load: {
      executor: "per-worker-iterations",
      workers: 1,
      concurrency: 1,
      iterations: 100,
      duration_ms: 0,
      warmup: 0,
      seed: 1,
      max_duration_ms: 60_000,
      ...load,
    },
  };
}
