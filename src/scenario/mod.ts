/**
 * Scenario files: schema, YAML loading with `file:line:col` errors, profiles.
 * @module
 */
export { formatIssue, ScenarioError, type ScenarioIssue } from "./errors.ts";
export { didYouMean, quote } from "../suggest.ts";
export { type LoadOptions, loadScenarioFile, parseScenarios } from "./load.ts";
export { type Executor, type LoadPlan } from "../executors/mod.ts";
export {
  type FaultPlan,
  type MixPlan,
  type Plan,
  type PlanShard,
  type Position,
  type Profile,
  PROFILES,
} from "./plan.ts";
export {
  MAX_SHARDS,
  MAX_START_AHEAD_MS,
  MAX_START_BEHIND_MS,
  parseShard,
  parseStartAt,
  planFingerprint,
  type Shard,
  shardPlan,
} from "./shard.ts";
export {
  LIMITS,
  type ScenarioInput,
  scenarioJsonSchema,
  ScenarioSchema,
} from "./schema.ts";
