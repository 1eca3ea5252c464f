/**
 * `ramping-arrival-rate`: the open model with a rate that moves. It starts
 * at `start_rate` per `time_unit` and moves linearly to each stage's
 * `target` over the stage's `duration` (a stage whose target equals the
 * previous one holds the rate: a step, then a soak).
 * @module
 */
import { z } from "zod";
import { parseDuration } from "./_duration.ts";
import {
  MaxInFlightOption,
  OPEN_PLAN,
  openSchedule,
  RateStagesOption,
  resolveOpen,
  scaleStages,
  scheduleFits,
  shardOpen,
  StartRateOption,
  TimeUnitOption,
} from "./_open.ts";
import type { ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  start_rate: StartRateOption,
  stages: RateStagesOption,
  time_unit: TimeUnitOption,
  max_in_flight: MaxInFlightOption,
});

const PLAN = z.object({
  executor: z.literal("ramping-arrival-rate"),
  ...OPEN_PLAN,
  /** Arrivals per time unit at the start. */
  start_rate: z.number(),
  /** Each stage: its length and the rate at its end. */
  stages: z.array(z.object({ duration_ms: z.number(), target: z.number() })),
});

/** The `ramping-arrival-rate` executor. */
export const rampingArrivalRate: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "ramping-arrival-rate",
  options: OPTIONS,
  plan: PLAN,
  scale(load, scale) {
    if (scale.time === 1) return {};
    return {
      ...(load.start_rate !== undefined
        ? { start_rate: Math.round(load.start_rate * scale.count / scale.time) }
        : {}),
      ...(load.stages !== undefined && load.executor === "ramping-arrival-rate"
        ? { stages: scaleStages(load.stages, scale, true) }
        : {}),
    };
  },
  resolve(load, report) {
    if (load.stages === undefined) {
      report(
        ["load"],
        `executor "ramping-arrival-rate" needs "stages": each a duration and the target rate at its end, like [{ duration: "10s", target: 100 }]`,
      );
      return undefined;
    }
    if (load.duration !== undefined) {
      report(
        ["load", "duration"],
        `"duration" has no effect with executor "ramping-arrival-rate": the stages' durations add up to the run`,
      );
      return undefined;
    }
    const common = resolveOpen("ramping-arrival-rate", load, report);
    if (!common) return undefined;
    const stages = load.stages.map((stage) => ({
      duration_ms: parseDuration(stage.duration),
      target: stage.target,
    }));
    const plan = {
      executor: "ramping-arrival-rate" as const,
      ...common,
      duration_ms: stages.reduce((sum, stage) => sum + stage.duration_ms, 0),
      start_rate: load.start_rate ?? 0,
      stages,
    };
    return scheduleFits(plan, plan.max_duration_ms, report) ? plan : undefined;
  },
  plannedOps: () => undefined,
  plannedMs: (load) => load.duration_ms,
  schedule: (load, { worker = 0, shard }) => openSchedule(load, worker, shard),
  shard: shardOpen,
};
