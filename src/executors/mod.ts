/**
 * Executors: how much load a scenario puts on its target, and how the
 * workers hand it out. Each executor is one file that owns its keys of
 * `load:`, how a profile scales them, how they resolve to its plan variant,
 * the ops it plans (for the ETA) and the budget each worker task runs on.
 * {@link EXECUTORS} lists them; adding one adds a file and a line there.
 * @module
 */
import { z } from "zod";
import { MAX_OPS, MAX_TASKS, scaleCommon } from "./_common.ts";
import { DurationSchema } from "./_duration.ts";
import type { WorkerArrivals } from "./_open.ts";
import { constantArrivalRate } from "./constant_arrival_rate.ts";
import { constantWorkers } from "./constant_workers.ts";
import { perWorkerIterations } from "./per_worker_iterations.ts";
import { rampingArrivalRate } from "./ramping_arrival_rate.ts";
import { rampingWorkers } from "./ramping_workers.ts";
import { sharedIterations } from "./shared_iterations.ts";

export { fixedBudget, MAX_OPS, MAX_TASKS } from "./_common.ts";
export { stripe, type StripeOf } from "./_open.ts";
export { type RateShape, type RateStage } from "./_arrivals.ts";
import { ArrivalSchedule } from "./_arrivals.ts";
export { ArrivalSchedule };
export type { WorkerArrivals } from "./_open.ts";

/** Executors by name; the names are k6's, which users know. */
export const EXECUTORS = {
  "shared-iterations": sharedIterations,
  "per-worker-iterations": perWorkerIterations,
  "constant-workers": constantWorkers,
  "constant-arrival-rate": constantArrivalRate,
  "ramping-arrival-rate": rampingArrivalRate,
  "ramping-workers": rampingWorkers,
} as const satisfies Readonly<Record<string, ExecutorSpec>>;

/** An executor name. */
export type Executor = keyof typeof EXECUTORS;

/** Returns how many more iterations a task may run now; 0 when done. */
export type Budget = () => number;

/** How a profile scales a load: counts and durations by a factor. */
export interface Scale {
  /** Factor for iterations and warmup. */
  count: number;
  /** Factor for durations (a factor above 1 also moves the hard stop). */
  time: number;
}

/** Reports one problem of a load at its path in the scenario. */
export type Report = (path: PropertyKey[], message: string) => void;

/**
 * One shard of a run split over processes or machines: `index` of `count`,
 * from 0 (as Kubernetes' `JOB_COMPLETION_INDEX`).
 */
export interface Shard {
  /** This shard, from 0. */
  index: number;
  /** How many shards the run is split into. */
  count: number;
}

/** What one shard of a load runs: see {@link ExecutorSpec.shard}. */
export interface ShardedLoad<P = LoadPlan> {
  /** The shard's own load, what its process runs. */
  load: P;
  /**
   * The index, in the whole run, of each of the shard's workers: its random
   * streams are seeded from it, so shard runs are reproducible and no two
   * shards repeat one another's op sequence.
   */
  workers: number[];
}

/** What a worker hands the executor when measurement starts. */
export interface ScheduleContext {
  /** Iterations claimed so far, one counter shared by every worker. */
  claimed: Int32Array;
  /** `performance.now()` as measurement starts. */
  now: number;
  /** This worker's index, from 0 (default 0). */
  worker?: number;
  /** The shard this process runs, when the run is split (see `shard`). */
  shard?: Shard;
}

/** How a worker's tasks run: asked once per phase, not per op. */
export interface Schedule {
  /** Tasks stop at the first yield at or past this time; `Infinity` for none. */
  deadline: number;
  /** Each task's budget, asked once as the task starts. */
  budget: (task: number) => Budget;
  /**
   * Open model only: this worker's arrivals. Present, the worker starts ops
   * when they are due (its open-model loop) and `budget` is not asked.
   */
  arrivals?: WorkerArrivals;
  /**
   * A closed-model ramp only: how many of the worker's tasks should be
   * looping `elapsed` ms after `start`. Present, each task runs while its
   * index is below that count and waits while it is not, until `deadline`.
   */
  ramp?: { start: number; tasks: (elapsed: number) => number };
}

/**
 * One executor. `Plan` is its plan variant (tagged by `executor`), `Options`
 * its own keys of `load:`.
 */
export interface ExecutorSpec<
  Plan extends z.ZodObject = z.ZodObject,
  Options extends z.ZodObject = z.ZodObject,
