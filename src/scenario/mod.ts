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
  type Position,
  type Profile,
  PROFILES,
} from "./plan.ts";
export {
  LIMITS,
  type ScenarioInput,
  scenarioJsonSchema,
  ScenarioSchema,
} from "./schema.ts";
