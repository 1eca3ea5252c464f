/**
 * The run's clock of record on the main thread: about once a second it turns
 * what the workers' batches brought since the last tick into one timeseries
 * interval (ops, errors, throughput, p99, RSS, heap, CPU and, for the open
 * model, target vs achieved rate, drops and lag, and per op its counts and
 * encoded latency histogram), and it keeps the memory
 * figures of the measured phase (start, peak, end).
 * @module
 */
import { cpuUsage } from "node:process";
import type { ArrivalSchedule } from "../executors/mod.ts";
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  type Interval,
  type IntervalOp,
  type Measurements,
} from "../stats/mod.ts";

/** Memory of the measured phase, before growth per op is worked out. */
export type MemoryRecord = Omit<
  Measurements["memory"],
  "growth_per_1k_ops" | "gc_forced"
>;

/** What a sampler reads from the run. */
export interface SamplerSource {
  /** JS heap in use over every worker, as last reported. */
  heap(): number;
  /** The open model's schedule, for the target rate per interval. */
  arrivals?: ArrivalSchedule;
  /** Op names by slot, for each interval's `by_op`; default none. */
  names?: readonly string[];
}

/** One op's share of the current interval. */
interface OpTick {
  latency: Histogram;
  ops: number;
  errors: number;
}

/** Intervals and memory of one measured phase. */
export class Sampler {
  /** One entry per tick, in order. */
  readonly timeseries: Interval[] = [];
  /** Start, peak and end of RSS and heap. */
  readonly memory: MemoryRecord = {
    rss_start: 0,
    rss_peak: 0,
    rss_end: 0,
    heap_start: 0,
    heap_peak: 0,
    heap_end: 0,
  };
  #source: SamplerSource;
  #latency: Histogram = createHistogram();
  /** By slot; histograms keep their range across ticks (`reset()`). */
  #byOp: OpTick[];
  #ops = 0;
  #errors = 0;
  #started = 0;
  #dropped = 0;
  #lag = 0;
  #start = 0;
  #tickStart = 0;
  #cpuStart = cpuUsage();

  constructor(source: SamplerSource) {
    this.#source = source;
    this.#byOp = (source.names ?? []).map(() => ({
      latency: createHistogram(),
      ops: 0,
      errors: 0,
    }));
  }

  /** The measured phase starts now: memory at start, the first interval. */
  begin(now: number): void {
    const heap = this.#source.heap();
    const rss = Deno.memoryUsage().rss;
    Object.assign(this.memory, {
      heap_start: heap,
      heap_peak: heap,
      rss_start: rss,
      rss_peak: rss,
    });
    this.#start = this.#tickStart = now;
    this.#cpuStart = cpuUsage();
  }

  /**
   * Ops a batch brought: how many, how many failed, their latencies, and
   * the op's slot (see `SamplerSource.names`) when it is known.
   */
  addOps(
    total: number,
    failed: number,
    latency?: Histogram,
    slot?: number,
  ): void {
    this.#ops += total;
    this.#errors += failed;
    if (latency) this.#latency.add(latency);
    const op = slot === undefined ? undefined : this.#byOp[slot];
    if (op) {
      op.ops += total;
      op.errors += failed;
      if (latency) op.latency.add(latency);
    }
  }

  /** Open-model arrivals a batch brought. */
  addArrivals(started: number, dropped: number, lag: number): void {
    this.#started += started;
    this.#dropped += dropped;
    this.#lag = Math.max(this.#lag, lag);
  }

  /** Whether ops arrived since the last tick. */
  get pending(): boolean {
    return this.#ops > 0;
  }

  /** Closes the current interval and starts the next. */
  tick(now: number): Interval {
    const cpu = cpuUsage(this.#cpuStart);
    this.#cpuStart = cpuUsage();
    const seconds = (now - this.#tickStart) / 1000;
    const from = this.#tickStart;
    this.#tickStart = now;
    const rss = Deno.memoryUsage().rss;
    const heap = this.#source.heap();
    this.memory.rss_peak = Math.max(this.memory.rss_peak, rss);
    this.memory.heap_peak = Math.max(this.memory.heap_peak, heap);
    const interval: Interval = {
      t: round((now - this.#start) / 1000, 3),
      ops: this.#ops,
      errors: this.#errors,
      throughput: seconds > 0 ? this.#ops / seconds : 0,
      p99: this.#latency.totalCount > 0
        ? this.#latency.getValueAtPercentile(99) / 1e6
        : 0,
      rss,
      heap,
      cpu: seconds > 0 ? round((cpu.user + cpu.system) / 1e4 / seconds, 1) : 0,
    };
    const arrivals = this.#source.arrivals;
    if (arrivals) {
      const due = arrivals.expected(now - this.#start) -
        arrivals.expected(from - this.#start);
      interval.target = seconds > 0 ? round(due / seconds, 3) : 0;
      interval.achieved = seconds > 0 ? round(this.#started / seconds, 3) : 0;
      interval.dropped = this.#dropped;
      interval.lag_ms = round(this.#lag, 3);
      this.#started = this.#dropped = this.#lag = 0;
    }
    const byOp = this.#takeByOp();
    if (byOp) interval.by_op = byOp;
    this.timeseries.push(interval);
    this.#latency.reset();
    this.#ops = 0;
    this.#errors = 0;
    return interval;
  }

  /** The measured phase ended now: the last interval, memory at end. */
  end(now: number): void {
    if (this.pending || this.timeseries.length === 0) this.tick(now);
    const memory = this.memory;
    memory.heap_end = this.#source.heap();
    memory.rss_end = Deno.memoryUsage().rss;
    memory.rss_peak = Math.max(memory.rss_peak, memory.rss_end);
    memory.heap_peak = Math.max(memory.heap_peak, memory.heap_end);
  }

  /** Each op's counts and histogram of the interval, then reset; own keys. */
  #takeByOp(): Record<string, IntervalOp> | undefined {
    const names = this.#source.names;
    if (!names || names.length === 0) return undefined;
    const byOp: Record<string, IntervalOp> = {};
    this.#byOp.forEach((op, slot) => {
      if (op.ops === 0 && op.latency.totalCount === 0) return;
      Object.defineProperty(byOp, names[slot], {
        value: {
          ops: op.ops,
          errors: op.errors,
          ...(op.latency.totalCount > 0
            ? { histogram: encodeHistogram(op.latency) }
            : {}),
        },
        enumerable: true,
        writable: true,
        configurable: true,
      });
      op.latency.reset();
      op.ops = op.errors = 0;
    });
    return byOp;
  }

  [Symbol.dispose](): void {
    this.#latency.destroy();
    for (const op of this.#byOp) op.latency.destroy();
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
