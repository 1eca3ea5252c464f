/**
 * What one run measured, as plain data: counts by outcome, latency summaries
 * with their encoded histograms (so runs and shards merge exactly), the
 * timeseries and memory. Defined as zod schemas so the artifact's JSON Schema
 * is generated from the same source as its types.
 * @module
 */
import { z } from "zod";
import { FAILURE_OUTCOMES, type Outcome, OUTCOMES } from "../errors.ts";

const count = z.int().min(0);

/**
 * Whether `text` has the frame of an HDR compressed-base64 histogram: base64,
 * the V2 compressed cookie, a length that matches the bytes that follow and
 * a zlib header. Cheap (no inflate), so a hand-edited or truncated artifact
 * fails when read, naming the field, instead of deep inside merge or compare.
 */
function isEncodedHistogram(text: string): boolean {
  if (text.length < 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  let head: string;
  try {
    head = atob(text.slice(0, 16)); // the first 12 bytes
  } catch {
    return false;
  }
  const byte = (i: number) => head.charCodeAt(i);
  const cookie = ((byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) |
    byte(3)) & ~0xf0;
  const length = ((byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) |
    byte(7)) >>> 0;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = (text.length / 4) * 3 - padding;
  return text.length % 4 === 0 && cookie === 0x1c849304 &&
    length + 8 === bytes && (byte(8) & 0x0f) === 8 &&
    ((byte(8) << 8) | byte(9)) % 31 === 0;
}

const encodedHistogram = z.string().refine(isEncodedHistogram, {
  message:
    "not an encoded HDR histogram (compressed base64 as tensile writes it); was the file edited or cut short?",
});

/** Ops counted by how they ended, one key per outcome in OUTCOMES order. */
export const OutcomeCountsSchema = z.object(
  Object.fromEntries(OUTCOMES.map((outcome) => [outcome, count])) as Record<
    Outcome,
    typeof count
  >,
);
/** Ops counted by how they ended. */
export type OutcomeCounts = z.infer<typeof OutcomeCountsSchema>;

/** Latency statistics in milliseconds. */
export const LatencySummarySchema = z.object({
  count,
  min: z.number(),
  mean: z.number(),
  stdev: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p99_9: z.number(),
  max: z.number(),
});
/** Latency statistics in milliseconds. */
export type LatencySummary = z.infer<typeof LatencySummarySchema>;

/** Measurements of one op, or of all ops together. */
export const OpMeasurementSchema = z.object({
  total: count,
  outcomes: OutcomeCountsSchema,
  /** Measured ops per second. */
  throughput: z.number(),
  /**
   * Milliseconds. For the closed model, from each op's start to its end;
   * for the open model (arrival-rate executors), from when the schedule
   * said the op should start (its intended start), so time spent waiting
   * for a busy worker counts: coordinated omission corrected.
   */
  latency: LatencySummarySchema,
  /** HDR histogram of nanoseconds, compressed base64. */
  histogram: encodedHistogram,
  /**
   * Open model only: milliseconds from each op's actual start to its end,
   * what the target itself took. Absent for the closed model, where it is
   * `latency`.
   */
  service_time: LatencySummarySchema.optional(),
  /** Open model only: HDR histogram of service time, as `histogram`. */
  service_histogram: encodedHistogram.optional(),
});
/** Measurements of one op, or of all ops together. */
export type OpMeasurement = z.infer<typeof OpMeasurementSchema>;

/** What one op did in one sampling interval. */
export const IntervalOpSchema = z.object({
  ops: count,
  errors: count,
  /** HDR histogram of nanoseconds, compressed base64; absent when empty. */
  histogram: encodedHistogram.optional(),
});
/** What one op did in one sampling interval. */
export type IntervalOp = z.infer<typeof IntervalOpSchema>;

/** One sampling interval (about a second). */
export const IntervalSchema = z.object({
  /** Seconds since measurement started, at the interval's end. */
  t: z.number(),
  ops: count,
  errors: count,
  throughput: z.number(),
  /** Milliseconds; 0 when no op finished in the interval. */
  p99: z.number(),
  rss: count,
  heap: count,
  /** Process CPU use over the interval, percent of one core. */
  cpu: z.number(),
  /** Open model only: arrivals per second the schedule set for the interval. */
  target: z.number().optional(),
  /** Open model only: arrivals per second started in the interval. */
  achieved: z.number().optional(),
  /** Open model only: arrivals dropped in the interval (max_in_flight full). */
  dropped: count.optional(),
  /** Open model only: the most an arrival started behind schedule, ms. */
  lag_ms: z.number().optional(),
  /**
   * Per op name, what finished in the interval: counts and the encoded HDR
   * histogram (nanoseconds, as `histogram`; absent when no latency was
   * recorded). What `tensile compare` resamples, and what lets shards'
   * timeseries merge. Absent in artifacts before 0.2.
   */
  by_op: z.record(z.string(), IntervalOpSchema).optional(),
});
/** One sampling interval. */
export type Interval = z.infer<typeof IntervalSchema>;

/** Memory over the run, in bytes. */
export const MemorySchema = z.object({
  rss_start: count,
  rss_peak: count,
  rss_end: count,
  /** Sum of worker heaps after warmup and a forced GC. */
  heap_start: count,
  heap_peak: count,
  heap_end: count,
  /** (heap_end − heap_start) per 1000 measured ops, both after a GC. */
  growth_per_1k_ops: z.number(),
  /** Whether a GC could be forced (run with --v8-flags=--expose-gc). */
  gc_forced: z.boolean(),
});
/** Memory over the run, in bytes. */
export type Memory = z.infer<typeof MemorySchema>;

/**
 * The process under test, when a target started it for the run (the `http`
 * target's `server: context`): sampled from outside, in bytes and cores.
 */
export const ServerSchema = z.object({
  rss_start: z.number(),
  rss_end: z.number(),
  rss_peak: z.number(),
  /** CPU time over wall time of the measured load (1 = one core). */
  cpu: z.number(),
  /** (rss_end − rss_start) per 1000 measured ops. */
  growth_per_1k_ops: z.number(),
});
/** The process under test's RSS and CPU. */
export type ServerFigures = z.infer<typeof ServerSchema>;

/** The first distinct messages of failed ops, so a failure can be read. */
export const ErrorSampleSchema = z.object({
  op: z.string(),
  outcome: z.enum(FAILURE_OUTCOMES),
  message: z.string(),
  /** How often this exact message was seen. */
  count,
});
/** A sampled failure message. */
export type ErrorSample = z.infer<typeof ErrorSampleSchema>;

/** Everything one scenario run measured. */
export const MeasurementsSchema = OpMeasurementSchema.extend({
  /** Seconds of measured load (warmup excluded). */
  duration_s: z.number(),
  /**
   * When measurement started (warmup excluded), Unix epoch milliseconds:
   * interval `t` counts from here, so runs and shards align by absolute
   * time. Absent in artifacts before 0.2.
   */
  start_epoch_ms: z.number().optional(),
  ops: z.record(z.string(), OpMeasurementSchema),
  timeseries: z.array(IntervalSchema),
  memory: MemorySchema,
  error_samples: z.array(ErrorSampleSchema),
  /**
   * Open model only: arrivals that found `max_in_flight` ops running on
   * their worker and were not started (not counted in `total`).
   */
  dropped: count.optional(),
  /** Open model only: the most any arrival started behind schedule, ms. */
  max_lag_ms: z.number().optional(),
  /** Target counters over the measured load, summed over workers. */
  counters: z.record(z.string(), z.number()).default({}),
  /** The server the target started for the run, sampled from outside. */
  server: ServerSchema.optional(),
});
/** Everything one scenario run measured. */
export type Measurements = z.infer<typeof MeasurementsSchema>;
