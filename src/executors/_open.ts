/**
 * What the arrival-rate executors share: their keys of `load:` (each
 * executor that names a key shares its schema), how a profile scales a rate,
 * the checks every open-model load needs, and the worker-side schedule.
 * @module
 */
import { z } from "zod";
import { ArrivalSchedule, type RateShape, workerShare } from "./_arrivals.ts";
import { COMMON_PLAN, commonPlan, MAX_OPS, SMOKE_FLOOR_MS } from "./_common.ts";
import { DurationSchema, parseDuration } from "./_duration.ts";
import type {
  LoadInput,
  Report,
  Scale,
  Schedule,
  Shard,
  ShardedLoad,
} from "./mod.ts";

/** Most arrivals one worker may have in flight at once. */
export const MAX_IN_FLIGHT = 10_000;

/**
 * `max_in_flight` when a load does not say: enough for an async op of a few
 * milliseconds at thousands of arrivals a second, few enough that a target
 * that stops answering shows as dropped arrivals within a second.
 */
export const DEFAULT_MAX_IN_FLIGHT = 100;

/** A rate, in arrivals per `time_unit`. */
const Rate = z.number().int().min(0).max(10_000_000);

/** `load.time_unit`: what a rate is per; default 1s. */
export const TimeUnitOption = DurationSchema.optional();
/** `load.max_in_flight`: most ops running at once per worker. */
export const MaxInFlightOption = z.number().int().min(1).max(MAX_IN_FLIGHT)
  .optional();
/** `load.rate` of constant-arrival-rate. */
export const RateOption = Rate.min(1).optional();
/** `load.start_rate` of ramping-arrival-rate. */
export const StartRateOption = Rate.optional();
/** `load.stages` of ramping-arrival-rate: `{ duration, target }` each. */
export const RateStagesOption = z.array(z.strictObject({
  duration: DurationSchema,
  target: Rate,
})).min(1).max(100).optional();

/** The plan fields of the open-model executors, beside the common ones. */
export const OPEN_PLAN = {
  ...COMMON_PLAN,
  /** What the rates are per, in ms. */
  time_unit_ms: z.number(),
  /** How long the schedule runs, all stages together. */
  duration_ms: z.number(),
};

/** The resolved rate of an arrival-rate plan. */
export interface RatePlan extends RateShape {
  workers: number;
  /** Most ops in flight per worker (`max_in_flight`). */
  concurrency: number;
}

/**
 * Stages as a profile scales them: durations follow `time`; targets that
 * are rates (`rates`) follow count ÷ time, task counts stay. Smoke's floor of
 * half a second applies to the stages together, stretched alike, never to
 * each stage (which would make a ramp of short steps longer than written).
 */
export function scaleStages(
  stages: NonNullable<LoadInput["stages"]>,
  scale: Scale,
  rates: boolean,
): NonNullable<LoadInput["stages"]> {
  const written = stages.map((stage) => parseDuration(stage.duration));
  const scaled = written.map((ms) => ms * scale.time);
  const total = scaled.reduce((a, b) => a + b, 0);
  const floor = Math.min(SMOKE_FLOOR_MS, written.reduce((a, b) => a + b, 0));
  const stretch = total > 0 && total < floor ? floor / total : 1;
  return stages.map((stage, i) => ({
    duration: scale.time === 1
      ? stage.duration
      : `${Math.max(1, Math.round(scaled[i] * stretch))}ms`,
    target: rates && stage.target > 0
      ? scaleRate(stage.target, scale)
      : stage.target,
  }));
}

/** A rate as a profile scales it: the op total follows `count`. */
export function scaleRate(rate: number, scale: Scale): number {
  return Math.max(1, Math.round(rate * scale.count / scale.time));
}

/**
 * The common fields of an open-model plan. Its `concurrency` is the most ops
 * in flight per worker: `max_in_flight`, else a `concurrency` written (by
 * the scenario or its suite's defaults), else {@link DEFAULT_MAX_IN_FLIGHT};
 * a target sizes its pools by it. Undefined, with the problem reported,
 * when the load cannot run.
 */
