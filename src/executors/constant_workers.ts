/**
 * `constant-workers`: every task of every worker loops for `duration`, so
 * the load is a fixed number of closed-loop callers for a fixed time.
 * @module
 */
import { z } from "zod";
import {
  COMMON_PLAN,
  commonPlan,
  durationFits,
  DurationOption,
  scaleDuration,
  shardByWorkers,
} from "./_common.ts";
import { parseDuration } from "./_duration.ts";
import type { ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  duration: DurationOption,
});

const PLAN = z.object({
  executor: z.literal("constant-workers"),
  ...COMMON_PLAN,
  /** How long every task loops. */
  duration_ms: z.number(),
});

/** More iterations than a task can run: the deadline ends it. */
const UNBOUNDED = 1 << 30;

/** The `constant-workers` executor. */
export const constantWorkers: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "constant-workers",
  options: OPTIONS,
  plan: PLAN,
  scale: scaleDuration,
  resolve(load, report) {
    if (load.duration === undefined) {
      report(
        ["load"],
        `executor "constant-workers" needs "duration": how long to run, like "10s"`,
      );
      return undefined;
    }
    if (!durationFits(load, report)) return undefined;
    if (load.iterations !== undefined) {
      report(
        ["load", "iterations"],
        `"iterations" has no effect with executor "constant-workers": use "duration"`,
      );
      return undefined;
    }
    return {
      executor: "constant-workers",
      ...commonPlan(load),
      duration_ms: parseDuration(load.duration),
    };
  },
  plannedOps: () => undefined,
  plannedMs: (load) => load.duration_ms,
  schedule: (load, { now }) => ({
    deadline: now + load.duration_ms,
    budget: () => () => UNBOUNDED,
  }),
  shard: shardByWorkers,
};