> {
  /** The name a scenario writes in `load.executor`, its key in the table. */
  name: string;
  /**
   * Its own keys of `load:`, each optional (`resolve` says what is missing).
   * Every executor's keys merge into the one strict `load:` object of the
   * scenario schema; executors that share a key share its schema.
   */
  options: Options;
  /** Its resolved plan variant, as the artifact records it. */
  plan: Plan;
  /**
   * Its own keys of a load as a profile scales them. Keys scale wherever
   * they are written, whichever executor the load names: a profile may
   * switch the executor.
   */
  scale(load: LoadInput, scale: Scale): Partial<LoadInput>;
  /**
   * Checks a load (as scaled) and resolves it to numbers, or reports why it
   * cannot run and returns undefined.
   */
  resolve(load: LoadInput, report: Report): z.output<Plan> | undefined;
  /** Ops it plans in total, for the ETA; undefined when it runs for a time. */
  plannedOps(load: z.output<Plan>): number | undefined;
  /** How long it plans to run; undefined when it runs a count. */
  plannedMs(load: z.output<Plan>): number | undefined;
  /** Worker side: the measured phase's deadline and each task's budget. */
  schedule(load: z.output<Plan>, context: ScheduleContext): Schedule;
  /**
   * Splits the load for shard `shard.index` of `shard.count`, so the shards
   * together run exactly the whole load (never `count` times it); or says
   * why it cannot be split that way.
   */
  shard(
    load: z.output<Plan>,
    shard: Shard,
  ): ShardedLoad<z.output<Plan>> | string;
}

type Spec = (typeof EXECUTORS)[Executor];

type UnionToIntersection<U> = (
  U extends unknown ? (union: U) => void : never
) extends (intersection: infer I) => void ? I
  : never;

/** Every executor's own keys, in table order. */
const OPTIONS = Object.assign(
  {},
  ...Object.values(EXECUTORS).map((spec) => spec.options.shape),
) as UnionToIntersection<Spec["options"]["shape"]>;

/**
 * `load:` in a scenario: one strict object of the keys every executor has
 * and each executor's own, so editors complete every key and a suite's
 * defaults may hold any of them.
 */
export const LoadSchema = z.strictObject({
  executor: z.enum(Object.keys(EXECUTORS) as [Executor, ...Executor[]]),
  workers: z.number().int().min(1).max(64).optional(),
  concurrency: z.number().int().min(1).max(10_000).optional(),
  ...OPTIONS,
  warmup: z.number().int().min(0).max(MAX_OPS).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  max_duration: DurationSchema.optional(),
});
/** `load:` as written. */
export type LoadInput = z.infer<typeof LoadSchema>;

/** How much load, resolved to numbers: one variant per executor. */
export const LoadPlanSchema = z.discriminatedUnion(
  "executor",
  Object.values(EXECUTORS).map((spec) => spec.plan) as [
    Spec["plan"],
    ...Spec["plan"][],
  ],
);
/** How much load, resolved to numbers. */
export type LoadPlan = z.infer<typeof LoadPlanSchema>;

/** The spec of the executor a plan names. */
function specOf(load: LoadPlan): ExecutorSpec {
  // The table pairs each name with its variant's spec; TypeScript cannot
  // follow that pairing through an index, so it is asserted here, once.
  return EXECUTORS[load.executor] as unknown as ExecutorSpec;
}

/** A load as a profile scales it: every key the profile changes. */
export function scaleLoad(load: LoadInput, scale: Scale): Partial<LoadInput> {
  return Object.assign(
    scaleCommon(load, scale),
    ...Object.values(EXECUTORS).map((spec) => spec.scale(load, scale)),
  );
}

/**
 * Checks a load (as scaled) and resolves it, or reports why it cannot run:
 * its executor's checks, then the totals every executor shares (tasks
 * started, ops planned with warmup), which no single key shows.
 */
export function resolveLoad(
  load: LoadInput,
  report: Report,
): LoadPlan | undefined {
  const plan = EXECUTORS[load.executor].resolve(load, report);
  if (!plan) return undefined;
  const problem = totalsProblem(plan);
  if (problem) {
    report(problem.path, problem.message);
    return undefined;
  }
  return plan;
}

/**
 * What no single key shows and every executor shares: the tasks a load
 * starts and the ops it plans with warmup, each under its cap. Checked when
 * a scenario is loaded and again after command-line overrides.
 */
