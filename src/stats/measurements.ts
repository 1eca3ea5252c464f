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
  /** Milliseconds. */
  latency: LatencySummarySchema,
  /** HDR histogram of nanoseconds, compressed base64. */
  histogram: z.string(),
});
/** Measurements of one op, or of all ops together. */
export type OpMeasurement = z.infer<typeof OpMeasurementSchema>;

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
  ops: z.record(z.string(), OpMeasurementSchema),
  timeseries: z.array(IntervalSchema),
  memory: MemorySchema,
  error_samples: z.array(ErrorSampleSchema),
  /** Target counters over the measured load, summed over workers. */
  counters: z.record(z.string(), z.number()).default({}),
});
/** Everything one scenario run measured. */
export type Measurements = z.infer<typeof MeasurementsSchema>;
