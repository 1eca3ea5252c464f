/**
 * The contract between the engine and a component: a {@link Target} opens one
 * {@link TargetInstance} per worker thread, whose named ops the engine calls.
 *
 * Components implement this in their `ops.ts`; the engine knows nothing else
 * about them. This module holds types only (plus a tiny param helper), so
 * components never import the harness.
 * @module
 */
import type { z } from "zod";

/** Seeded pseudo-random numbers; one stream per task, so runs repeat. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
}

/** Where an instance runs: which worker of how many, and run-wide facts. */
export interface WorkerInfo {
  /** 0-based index of this worker thread. */
  index: number;
  /** Number of worker threads in the run. */
  count: number;
  /** Async tasks in this worker that call ops concurrently. */
  concurrency: number;
  /** The scenario seed (each task's Rng is derived from it). */
  seed: number;
  /** A directory private to this run, for files such as databases. */
  runDir: string;
  /** Whatever {@link Target.prepare} returned, structured-cloned. */
  shared: unknown;
}

/** Facts handed to {@link Target.prepare} in the main thread. */
export interface RunInfo {
  /** Number of worker threads in the run. */
  workers: number;
  /** The scenario seed. */
  seed: number;
  /** A directory private to this run, for files such as databases. */
  runDir: string;
  /**
   * Host names the user allowed beyond loopback (`tensile run --allow-host`);
   * a target that reaches a network service refuses any other host.
   */
  allowHosts?: readonly string[];
  /**
   * The command line that runs this program again, ready for a subcommand
   * (`deno run <flags> main.ts`, or a compiled binary alone): how a target
   * starts `tensile serve` in a process of its own. Set by the CLI.
   */
  self?: SelfCommand;
  /**
   * Aborted when the run stops: at `max_duration`, at the user's stop
   * (Ctrl-C), or on a failure. Time spent preparing counts toward
   * `max_duration`, so a long `prepare()` works in steps, gives the event
   * loop a turn between them (timers fire only then) and throws once this
   * is aborted (`signal.throwIfAborted()`). One that ignores it is
   * abandoned after the stop's grace period, and the run fails.
   */
  signal: AbortSignal;
}

/** A program and its first arguments; a subcommand's follow. */
export interface SelfCommand {
  /** The executable. */
  command: string;
  /** Arguments before the subcommand. */
  args: readonly string[];
}

/** One correctness check's result, evaluated after the load stops. */
export interface InvariantResult {
  /** The invariant's name, as written in the scenario. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** What was checked and what was found, with numbers. */
  detail: string;
}

/** One op callable by the engine. Params were parsed once, before the run. */
export type Op = (params: unknown, rng: Rng) => unknown | Promise<unknown>;

/** Static description of one op, so scenarios are checked before a run. */
export interface OpSpec {
  /** One line shown by `tensile list`. */
  description: string;
  /** Schema of the op's `params` in a scenario mix entry. */
  params?: z.ZodType;
}

/** A component the engine can load. */
export interface Target {
  /** The name scenarios use in `target:`. */
  name: string;
  /** One line shown by `tensile list`. */
  description: string;
  /** Schema of the scenario's `options:` for this target. */
  options?: z.ZodType;
  /** The ops a scenario mix may name. */
  ops: Record<string, OpSpec>;
  /** Invariant names a scenario may request, with a one-line description. */
  invariants?: Record<string, string>;
  /**
   * Counters the instances report (see {@link TargetInstance.counters}), with
   * a one-line description. Scenarios grade them as `counters.<name>` (the
   * total) and `counters.<name>.rate` (per measured op, in %).
   */
  counters?: Record<string, string>;
  /**
   * Names in {@link counters} that are peaks (high-water marks since the
   * instance opened, such as the largest file size seen) rather than running
   * totals: the artifact gets the largest value any worker reported after
   * the load, where a total gets the sum of each worker's increase over the
   * measured load.
   */
  peakCounters?: readonly string[];
  /**
   * Runs once in the main thread before workers start (create a database,
   * seed rows). Its structured-cloneable result reaches every worker; or,
   * to keep something running for the run (a server process), it returns a
   * {@link PreparedRun}, which the run disposes after the load, also when
   * the run fails or is stopped.
   */
  prepare?(options: unknown, run: RunInfo): Promise<unknown>;
  /** Opens this worker's instance. `options` were parsed by `options`. */
  open(options: unknown, worker: WorkerInfo): Promise<TargetInstance>;
}

/** A target opened inside one worker. */
export interface TargetInstance {
  /** Op implementations by name; must cover every name in `Target.ops`. */
  ops: Record<string, Op>;
  /**
   * Checks the named invariants after every worker's load has stopped.
   * Each worker is asked; results are merged by name (all must hold).
   */
  invariants?(names: readonly string[]): Promise<InvariantResult[]>;
  /**
   * Cumulative counters since open, such as lock retries or time spent
   * waiting, which no op outcome shows. Read after warmup and after the load;
   * the difference, summed over workers, lands in the artifact.
   */
  counters?(): Record<string, number>;
  /** Releases everything the instance opened. */
  close(): Promise<void>;
}

/** RSS and CPU of a process the run watched over the measured load. */
export interface ProcessFigures {
  /** RSS in bytes when the measured load started. */
  rss_start: number;
  /** RSS in bytes when it ended. */
  rss_end: number;
  /** The largest RSS sampled meanwhile, in bytes. */
  rss_peak: number;
  /** CPU time over wall time (1 = one core busy the whole time). */
  cpu: number;
}

/**
 * What {@link Target.prepare} returns to keep a resource for the run: the
 * data workers get, a watch on a process (the system under test, such as a
 * server the target started), and the teardown.
 */
export interface PreparedRun extends AsyncDisposable {
  /** Structured-cloned to every worker as {@link WorkerInfo.shared}. */
  shared: unknown;
  /** Called when the measured load starts. */
  begin?(): void;
  /** Called when it ends: the watched process's figures, if measured. */
  end?(): ProcessFigures | undefined;
}

/** Whether `prepare()` returned a {@link PreparedRun}. */
export function isPreparedRun(value: unknown): value is PreparedRun {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<PreparedRun>)[Symbol.asyncDispose] === "function";
}

/** A param that is either a fixed number or an inclusive `[min, max]` range. */
export type NumberOrRange = number | readonly [number, number];

/** Draws a value for a {@link NumberOrRange} param. */
export function draw(value: NumberOrRange, rng: Rng): number {
  return typeof value === "number" ? value : rng.int(value[0], value[1]);
}