export function totalsProblem(
  plan: LoadPlan,
): { path: string[]; message: string } | undefined {
  const tasks = plan.workers * plan.concurrency;
  if (tasks > MAX_TASKS) {
    return {
      path: ["load", "concurrency"],
      message: `"workers" × "concurrency" is ${count(tasks)} tasks, over the ${
        count(MAX_TASKS)
      } a run may start: each task is an async loop with its own random stream and op in flight`,
    };
  }
  const ops = (plannedOps(plan) ?? 0) + plan.warmup * plan.workers;
  if (ops > MAX_OPS) {
    return {
      path: ["load", "iterations" in plan ? "iterations" : "warmup"],
      message: `the load plans ${count(ops)} ops with warmup, over the ${
        count(MAX_OPS)
      } a run may: latency histograms count in 32 bits`,
    };
  }
  return undefined;
}

/** `1,000,000` */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Ops the plan runs in total; undefined when it runs for a time. */
export function plannedOps(load: LoadPlan): number | undefined {
  return specOf(load).plannedOps(load);
}

/** How long the plan loads the target; undefined when it runs a count. */
export function plannedMs(load: LoadPlan): number | undefined {
  return specOf(load).plannedMs(load);
}

/**
 * The load of shard `shard.index` of `shard.count`: its executor's split.
 * Returns why, when the load cannot be split into that many shards.
 */
export function shardLoad(
  load: LoadPlan,
  shard: Shard,
): ShardedLoad | string {
  return specOf(load).shard(load, shard) as ShardedLoad | string;
}

/** Worker side: the measured phase's deadline and each task's budget. */
export function schedule(load: LoadPlan, context: ScheduleContext): Schedule {
  return specOf(load).schedule(load, context);
}

/** The load as the artifact records it: every field of every executor. */
export interface LoadRecord {
  /** Which executor drove the load. */
  executor: Executor;
  /** Worker threads. */
  workers: number;
  /** Async tasks per worker. */
  concurrency: number;
  /** Iteration executors: total (shared) or per worker; else 0. */
  iterations: number;
  /** constant-workers: how long every task looped; else 0. */
  duration_ms: number;
  /** Iterations per worker, run and discarded. */
  warmup: number;
  /** Seed of every task's random stream. */
  seed: number;
  /** Hard stop for any executor. */
  max_duration_ms: number;
  /** Arrival-rate executors: what their rates are per, in ms. */
  time_unit_ms?: number;
  /** constant-arrival-rate: arrivals per time unit. */
  rate?: number;
  /** ramping-workers: tasks per worker at the start. */
  start_tasks?: number;
  /** ramping-arrival-rate: the rate at the start. */
  start_rate?: number;
  /** Ramping executors: each stage's length and the rate or tasks at its end. */
  stages?: { duration_ms: number; target: number }[];
}

/** The flat record of a load, with the fields its executor lacks as 0. */
export function loadRecord(load: LoadPlan): LoadRecord {
  return {
    executor: load.executor,
    workers: load.workers,
    concurrency: load.concurrency,
    iterations: "iterations" in load ? load.iterations : 0,
    duration_ms: "duration_ms" in load ? load.duration_ms : 0,
    warmup: load.warmup,
    seed: load.seed,
    max_duration_ms: load.max_duration_ms,
    ...("time_unit_ms" in load ? { time_unit_ms: load.time_unit_ms } : {}),
    ...("rate" in load ? { rate: load.rate } : {}),
    ...("start_rate" in load ? { start_rate: load.start_rate } : {}),
    ...("start_tasks" in load ? { start_tasks: load.start_tasks } : {}),
    ...("stages" in load ? { stages: load.stages } : {}),
  };
}

/** True when a plan is open-model: ops start on a schedule, not in a loop. */
export function isOpenModel(load: LoadPlan): boolean {
  return "time_unit_ms" in load;
}

/**
 * The whole arrival schedule of an open-model plan (every worker's), or
 * undefined for a closed-model one: the main thread's view, for the rate
 * each interval was meant to reach.
 */
export function arrivalSchedule(load: LoadPlan): ArrivalSchedule | undefined {
  switch (load.executor) {
    case "constant-arrival-rate":
      return new ArrivalSchedule({
        start_rate: load.rate,
        time_unit_ms: load.time_unit_ms,
        stages: [{ duration_ms: load.duration_ms, target: load.rate }],
      });
    case "ramping-arrival-rate":
      return new ArrivalSchedule(load);
    case "shared-iterations":
    case "per-worker-iterations":
    case "constant-workers":
    case "ramping-workers":
      return undefined;
    default: {
      const never: never = load;
      throw new TypeError(`Unknown executor ${JSON.stringify(never)}`);
    }
  }
}
