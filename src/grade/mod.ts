/**
 * Thresholds, grades and verdicts.
 * @module
 */
export {
  type Bound,
  BOUND_LEVELS,
  type BoundLevel,
  type Comparator,
  isRegressionMetric,
  meets,
  METRIC_KINDS,
  METRIC_NAMES,
  metricCounter,
  type MetricKind,
  metricKind,
  metricOp,
  parseBound,
  parseThreshold,
  readThreshold,
  REGRESSION_METRICS,
  type Threshold,
  type ThresholdProblem,
  type ThresholdReading,
  type ThresholdSpec,
} from "./thresholds.ts";
export {
  checkThreshold,
  type Grade,
  type GradeResult,
  GRADES,
  gradeScenario,
  type Level,
  LEVELS,
  metricValue,
  overallGrade,
  type ThresholdResult,
  ThresholdResultSchema,
  type Verdict,
  verdictOf,
  VERDICTS,
  worseGrade,
} from "./grade.ts";
export { recommend } from "./recommend.ts";
