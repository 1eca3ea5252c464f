/**
 * Latency histograms (HDR, WebAssembly) and their summaries.
 * @module
 */
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_NS,
  type Histogram,
  initHistograms,
  liveHistograms,
  recordMs,
  summarize,
} from "./histogram.ts";
export {
  type ErrorSample,
  ErrorSampleSchema,
  type Interval,
  type IntervalOp,
  IntervalOpSchema,
  IntervalSchema,
  type LatencySummary,
  LatencySummarySchema,
  type Measurements,
  MeasurementsSchema,
  type Memory,
  MemorySchema,
  type OpMeasurement,
  OpMeasurementSchema,
  type OutcomeCounts,
  OutcomeCountsSchema,
} from "./measurements.ts";
