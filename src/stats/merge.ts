/**
 * One merge of measurements, for the engine (worker batches into a run) and
 * for shards (runs into one): histograms add exactly (decode, add, encode),
 * counts and counters add, peak counters take the largest, and timeseries
 * intervals align by their absolute end time.
 * @module
 */
import { OUTCOMES } from "../errors.ts";
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  summarize,
} from "./histogram.ts";
import type {
  ErrorSample,
  Interval,
  Measurements,
  Memory,
  OpMeasurement,
  OutcomeCounts,
  ServerFigures,
} from "./measurements.ts";

/**
 * An op's measurements from its histogram(s) and counts: what the engine
 * reports per op and overall, and what a merge reports after adding.
 */
export function opMeasurement(
  histogram: Histogram,
  options: {
    outcomes: OutcomeCounts;
    /** Seconds of measured load, for the throughput. */
    duration: number;
    /** Open model: service time. */
    service?: Histogram;
  },
): OpMeasurement {
  const { outcomes, duration, service } = options;
  const total = sum(Object.values(outcomes));
  return {
    total,
    outcomes,
    throughput: round(total / duration, 3),
    latency: summarize(histogram),
    histogram: encodeHistogram(histogram),
    ...(service
      ? {
        service_time: summarize(service),
        service_histogram: encodeHistogram(service),
      }
      : {}),
  };
}

/** Counts by outcome from an array in OUTCOMES order. */
export function outcomeCounts(counts: readonly number[]): OutcomeCounts {
  return Object.fromEntries(
    OUTCOMES.map((outcome, i) => [outcome, counts[i]]),
  ) as OutcomeCounts;
}

/**
 * Adds encoded histograms exactly into a new live histogram (destroy it
 * when done); histograms must be loaded (`initHistograms`).
 *
 * @example
 * ```ts
 * import { addHistograms } from "./merge.ts";
 * import { createHistogram, encodeHistogram, initHistograms } from "./histogram.ts";
 * await initHistograms();
 * const a = createHistogram();
 * a.recordValue(1000);
 * const encoded = encodeHistogram(a);
 * a.destroy();
 * const sum = addHistograms([encoded, encoded]);
 * console.log(sum.totalCount); // 2
 * sum.destroy();
 * ```
 */
export function addHistograms(encoded: readonly string[]): Histogram {
  const total = createHistogram();
  for (const text of encoded) {
    const decoded = decodeHistogram(text);
    try {
      total.add(decoded);
    } finally {
      decoded.destroy();
    }
  }
  return total;
}

/**
 * Counters merged over runs: each adds, except a peak counter (a high-water
 * mark, `Target.peakCounters`), which takes the largest.
 */
export function mergeCounters(
  counters: readonly Record<string, number>[],
  peaks: readonly string[] = [],
): Record<string, number> {
  const merged = new Map<string, number>();
  for (const record of counters) {
    for (const [name, value] of Object.entries(record)) {
      const seen = merged.get(name);
      merged.set(
        name,
        seen === undefined
          ? value
          : peaks.includes(name)
          ? Math.max(seen, value)
          : seen + value,
      );
    }
  }
  return Object.fromEntries(merged);
}

/** One part of a merge: a run's measurements, and when it measured. */
export interface MeasuredPart {
  measurements: Measurements;
  /**
   * Unix epoch ms when its measurement started, when known: its intervals
   * then align by absolute time; unknown, by their offset from the start.
   */
  startMs?: number;
}

/** How to merge measurements. */
export interface MergeOptions {
  /** Counters that are high-water marks: the largest wins, not the sum. */
  peakCounters?: readonly string[];
}

/**
 * Measurements of several runs of one plan's parts (shards) as one run's:
 * histograms added exactly; counts, counters, drops and error samples
 * summed (peak counters and lag take the largest); the duration spans the
 * earliest start to the latest end when starts are known (else the longest
 * part's); memory per process (RSS: the largest of any part) and over the
 * whole plan (heaps: summed, as the engine sums its workers'); timeseries by
 * {@link mergeTimeseries}.
 */
