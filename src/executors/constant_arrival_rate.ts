/**
 * `constant-arrival-rate`: the open model. Ops start at `rate` per
 * `time_unit` for `duration`, whether or not earlier ones finished, so a
 * slow target meets the same demand instead of being asked less (what a
 * closed loop of callers does). Latency counts from when each op was due.
 * @module
 */
import { z } from "zod";
import { parseDuration } from "./_duration.ts";
import { durationFits, DurationOption, scaleDuration } from "./_common.ts";
import {
  MaxInFlightOption,
  OPEN_PLAN,
  openSchedule,
  RateOption,
  resolveOpen,
  scaleRate,
  scheduleFits,
  shardOpen,
  TimeUnitOption,
} from "./_open.ts";
import type { ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  duration: DurationOption,
  rate: RateOption,
  time_unit: TimeUnitOption,
  max_in_flight: MaxInFlightOption,
});

const PLAN = z.object({
  executor: z.literal("constant-arrival-rate"),
  ...OPEN_PLAN,
  /** Arrivals per time unit. */
  rate: z.number(),
});

/** The `constant-arrival-rate` executor. */
export const constantArrivalRate: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "constant-arrival-rate",
  options: OPTIONS,
  plan: PLAN,
  scale: (load, scale) => ({
    ...scaleDuration(load, scale),
    ...(load.rate !== undefined && scale.time !== 1
      ? { rate: scaleRate(load.rate, scale) }
      : {}),
  }),
  resolve(load, report) {
    if (load.rate === undefined || load.duration === undefined) {
      report(
        ["load"],
        `executor "constant-arrival-rate" needs "rate" and "duration": how many ops start per time_unit (default 1s), and for how long, like rate: 100 and duration: "10s"`,
      );
      return undefined;
    }
    if (!durationFits(load, report)) return undefined;
    const common = resolveOpen("constant-arrival-rate", load, report);
    if (!common) return undefined;
    const duration_ms = parseDuration(load.duration);
    const plan = {
      executor: "constant-arrival-rate" as const,
      ...common,
      duration_ms,
      rate: load.rate,
    };
    return scheduleFits(rateShape(plan), plan.max_duration_ms, report)
      ? plan
      : undefined;
  },
  plannedOps: () => undefined,
  plannedMs: (load) => load.duration_ms,
  schedule: (load, { worker = 0, shard }) =>
    openSchedule({ ...rateShape(load), ...load }, worker, shard),
  shard: shardOpen,
};

/** The one flat stage of a constant rate. */
function rateShape(load: z.output<typeof PLAN>) {
  return {
    start_rate: load.rate,
    time_unit_ms: load.time_unit_ms,
    stages: [{ duration_ms: load.duration_ms, target: load.rate }],
  };
}
