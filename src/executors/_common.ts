/**
 * What executors share: the plan fields every executor has, the profile
 * scaling of counts and durations, the checks of a duration (against the hard
 * stop, or refused where a count ends the run), and the even split of a count
 * over tasks (per-worker-iterations and warmup).
 * @module
 */
import { z } from "zod";
import { DurationSchema, MAX_DURATION_MS, parseDuration } from "./_duration.ts";
import type {
  Budget,
  LoadInput,
  Report,
  Scale,
  Shard,
  ShardedLoad,
} from "./mod.ts";

/** The hard stop of a scenario that sets none (× 10 in `full`). */
export const DEFAULT_MAX_DURATION = "5m";

/**
 * Most ops a run may plan, warmup included, and most iterations or warmup
 * one key may ask for: latency histograms and the shared claim counter count
 * in 32 bits (2,147,483,647), and the claim counter may overshoot by a chunk
 * per task (MAX_TASKS × 256).
 */
export const MAX_OPS = 2_000_000_000;

/**
 * Most tasks a run may start (workers × concurrency): each is an async loop
 * with its own random stream and an op in flight, in some worker's heap.
 */
export const MAX_TASKS = 100_000;

/**
 * `load.iterations`, one schema for both iteration executors, so their keys
 * merge into one. Optional: `resolve` says when it is missing.
 */
export const IterationsOption = z.number().int().min(1).max(MAX_OPS)
  .optional();

/**
 * `load.duration`, one schema for every executor that runs for a time, so
 * their keys merge into one.
 */
export const DurationOption = DurationSchema.optional();

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
 * Refuses a `duration` written for an iteration executor: the count ends the
 * run, so a duration would never bound it. True when there is none.
 */
export function noDuration(load: LoadInput, report: Report): boolean {
  if (load.duration === undefined) return true;
  report(
    ["load", "duration"],
    `"duration" has no effect with executor "${load.executor}": use "iterations" (or max_duration for a hard stop)`,
  );
  return false;
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

/**
 * The plan of an iteration executor (`executor` being its name), or why it
 * cannot run: it needs a count, and a duration would not bound it.
 */
export function resolveIterations<E extends string>(
  executor: E,
  load: LoadInput,
  report: Report,
):
  | (z.infer<z.ZodObject<typeof COMMON_PLAN>> & {
    executor: E;
    iterations: number;
  })
  | undefined {
  if (load.iterations === undefined) {
    report(
      ["load"],
      `executor "${executor}" needs "iterations": how many ops to run`,
    );
    return undefined;
  }
  if (!noDuration(load, report)) return undefined;
  return { executor, ...commonPlan(load), iterations: load.iterations };
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
  return { duration: scaleCommonDuration(load.duration, scale) };
}

/** Smoke keeps at least half a second of load, so a scenario still samples. */
export const SMOKE_FLOOR_MS = 500;

/** One duration as a profile scales it: smoke keeps half a second. */
export function scaleCommonDuration(duration: string, scale: Scale): string {
  if (scale.time === 1) return duration;
  return `${
    Math.max(SMOKE_FLOOR_MS, Math.round(parseDuration(duration) * scale.time))
  }ms`;
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

/**
 * The global indices of the workers shard `shard` runs of a closed-model
 * load: every `count`-th from its own index, each worker whole (same
 * tasks, same iterations, same random stream as in a single process). Says
 * why when there are fewer workers than shards.
 */
export function shardWorkers(
  workers: number,
  shard: Shard,
): number[] | string {
  const mine: number[] = [];
  for (let w = shard.index; w < workers; w += shard.count) mine.push(w);
  if (mine.length > 0) return mine;
  return `the load has ${workers} worker${
    workers === 1 ? "" : "s"
  }, fewer than the ${shard.count} shards: each shard runs whole workers of the plan (shards split the load, they never add to it), so shard ${shard.index} would run nothing; raise load.workers (or --workers) to at least ${shard.count}`;
}

/** A closed-model load split by {@link shardWorkers}, other keys kept. */
export function shardByWorkers<P extends { workers: number }>(
  load: P,
  shard: Shard,
): ShardedLoad<P> | string {
  const workers = shardWorkers(load.workers, shard);
  if (typeof workers === "string") return workers;
  return { load: { ...load, workers: workers.length }, workers };
}
