/**
 * The result artifact (`tensile/result@1`), the single source of truth every
 * report is made from: its schema, how a run becomes one, and how it is read
 * from and written to disk.
 * @module
 */
export {
  type Artifact,
  ARTIFACT_SCHEMA,
  ARTIFACT_STATUSES,
  artifactJsonSchema,
  ArtifactSchema,
  type ArtifactStatus,
  SCENARIO_STATUSES,
  type ScenarioResult,
  ScenarioResultSchema,
  type ScenarioStatus,
} from "./schema.ts";
// The parts the document is made of, so readers of the artifact (reports)
// need no other door.
export type {
  Grade,
  Level,
  MetricKind,
  ThresholdResult,
  Verdict,
} from "../grade/mod.ts";
export type {
  ErrorSample,
  LatencySummary,
  Measurements,
  Memory,
  OpMeasurement,
  OutcomeCounts,
} from "../stats/mod.ts";
export type { InvariantResult } from "../target.ts";
export type { Profile } from "../profiles.ts";
export {
  buildArtifact,
  type GradedRun,
  gradeRun,
  type RunFacts,
  scenarioResult,
  type ScenarioResultOptions,
  VERSION,
} from "./build.ts";
export {
  ARTIFACT_MAX_BYTES,
  ArtifactError,
  measuredNothing,
  readArtifact,
  type ReadArtifactOptions,
} from "./read.ts";
export {
  formatJson,
  writeArtifact,
  writeArtifactSync,
  writeFileAtomic,
} from "./write.ts";
export { OUT_FILES, OutDir, OutDirError } from "./out_dir.ts";
export {
  ALL_OPS,
  type Compare,
  COMPARE_SCHEMA,
  compareArtifacts,
  compareJsonSchema,
  type CompareOptions,
  CompareSchema,
  hasRegression,
  type MetricComparison,
  type NamedArtifact,
  type OpComparison,
  regressionValues,
  type ScenarioComparison,
} from "./compare.ts";
export type { Change, CompareMetric } from "../stats/mod.ts";
export {
  mergeArtifacts,
  type MergeArtifactsOptions,
  MergeError,
  type MergeInput,
  thresholdsOf,
} from "./merge.ts";
