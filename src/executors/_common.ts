/**
 * What executors share: the plan fields every executor has, the profile
 * scaling of counts and durations, the check of a duration against the hard
 * stop, and the even split of a count over tasks (per-worker-iterations and
 * warmup).
 * @module
 */
import { z } from "zod";
import { MAX_DURATION_MS, parseDuration } from "./_duration.ts";
import type { Budget, LoadInput, Report, Scale } from "./mod.ts";

/** The hard stop of a scenario that sets none (× 10 in `full`). */
export const DEFAULT_MAX_DURATION = "5m";

/**
 * `load.iterations`, one schema for both iteration executors, so their keys
 * merge into one. Optional: `resolve` says when it is missing.
 */
export const IterationsOption = z.number().int().min(1).max(2_000_000_000)
  .optional();

/** The plan fields every executor has, beside its own. */
export const COMMON_PLAN = {
  /** Worker threads. */
  workers: z.number().int(),
  /** Async tasks per worker. */
  concurrency: z.number().int(),
  /** Iterations per worker, run and discarded. */
  warmup: z.number().int(),
  /** Seed of every task's random stream. */
  seed: z.number().int(),
  /** Hard stop for any executor. */
  max_duration_ms: z.number(),
};

/**
 * The `duration_ms` of an iteration executor: a `duration` written for one
 * has never bounded its run (the count does), but it has always been
 * accepted, scaled by the profile, checked against `max_duration` and
 * recorded, so it still is. Absent when the scenario gives no duration.
 */
export const UnusedDurationSchema = z.number().optional();

/** The `duration_ms` an iteration executor records: see above. */
export function unusedDuration(load: LoadInput): { duration_ms?: number } {
  return load.duration === undefined
    ? {}
    : { duration_ms: parseDuration(load.duration) };
}

/** The common plan fields, resolved from the load as scaled. */
export function commonPlan(
  load: LoadInput,
): z.infer<z.ZodObject<typeof COMMON_PLAN>> {
  return {
    workers: load.workers ?? 1,
    concurrency: load.concurrency ?? 1,
    warmup: load.warmup ?? 0,
    seed: load.seed ?? 1,
    max_duration_ms: parseDuration(load.max_duration ?? DEFAULT_MAX_DURATION),
  };
}

/** The common keys as a profile scales them: warmup, and the hard stop. */
export function scaleCommon(load: LoadInput, scale: Scale): Partial<LoadInput> {
  const scaled: Partial<LoadInput> = {};
  if (load.warmup !== undefined) {
    scaled.warmup = Math.round(load.warmup * scale.count);
  }
  if (scale.time > 1) {
    // Bigger loads get a proportionally later hard stop.
    scaled.max_duration = `${
      Math.min(
        MAX_DURATION_MS,
        parseDuration(load.max_duration ?? DEFAULT_MAX_DURATION) * scale.time,
      )
    }ms`;
  }
  return scaled;
}

/** `load.iterations` as a profile scales it: never below one. */
export function scaleIterations(
  load: LoadInput,
  scale: Scale,
): Partial<LoadInput> {
  return load.iterations === undefined
    ? {}
    : { iterations: Math.max(1, Math.round(load.iterations * scale.count)) };
}

/** `load.duration` as a profile scales it. */
export function scaleDuration(
  load: LoadInput,
  scale: Scale,
): Partial<LoadInput> {
  if (load.duration === undefined || scale.time === 1) return {};
  // Smoke keeps at least half a second, so a scenario still samples.
  return {
    duration: `${
      Math.max(500, Math.round(parseDuration(load.duration) * scale.time))
    }ms`,
  };
}

/** Reports a duration that the hard stop would cut; true when it fits. */
export function durationFits(load: LoadInput, report: Report): boolean {
  const max = load.max_duration ?? DEFAULT_MAX_DURATION;
  if (
    load.duration !== undefined &&
    parseDuration(load.duration) >= parseDuration(max)
  ) {
    report(
      ["load", "duration"],
      `"duration" ${load.duration} is not shorter than "max_duration" ${max}: raise max_duration`,
    );
    return false;
  }
  return true;
}

/** An even split of `iterations` over `tasks`, handed out at once. */
export function fixedBudget(
  iterations: number,
  tasks: number,
  task: number,
): Budget {
  let left = Math.floor(iterations / tasks) +
    (task < iterations % tasks ? 1 : 0);
  return () => {
    const n = left;
    left = 0;
    return n;
  };
}
