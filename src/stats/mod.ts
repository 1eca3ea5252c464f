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
export {
  addHistograms,
  type MeasuredPart,
  mergeCounters,
  mergeMeasurements,
  mergeMemory,
  type MergeOptions,
  mergeTimeseries,
  opMeasurement,
  outcomeCounts,
} from "./merge.ts";
