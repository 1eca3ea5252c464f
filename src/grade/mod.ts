/**
 * Thresholds, grades and verdicts.
 * @module
 */
export {
  type Bound,
  type BoundLevel,
  type Comparator,
  meets,
  METRIC_NAMES,
  metricCounter,
  type MetricKind,
  metricKind,
  metricOp,
  parseBound,
  parseThreshold,
  type Threshold,
  type ThresholdSpec,
} from "./thresholds.ts";
export {
  checkThreshold,
  type Grade,
  type GradeResult,
  GRADES,
  gradeScenario,
  type InvariantOutcome,
  type Level,
  metricValue,
  overallGrade,
  type ThresholdResult,
  type Verdict,
  verdictOf,
  worseGrade,
} from "./grade.ts";
export {
  type Artifact,
  ARTIFACT_SCHEMA,
  artifactJsonSchema,
  ArtifactSchema,
  type ScenarioResult,
  ScenarioResultSchema,
  type ScenarioStatus,
  type ThresholdReport,
} from "./artifact.ts";
export { recommend } from "./recommend.ts";