export function resolveOpen(
  executor: string,
  load: LoadInput,
  report: Report,
):
  | (ReturnType<typeof commonPlan> & { time_unit_ms: number })
  | undefined {
  if (load.iterations !== undefined) {
    report(
      ["load", "iterations"],
      `"iterations" has no effect with executor "${executor}": the rate and duration decide the count`,
    );
    return undefined;
  }
  return {
    ...commonPlan(load),
    concurrency: load.max_in_flight ?? load.concurrency ??
      DEFAULT_MAX_IN_FLIGHT,
    time_unit_ms: parseDuration(load.time_unit ?? "1s"),
  };
}

/**
 * Reports a schedule that plans more arrivals than a run may, or that lasts
 * as long as the hard stop; true when it fits.
 */
export function scheduleFits(
  shape: RateShape,
  max_duration_ms: number,
  report: Report,
): boolean {
  const schedule = new ArrivalSchedule(shape);
  if (schedule.total > MAX_OPS) {
    report(
      ["load"],
      `the schedule plans ${
        schedule.total.toLocaleString("en-US")
      } arrivals, over the ${
        MAX_OPS.toLocaleString("en-US")
      } a run may: lower the rate or the duration`,
    );
    return false;
  }
  if (schedule.duration_ms >= max_duration_ms) {
    report(
      ["load", "max_duration"],
      `the schedule lasts ${schedule.duration_ms} ms, not shorter than "max_duration" (${max_duration_ms} ms): raise max_duration`,
    );
    return false;
  }
  return true;
}

/** One worker's share of an arrival schedule: see {@link Schedule}. */
export interface WorkerArrivals {
  /** The whole schedule (every worker's arrivals). */
  schedule: ArrivalSchedule;
  /** This worker's first arrival (its index). */
  first: number;
  /** Distance between this worker's arrivals (the worker count). */
  step: number;
  /** How many arrivals this worker has. */
  count: number;
  /** Most ops in flight at once on this worker. */
  maxInFlight: number;
}

/**
 * The worker-side schedule of an open-model plan. Unsplit, worker `w` of
 * `W` takes arrivals `w, w + W, …`; in shard `i` of `n`, which takes every
 * `n`-th arrival from `i`, worker `w` takes `i + n·w, i + n·w + n·W, …`,
 * at the times of the whole schedule.
 */
export function openSchedule(
  plan: RatePlan,
  worker: number,
  shard: Shard = { index: 0, count: 1 },
): Schedule {
  const schedule = new ArrivalSchedule(plan);
  return {
    deadline: Infinity,
    budget: () => () => 0,
    arrivals: {
      schedule,
      ...stripe(schedule.total, { workers: plan.workers, worker, shard }),
      maxInFlight: plan.concurrency,
    },
  };
}

/** Whose share of a schedule {@link stripe} works out. */
export interface StripeOf {
  /** Workers per process. */
  workers: number;
  /** This worker, from 0. */
  worker: number;
  /** This process's shard ({ index: 0, count: 1 } unsplit). */
  shard: Shard;
}

/**
 * The arrivals (first, step, count) worker `worker` of `workers` takes in
 * shard `shard` of a schedule of `total` arrivals: see {@link openSchedule}.
 */
export function stripe(
  total: number,
  { workers, worker, shard }: StripeOf,
): { first: number; step: number; count: number } {
  const first = shard.index + shard.count * worker;
  const step = shard.count * workers;
  return { first, step, count: workerShare(total, first, step) };
}

/**
 * An open-model load split into shards: each keeps the whole schedule and
 * its workers (and their max_in_flight), and takes every `count`-th
 * arrival from its index ({@link openSchedule}); its workers are numbered
 * after the shards before it, for their random streams.
 */
export function shardOpen<P extends { workers: number }>(
  load: P,
  shard: Shard,
): ShardedLoad<P> {
  return {
    load,
    workers: Array.from(
      { length: load.workers },
      (_, w) => shard.index * load.workers + w,
    ),
  };
}
