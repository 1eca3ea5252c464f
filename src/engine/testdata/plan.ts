import { LoadPlanSchema, type LoadRecord } from "../../executors/mod.ts";
import type { Plan } from "../../scenario/mod.ts";

/**
 * A plan for tests and benchmarks: one op, one worker, 100 iterations. The
 * load is given flat, as the artifact records it; the fields its executor
 * does not have are dropped.
 */
export function testPlan(
  overrides: Partial<Omit<Plan, "load">> & { load?: Partial<LoadRecord> },
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
    load: LoadPlanSchema.parse({
      executor: "per-worker-iterations",
      workers: 1,
      concurrency: 1,
      iterations: 100,
      warmup: 0,
      seed: 1,
      max_duration_ms: 60_000,
      ...load,
    }),
  };
}
