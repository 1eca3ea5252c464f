/**
 * `ramping-workers` (k6's `ramping-vus`): the closed model with a number of
 * callers that moves. Each worker starts `concurrency` looping tasks (default
 * 1) and moves linearly to each stage's `target` tasks over the stage's
 * `duration`; a stage whose target equals the previous one holds it (a
 * soak), a short stage to a new target is a step.
 * @module
 */
import { z } from "zod";
import { COMMON_PLAN, commonPlan, shardByWorkers } from "./_common.ts";
import { parseDuration } from "./_duration.ts";
import type { RateStage } from "./_arrivals.ts";
import { RateStagesOption, scaleStages } from "./_open.ts";
import type { ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  stages: RateStagesOption,
});

const PLAN = z.object({
  executor: z.literal("ramping-workers"),
  ...COMMON_PLAN,
  /** Tasks per worker at the start. */
  start_tasks: z.number().int(),
  /** Each stage: its length and the tasks per worker at its end. */
  stages: z.array(z.object({ duration_ms: z.number(), target: z.number() })),
  /** How long the stages run, together. */
  duration_ms: z.number(),
});

/** Most tasks a worker may run at once in a ramp. */
const MAX_RAMP_TASKS = 10_000;

/**
 * Tasks per worker that should be running `t` ms into a ramp: linear within
 * each stage, rounded to the nearest task; 0 once the stages are over.
 *
 * @example
 * ```ts
 * import { tasksAt } from "./ramping_workers.ts";
 * const stages = [{ duration_ms: 1000, target: 10 }];
 * console.log(tasksAt(0, stages, 0), tasksAt(0, stages, 500)); // 0 5
 * ```
 */
export function tasksAt(
  start: number,
  stages: readonly RateStage[],
  t: number,
): number {
  let from = start;
  let at = 0;
  for (const stage of stages) {
    if (t < at + stage.duration_ms) {
      const f = (t - at) / stage.duration_ms;
      return Math.round(from + (stage.target - from) * Math.max(0, f));
    }
    at += stage.duration_ms;
    from = stage.target;
  }
  return 0;
}

/** The `ramping-workers` executor. */
export const rampingWorkers: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "ramping-workers",
  options: OPTIONS,
  plan: PLAN,
  // Task counts are not load sizes: only the stages' durations scale.
  scale: (load, scale) =>
    load.stages !== undefined && scale.time !== 1 &&
      load.executor === "ramping-workers"
      ? { stages: scaleStages(load.stages, scale, false) }
      : {},
  resolve(load, report) {
    if (load.stages === undefined) {
      report(
        ["load"],
        `executor "ramping-workers" needs "stages": each a duration and the tasks per worker at its end, like [{ duration: "10s", target: 50 }]`,
      );
      return undefined;
    }
    for (const key of ["duration", "iterations"] as const) {
      if (load[key] !== undefined) {
        report(
          ["load", key],
          `"${key}" has no effect with executor "ramping-workers": the stages decide how long it runs`,
        );
        return undefined;
      }
    }
    const stages = load.stages.map((stage) => ({
      duration_ms: parseDuration(stage.duration),
      target: stage.target,
    }));
    const start_tasks = load.concurrency ?? 1;
    const most = Math.max(start_tasks, ...stages.map((stage) => stage.target));
    if (most > MAX_RAMP_TASKS) {
      report(
        ["load", "stages"],
        `a stage asks for ${most} tasks per worker, over the ${MAX_RAMP_TASKS} a worker may run`,
      );
      return undefined;
    }
    const duration_ms = stages.reduce(
      (sum, stage) => sum + stage.duration_ms,
      0,
    );
    const common = commonPlan(load);
    if (duration_ms >= common.max_duration_ms) {
      report(
        ["load", "max_duration"],
        `the stages last ${duration_ms} ms, not shorter than "max_duration" (${common.max_duration_ms} ms): raise max_duration`,
      );
      return undefined;
    }
    return {
      executor: "ramping-workers",
      ...common,
      // Every task a stage may need is started; the ramp decides which run.
      concurrency: Math.max(1, most),
      start_tasks,
      stages,
      duration_ms,
    };
  },
  plannedOps: () => undefined,
  plannedMs: (load) => load.duration_ms,
  schedule: (load, { now }) => ({
    deadline: now + load.duration_ms,
    budget: () => () => 0,
    ramp: {
      start: now,
      tasks: (elapsed) => tasksAt(load.start_tasks, load.stages, elapsed),
    },
  }),
  // Stages count tasks per worker: a shard's workers ramp as they would.
  shard: shardByWorkers,
};
