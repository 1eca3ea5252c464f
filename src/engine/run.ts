/**
 * The main-thread side of a run: prepares the target, starts one Worker per
 * `workers`, gates warmup and measurement, merges batches into exact
 * histograms, samples memory/CPU about once a second, checks invariants and
 * closes everything, also when stopped early.
 * @module
 */
import { OUTCOMES } from "../errors.ts";
import {
  type ArrivalSchedule,
  arrivalSchedule,
  plannedMs,
  plannedOps,
} from "../executors/mod.ts";
import { findGc } from "../runtime.ts";
import type { Plan } from "../scenario/mod.ts";
import {
  createHistogram,
  decodeHistogram,
  type ErrorSample,
  type Histogram,
  initHistograms,
  type Interval,
  type Measurements,
  type OpMeasurement,
  opMeasurement,
  outcomeCounts,
} from "../stats/mod.ts";
import {
  type InvariantResult,
  isPreparedRun,
  type PreparedRun,
  type ProcessFigures,
  type RunInfo,
  type SelfCommand,
  type Target,
} from "../target.ts";
import {
  CONTROL,
  type FromWorker,
  opSlots,
  type ToWorker,
} from "./_protocol.ts";
import { Sampler } from "./_sampler.ts";

/** How a run ended, before grading. */
export type RunStatus = "completed" | "interrupted" | "error";

/** What the engine hands to grading and reports. */
export interface RunResult {
  /** How the run ended. */
  status: RunStatus;
  /** Set when status is `error`. */
  error?: string;
  /** ISO time the run started. */
  started_at: string;
  /** ISO time the run ended. */
  ended_at: string;
  /** What was measured (warmup excluded). */
  measurements: Measurements;
  /** Invariants, merged over workers. */
  invariants: InvariantResult[];
  /** Facts worth showing, such as a stop at `max_duration`. */
  notes: string[];
}

/** A live view of a running scenario, about once a second. */
export interface Progress {
  /** Measured ops finished so far. */
  done: number;
  /** Ops the executor plans in total; undefined for duration executors. */
  planned?: number;
  /** Time since measurement started. */
  elapsed_ms: number;
  /** Estimated time left; undefined when unknown. */
  eta_ms?: number;
  /** Ops per second over the last interval. */
  throughput: number;
  /** p99 over the last interval, in ms. */
  p99: number;
}

/** How to run a plan. */
export interface RunOptions {
  /** The target the plan names. */
  target: Target;
  /** The worker entry module (it calls `serveWorker` with the targets). */
  workerUrl: URL;
  /** A directory private to this run. */
  runDir: string;
  /** Aborting stops the load gracefully: in-flight ops finish. */
  signal?: AbortSignal;
  /** Called about once a second while the load runs. */
  onProgress?: (progress: Progress) => void;
  /** Sampling interval; default 1000 ms. */
  sampleMs?: number;
  /** How long in-flight ops may run on after a stop; default 10 s. */
  stopGraceMs?: number;
  /** Hosts beyond loopback a network target may reach (`--allow-host`). */
  allowHosts?: readonly string[];
  /** How to start this program again (see {@link RunInfo.self}). */
  self?: SelfCommand;
}

/** Runs one plan to the end (or until stopped) and returns what it measured. */
export async function runPlan(
  plan: Plan,
  options: RunOptions,
): Promise<RunResult> {
  await initHistograms();
  await using run = new Run(plan, options);
  return await run.execute();
}

/** How long in-flight ops may take to finish once a stop is requested. */
const STOP_GRACE_MS = 10_000;

/** Thrown inside {@link Run.execute} when a stop ended `prepare()`. */
class PrepareStopped extends Error {}