export function mergeMeasurements(
  parts: readonly MeasuredPart[],
  options: MergeOptions = {},
): Measurements {
  if (parts.length === 0) throw new RangeError("Nothing to merge");
  const all = parts.map((part) => part.measurements);
  const starts = parts.map((part) => part.startMs);
  const known = starts.every((start) => start !== undefined);
  const duration = known
    ? (Math.max(
      ...parts.map((p) => p.startMs! + p.measurements.duration_s * 1000),
    ) - Math.min(...(starts as number[]))) / 1000
    : Math.max(...all.map((m) => m.duration_s));
  const seconds = Math.max(1e-9, duration);
  const open = all.some((m) => m.service_histogram !== undefined);
  const names = [...new Set(all.flatMap((m) => Object.keys(m.ops)))];
  const ops: Record<string, OpMeasurement> = {};
  for (const name of names) {
    const present = all.flatMap((m) =>
      Object.hasOwn(m.ops, name) ? [m.ops[name]] : []
    );
    // Own keys, whatever the op's name ("__proto__" too).
    Object.defineProperty(ops, name, {
      value: mergeOps(present, seconds, open),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const overall = mergeOps(all, seconds, open);
  const memory = mergeMemory(all.map((m) => m.memory), overall.total);
  return {
    ...overall,
    duration_s: round(duration, 6),
    ...(open
      ? {
        dropped: sum(all.map((m) => m.dropped ?? 0)),
        max_lag_ms: Math.max(...all.map((m) => m.max_lag_ms ?? 0)),
      }
      : {}),
    ops,
    timeseries: mergeTimeseries(parts),
    memory,
    error_samples: mergeErrorSamples(all.map((m) => m.error_samples)),
    counters: mergeCounters(
      all.map((m) => m.counters),
      options.peakCounters,
    ),
    ...mergeServer(all.flatMap((m) => m.server ? [m.server] : [])),
  };
}

/**
 * Figures of processes under test that each part started for itself (a
 * shard's own context server): per process, so the most any one reached,
 * field by field, as RSS in {@link mergeMemory}. Absent when no part has them.
 */
function mergeServer(
  parts: readonly ServerFigures[],
): { server?: ServerFigures } {
  if (parts.length === 0) return {};
  const most = (field: keyof ServerFigures) =>
    Math.max(...parts.map((server) => server[field]));
  return {
    server: {
      rss_start: most("rss_start"),
      rss_end: most("rss_end"),
      rss_peak: most("rss_peak"),
      cpu: most("cpu"),
      growth_per_1k_ops: most("growth_per_1k_ops"),
    },
  };
}

function mergeOps(
  parts: readonly OpMeasurement[],
  duration: number,
  open: boolean,
): OpMeasurement {
  const latency = addHistograms(parts.map((p) => p.histogram));
  const service = open
    ? addHistograms(parts.flatMap((p) => p.service_histogram ?? []))
    : undefined;
  try {
    const counts = OUTCOMES.map((outcome) =>
      sum(parts.map((p) => p.outcomes[outcome]))
    );
    return opMeasurement(latency, {
      outcomes: outcomeCounts(counts),
      duration,
      service,
    });
  } finally {
    latency.destroy();
    service?.destroy();
  }
}

/**
 * Memory of parts that ran as separate processes: RSS is per process, so
 * the largest part's figures; heaps add up over every part's workers, as
 * the engine adds its workers', and growth per 1000 ops follows the summed
 * heaps over every op measured.
 */
export function mergeMemory(parts: readonly Memory[], ops: number): Memory {
  const heapStart = sum(parts.map((m) => m.heap_start));
  const heapEnd = sum(parts.map((m) => m.heap_end));
  return {
    rss_start: Math.max(...parts.map((m) => m.rss_start)),
    rss_peak: Math.max(...parts.map((m) => m.rss_peak)),
    rss_end: Math.max(...parts.map((m) => m.rss_end)),
    heap_start: heapStart,
    heap_peak: sum(parts.map((m) => m.heap_peak)),
    heap_end: heapEnd,
    growth_per_1k_ops: ops > 0
      ? round((heapEnd - heapStart) / (ops / 1000), 3)
      : 0,
    gc_forced: parts.every((m) => m.gc_forced),
  };
}

/** The first 20 distinct failure messages, counts summed, most seen first. */
function mergeErrorSamples(
  parts: readonly ErrorSample[][],
): ErrorSample[] {
  const samples = new Map<string, ErrorSample>();
  for (const sample of parts.flat()) {
    const key = `${sample.op}\u0000${sample.outcome}\u0000${sample.message}`;
    const seen = samples.get(key);
    if (seen) seen.count += sample.count;
    else if (samples.size < 20) samples.set(key, { ...sample });
  }
  return [...samples.values()].sort((a, b) => b.count - a.count);
}

/** An interval's optional per-op part, when the artifact carries it. */
interface IntervalOps {
  by_op?: Record<string, { ops: number; errors: number; histogram?: string }>;
}

/**
 * Timeseries of parts as one, in one-second buckets of absolute time: an
 * interval lands in the bucket its middle falls in (its part's start plus
 * the middle of its span; parts with no known start count from a common
 * start). In a bucket, each
 * part brings its ops and errors, its throughput (its ops over the time its
 * intervals there cover), its last RSS and heap and its CPU, and these add
 * up over parts, as do target and achieved rates and drops; lag takes the
 * largest. p99 is read from the added per-op histograms when every
 * interval carries them (`by_op`), else it is the largest p99 of any
 * interval in the bucket (an upper bound). `t` is the bucket's end, in
 * seconds from the earliest start.
 */
export function mergeTimeseries(parts: readonly MeasuredPart[]): Interval[] {
  const known = parts.every((part) => part.startMs !== undefined);
  const origin = known ? Math.min(...parts.map((p) => p.startMs!)) : 0;
  const buckets = new Map<number, Map<number, Timed[]>>();
  parts.forEach((part, index) => {
    const offset = known ? part.startMs! - origin : 0;
    let previous = 0;
    for (const interval of part.measurements.timeseries) {
      // By the interval's middle: a tick a few ms past the second (timers
      // fire late) still lands in the second it mostly covers.
      const middle = offset + (previous + interval.t) / 2 * 1000;
      const length = Math.max(0, interval.t - previous);
      previous = interval.t;
      const bucket = Math.max(0, Math.floor(middle / 1000));
      const byPart = buckets.get(bucket) ?? new Map<number, Timed[]>();
      buckets.set(bucket, byPart);
      byPart.set(index, [...byPart.get(index) ?? [], { interval, length }]);
    }
  });
  return [...buckets.entries()].sort(([a], [b]) => a - b).map((
    [bucket, byPart],
  ) => mergeBucket(bucket, [...byPart.values()]));
}

/** An interval and how many seconds it covers. */
interface Timed {
  interval: Interval & IntervalOps;
  length: number;
}

function mergeBucket(bucket: number, byPart: Timed[][]): Interval {
  const intervals = byPart.flat().map((timed) => timed.interval);
  const add = (key: "target" | "achieved" | "dropped") =>
    intervals.some((i) => i[key] !== undefined)
      ? { [key]: round(sum(intervals.map((i) => i[key] ?? 0)), 3) }
      : {};
  // Per part, then added: a part with two short intervals in the bucket
  // counts its rate once.
  const perPart = byPart.map((timed) => {
    const seconds = sum(timed.map((t) => t.length));
    const ops = sum(timed.map((t) => t.interval.ops));
    const last = timed[timed.length - 1].interval;
    return {
      throughput: seconds > 0
        ? ops / seconds
        : sum(timed.map((t) => t.interval.throughput)),
      cpu: seconds > 0
        ? sum(timed.map((t) => t.interval.cpu * t.length)) / seconds
        : last.cpu,
      rss: last.rss,
      heap: last.heap,
    };
  });
  const byOp = intervals.every((i) => i.by_op !== undefined)
    ? mergeByOp(intervals.map((i) => i.by_op!))
    : undefined;
  let p99 = Math.max(...intervals.map((i) => i.p99));
  if (byOp) {
    const all = addHistograms(
      Object.values(byOp).flatMap((op) => op.histogram ?? []),
    );
    p99 = all.totalCount > 0 ? all.getValueAtPercentile(99) / 1e6 : 0;
    all.destroy();
  }
  const merged: Interval & IntervalOps = {
    t: bucket + 1,
    ops: sum(intervals.map((i) => i.ops)),
    errors: sum(intervals.map((i) => i.errors)),
    throughput: round(sum(perPart.map((p) => p.throughput)), 3),
    p99,
    rss: sum(perPart.map((p) => p.rss)),
    heap: sum(perPart.map((p) => p.heap)),
    cpu: round(sum(perPart.map((p) => p.cpu)), 1),
    ...add("target"),
    ...add("achieved"),
    ...add("dropped"),
    ...(intervals.some((i) => i.lag_ms !== undefined)
      ? { lag_ms: Math.max(...intervals.map((i) => i.lag_ms ?? 0)) }
      : {}),
    ...(byOp ? { by_op: byOp } : {}),
  };
  return merged;
}

function mergeByOp(
  parts: NonNullable<IntervalOps["by_op"]>[],
): NonNullable<IntervalOps["by_op"]> {
  const names = [...new Set(parts.flatMap((p) => Object.keys(p)))];
  const merged: NonNullable<IntervalOps["by_op"]> = {};
  for (const name of names) {
    const present = parts.flatMap((p) =>
      Object.hasOwn(p, name) ? [p[name]] : []
    );
    const encoded = present.flatMap((op) => op.histogram ?? []);
    let histogram: string | undefined;
    if (encoded.length > 0) {
      const added = addHistograms(encoded);
      histogram = encodeHistogram(added);
      added.destroy();
    }
    Object.defineProperty(merged, name, {
      value: {
        ops: sum(present.map((op) => op.ops)),
        errors: sum(present.map((op) => op.errors)),
        ...(histogram !== undefined ? { histogram } : {}),
      },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