class Run {
  #plan: Plan;
  #options: RunOptions;
  #workers: Worker[] = [];
  #control = new Int32Array(new SharedArrayBuffer(16));
  #claimed = new SharedArrayBuffer(4);
  /** Op names, each once; `#ops` holds their results by the same index. */
  #names: string[];
  #ops: { histogram: Histogram; counts: number[] }[];
  #sampler: Sampler;
  /** Open model only: the whole schedule, and service time per op name. */
  #arrivals: ArrivalSchedule | undefined;
  #service: Histogram[] | undefined;
  #dropped = 0;
  #maxLag = 0;
  #samples = new Map<string, ErrorSample>();
  #heaps: number[];
  #waiting?: {
    type: FromWorker["type"];
    left: Set<number>;
    resolve: () => void;
    reject: (error: Error) => void;
  };
  #invariantResults: InvariantResult[] = [];
  /** Target counters by name, merged over workers as they finish. */
  #counters = new Map<string, number>();
  #failure?: string;
  #notes: string[] = [];
  #graceTimer?: ReturnType<typeof setTimeout>;
  /** Aborted at max_duration, at a user's stop and on failure: RunInfo.signal. */
  #halt = new AbortController();
  /** Rejects on the first failure, so a wait on something else can give up. */
  #failed: Promise<never>;
  #rejectFailed!: (error: Error) => void;
  /** True once workers were started: the target was prepared. */
  #spawned = false;
  /** What prepare() keeps running for the run; disposed with the run. */
  #prepared: PreparedRun | undefined;
  #server: ProcessFigures | undefined;

  constructor(plan: Plan, options: RunOptions) {
    this.#plan = plan;
    this.#options = options;
    // One histogram per op name, not per mix entry (see `opSlots`).
    this.#names = opSlots(plan.mix).names;
    this.#ops = this.#names.map(() => ({
      histogram: createHistogram(),
      counts: OUTCOMES.map(() => 0),
    }));
    this.#arrivals = arrivalSchedule(plan.load);
    this.#service = this.#arrivals && this.#names.map(() => createHistogram());
    this.#heaps = Array.from({ length: plan.load.workers }, () => 0);
    this.#sampler = new Sampler({
      heap: () => sum(this.#heaps),
      arrivals: this.#arrivals,
      names: this.#names,
    });
    this.#failed = new Promise<never>((_, reject) => {
      this.#rejectFailed = reject;
    });
    this.#failed.catch(() => {}); // awaited only while preparing
  }

  async execute(): Promise<RunResult> {
    const plan = this.#plan;
    const { target, signal } = this.#options;
    const startedAt = new Date();
    let interrupted = false;
    const stop = () => {
      interrupted = true;
      this.#requestStop();
    };
    signal?.addEventListener("abort", stop, { once: true });
    let measureStart = performance.now();
    let measureEnd = measureStart;
    let measured = false;
    const sampler = this.#sampler;
    let sampling: ReturnType<typeof setInterval> | undefined;
    let maxTimer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (signal?.aborted) stop();
      // The hard stop covers preparing and warmup too: armed first.
      maxTimer = setTimeout(() => {
        const max = `stopped at max_duration (${plan.load.max_duration_ms} ms)`;
        if (this.#spawned) {
          this.#notes.push(`${max} before the executor finished`);
        } else {
          this.#notes.push(
            `${max} while preparing the target: nothing was measured`,
          );
          this.#failure ??=
            `${max} while preparing the target: prepare() took longer than the whole run may`;
        }
        this.#requestStop();
      }, plan.load.max_duration_ms);
      const options = target.options?.parse(plan.options) ?? plan.options;
      const shared = await this.#prepare(target, options);
      this.#spawned = true;
      await this.#phase("warm", () => this.#spawn(shared));
      findGc()?.();
      this.#prepared?.begin?.();
      measureStart = performance.now();
      sampler.begin(measureStart);
      const tick = () => {
        const now = performance.now();
        const interval = sampler.tick(now);
        this.#options.onProgress?.(
          this.#progress(interval, now - measureStart),
        );
      };
      sampling = setInterval(tick, this.#options.sampleMs ?? 1000);
      await this.#phase(
        "done",
        () =>
          this.#broadcast({
            type: "go",
            origin: performance.timeOrigin + measureStart,
          }),
      );
      measureEnd = performance.now();
      this.#server = this.#prepared?.end?.();
      measured = true;
      clearInterval(sampling);
      clearTimeout(maxTimer);
      // Every op has returned: the grace period is over, invariants may be slow.
      clearTimeout(this.#graceTimer);
      sampler.end(measureEnd);
      await this.#phase(
        "invariants",
        () => this.#broadcast({ type: "invariants", names: plan.invariants }),
      );
    } catch (error) {
      if (error instanceof PrepareStopped) {
        if (interrupted) {
          this.#notes.push(
            "stopped while preparing the target: nothing was measured",
          );
        }
      } else {
        this.#failure ??= (error as Error).message;
      }
      Atomics.store(this.#control, CONTROL.stop, 1);
      this.#halt.abort();
      if (!measured) measureEnd = performance.now();
    } finally {
      clearInterval(sampling);
      clearTimeout(maxTimer);
      clearTimeout(this.#graceTimer);
      signal?.removeEventListener("abort", stop);
    }
    const duration = Math.max(1e-9, (measureEnd - measureStart) / 1000);
    const measurements = this.#measurements(
      duration,
      sampler.timeseries,
      sampler.memory,
    );
    measurements.start_epoch_ms = round(
      performance.timeOrigin + measureStart,
      3,
    );
    return {
      // A user's stop stays a stop, even when ops had to be cut off.
      status: interrupted
        ? "interrupted"
        : this.#failure
        ? "error"
        : "completed",
      ...(this.#failure ? { error: this.#failure } : {}),
      started_at: startedAt.toISOString(),
      ended_at: new Date().toISOString(),
      measurements,
      invariants: this.#failure || !this.#spawned
        ? []
        : this.#mergeInvariants(),
      notes: this.#notes,
    };
  }

  /**
   * Runs the target's `prepare()` with a signal the run aborts when it stops
   * (max_duration, the user's stop). A stop while preparing throws
   * {@link PrepareStopped}, whether `prepare()` then returned or threw (the
   * abort, most likely); one that `prepare()` does not honour within the
   * stop grace period fails the run without waiting for it any longer.
   */
  async #prepare(target: Target, options: unknown): Promise<unknown> {
    if (this.#halt.signal.aborted) throw new PrepareStopped();
    const info: RunInfo = {
      workers: this.#plan.load.workers,
      seed: this.#plan.load.seed,
      runDir: this.#options.runDir,
      ...(this.#options.allowHosts
        ? { allowHosts: this.#options.allowHosts }
        : {}),
      ...(this.#options.self ? { self: this.#options.self } : {}),
      signal: this.#halt.signal,
    };
    const preparing = (async () => await target.prepare?.(options, info))();
    try {
      const shared = await Promise.race([preparing, this.#failed]);
      if (isPreparedRun(shared)) {
        this.#prepared = shared;
        if (this.#halt.signal.aborted) throw new PrepareStopped();
        return shared.shared;
      }
      if (this.#halt.signal.aborted) throw new PrepareStopped();
      return shared;
    } catch (error) {
      if (this.#failure !== undefined) throw new Error(this.#failure);
      if (this.#halt.signal.aborted) throw new PrepareStopped();
      throw error;
    } finally {
      // It may settle after the run gave up on it: dispose what it kept.
      preparing.then(
        (late) => {
          if (isPreparedRun(late) && late !== this.#prepared) {
            Promise.resolve(late[Symbol.asyncDispose]()).catch(() => {});
          }
        },
        () => {},
      );
    }
  }

  #progress(interval: Interval, elapsed: number): Progress {
    const { load } = this.#plan;
    const done = sum(this.#ops.map((op) => sum(op.counts)));
    const planned = plannedOps(load);
    const plannedTime = plannedMs(load);
    const rate = done / Math.max(elapsed / 1000, 1e-9);
    const eta = planned !== undefined
      ? (rate > 0 ? ((planned - done) / rate) * 1000 : undefined)
      : plannedTime !== undefined
      ? Math.max(0, plannedTime - elapsed)
      : undefined;
    return {
      done,
      ...(planned !== undefined ? { planned } : {}),
      elapsed_ms: elapsed,
      ...(eta !== undefined ? { eta_ms: eta } : {}),
      throughput: interval.throughput,
      p99: interval.p99,
    };
  }

  /** Sends, then waits until every worker answered with `type`. */
  #phase(type: FromWorker["type"], send: () => void): Promise<void> {
    if (this.#failure) return Promise.reject(new Error(this.#failure));
    return new Promise<void>((resolve, reject) => {
      this.#waiting = {
        type,
        left: new Set(range(this.#plan.load.workers)),
        resolve,
        reject,
      };
      send();
    });
  }

  #spawn(shared: unknown): void {
    for (let index = 0; index < this.#plan.load.workers; index++) {
      const worker = new Worker(this.#options.workerUrl, { type: "module" });
      worker.onmessage = (event: MessageEvent<FromWorker>) =>
        this.#receive(index, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#fail(`worker ${index} crashed: ${event.message}`);
      };
      this.#workers.push(worker);
      const init: ToWorker = {
        type: "init",
        plan: this.#plan,
        index,
        runDir: this.#options.runDir,
        shared,
        control: this.#control.buffer as SharedArrayBuffer,
        claimed: this.#claimed,
      };
      worker.postMessage(init);
    }
  }

  #broadcast(message: ToWorker): void {
    for (const worker of this.#workers) worker.postMessage(message);
  }

  #receive(index: number, message: FromWorker): void {
    switch (message.type) {
      case "batch":
        this.#absorb(message);
        this.#heaps[index] = message.heap;
        return;
      case "fatal":
        this.#fail(`worker ${index}: ${message.message}`);
        return;
      case "warm":
        this.#heaps[index] = message.heap;
        break;
      case "done":
        this.#heaps[index] = message.heap;
        this.#mergeCounters(message.counters);
        break;
      case "invariants":
        this.#invariantResults.push(...message.results);
        break;
      case "closed":
        break;
      default: {
        const never: never = message;
        throw new TypeError(`Unknown message ${JSON.stringify(never)}`);
      }
    }
    const waiting = this.#waiting;
    if (waiting?.type === message.type) {
      waiting.left.delete(index);
      if (waiting.left.size === 0) {
        this.#waiting = undefined;
        waiting.resolve();
      }
    }
  }

  /**
   * Asks every task to stop after its in-flight op. An op that never returns
   * would hold the run forever, so after a grace period the run fails.
   */
  #requestStop(): void {
    if (Atomics.exchange(this.#control, CONTROL.stop, 1) !== 0) return;
    this.#halt.abort();
    const grace = this.#options.stopGraceMs ?? STOP_GRACE_MS;
    this.#graceTimer = setTimeout(() => {
      const message = this.#spawned
        ? `ops still in flight ${grace} ms after the stop: an op does not return (workers terminated)`
        : `target "${this.#plan.target}" still preparing ${grace} ms after the stop: its prepare() does not honour RunInfo.signal (abandoned)`;
      // A failure already set (max_duration while preparing) stays the error.
      if (this.#failure !== undefined) this.#notes.push(message);
      this.#fail(message);
    }, grace);
  }

  #fail(message: string): void {
    this.#failure ??= message;
    this.#rejectFailed(new Error(this.#failure));
    Atomics.store(this.#control, CONTROL.stop, 1);
    this.#halt.abort();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(new Error(message));
  }

  #absorb(batch: Extract<FromWorker, { type: "batch" }>): void {
    batch.ops.forEach((opBatch, k) => {
      const op = this.#ops[k];
      let total = 0;
      opBatch.counts.forEach((n, i) => {
        op.counts[i] += n;
        total += n;
      });
      if (opBatch.histogram !== null) {
        const decoded = decodeHistogram(opBatch.histogram);
        op.histogram.add(decoded);
        this.#sampler.addOps(total, total - opBatch.counts[0], decoded, k);
        decoded.destroy();
      } else {
        this.#sampler.addOps(total, total - opBatch.counts[0], undefined, k);
      }
    });
    const open = batch.open;
    if (open && this.#service) {
      open.service.forEach((encoded, k) => {
        if (encoded === null) return;
        const decoded = decodeHistogram(encoded);
        this.#service![k].add(decoded);
        decoded.destroy();
      });
      this.#dropped += open.dropped;
      this.#sampler.addArrivals(open.started, open.dropped, open.lag);
      this.#maxLag = Math.max(this.#maxLag, open.lag);
    }
    for (const sample of batch.errors) {
      const key = `${sample.op}\u0000${sample.outcome}\u0000${sample.message}`;
      const seen = this.#samples.get(key);
      if (seen) seen.count += sample.count;
      else if (this.#samples.size < 20) this.#samples.set(key, { ...sample });
    }
  }

  /**
   * Adds one worker's counters: its increase over the measured load, or for
   * a peak counter the largest value any worker reported.
   */
  #mergeCounters(
    counters: Extract<FromWorker, { type: "done" }>["counters"],
  ): void {
    const peaks = this.#options.target.peakCounters ?? [];
    for (const [name, end] of Object.entries(counters.end)) {
      const seen = this.#counters.get(name);
      if (peaks.includes(name)) {
        this.#counters.set(name, Math.max(seen ?? end, end));
      } else {
        const start = Object.hasOwn(counters.start, name)
          ? counters.start[name]
          : 0;
        this.#counters.set(name, (seen ?? 0) + end - start);
      }
    }
  }

  /** One result per invariant: it holds only if it held in every worker. */
  #mergeInvariants(): InvariantResult[] {
    const byName = new Map<string, InvariantResult[]>();
    for (const result of this.#invariantResults) {
      byName.set(result.name, [...byName.get(result.name) ?? [], result]);
    }
    return this.#plan.invariants.map((name) => {
      const results = byName.get(name) ?? [];
      if (results.length === 0) {
        return { name, ok: false, detail: "no worker reported this invariant" };
      }
      const failed = results.filter((result) => !result.ok);
      const shown = failed.length > 0 ? failed : results;
      const detail = shown.length <= 4
        ? shown.map((result) => result.detail).join("; ")
        : `${shown[0].detail}; and ${shown.length - 1} more workers ${
          failed.length > 0 ? "failed" : "agree"
        }`;
      return { name, ok: failed.length === 0, detail };
    });
  }

  #measurements(
    duration: number,
    timeseries: Interval[],
    memory: Omit<Measurements["memory"], "growth_per_1k_ops" | "gc_forced">,
  ): Measurements {
    const all = createHistogram();
    const allService = this.#service && createHistogram();
    const allCounts = OUTCOMES.map(() => 0);
    // By op name, as own keys: an op named "constructor" or "__proto__" is
    // an entry like any other, never a prototype's member.
    const ops: Record<string, OpMeasurement> = Object.fromEntries(
      this.#names.map((name, slot) => {
        const op = this.#ops[slot];
        all.add(op.histogram);
        op.counts.forEach((n, i) => allCounts[i] += n);
        const service = this.#service?.[slot];
        if (service) allService!.add(service);
        return [
          name,
          opMeasurement(op.histogram, {
            outcomes: outcomeCounts(op.counts),
            duration,
            service,
          }),
        ];
      }),
    );
    const overall = opMeasurement(all, {
      outcomes: outcomeCounts(allCounts),
      duration,
      service: allService,
    });
    all.destroy();
    allService?.destroy();
    const growth = overall.total > 0
      ? (memory.heap_end - memory.heap_start) / (overall.total / 1000)
      : 0;
    const server = this.#server;
    return {
      ...overall,
      duration_s: round(duration, 6),
      ...(this.#service
        ? { dropped: this.#dropped, max_lag_ms: round(this.#maxLag, 3) }
        : {}),
      ops,
      timeseries: this.#shareOf(timeseries),
      memory: {
        ...memory,
        growth_per_1k_ops: round(growth, 3),
        gc_forced: findGc() !== undefined,
      },
      error_samples: [...this.#samples.values()].sort((a, b) =>
        b.count - a.count
      ),
      counters: Object.fromEntries(this.#counters),
      ...(server
        ? {
          server: {
            ...server,
            cpu: round(server.cpu, 4),
            growth_per_1k_ops: round(
              overall.total > 0
                ? (server.rss_end - server.rss_start) / (overall.total / 1000)
                : 0,
              3,
            ),
          },
        }
        : {}),
    };
  }

  /**
   * A shard starts every `count`-th arrival of the whole schedule: its
   * intervals' target rate is its share of the whole's.
   */
  #shareOf(timeseries: Interval[]): Interval[] {
    const count = this.#plan.shard?.count ?? 1;
    if (count === 1) return timeseries;
    return timeseries.map((interval) =>
      interval.target === undefined
        ? interval
        : { ...interval, target: round(interval.target / count, 3) }
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    Atomics.store(this.#control, CONTROL.stop, 1);
    if (this.#workers.length > 0 && !this.#failure) {
      const closing = this.#phase(
        "closed",
        () => this.#broadcast({ type: "close" }),
      ).catch(() => {});
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closing,
        new Promise((resolve) => timer = setTimeout(resolve, 10_000)),
      ]);
      clearTimeout(timer);
    }
    for (const worker of this.#workers) worker.terminate();
    // After the workers: a server the target started outlives their close.
    if (this.#prepared) {
      await Promise.resolve(this.#prepared[Symbol.asyncDispose]()).catch(
        (error: Error) =>
          this.#notes.push(`the target's teardown failed: ${error?.message}`),
      );
    }
    for (const op of this.#ops) op.histogram.destroy();
    for (const histogram of this.#service ?? []) histogram.destroy();
    this.#sampler[Symbol.dispose]();
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
