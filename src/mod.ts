/**
 * tensile as a library: the components it stress-tests (importable on their
 * own), the engine that loads them, and the grading and reports.
 *
 * @example Stress your own target from code
 * ```ts
 * import { parseScenarios, runPlan, TARGETS } from "./mod.ts";
 *
 * const [plan] = parseScenarios("inline.yaml", `
 * name: noop
 * target: calibrate
 * load: { executor: per-worker-iterations, iterations: 1000 }
 * mix: [{ op: noop }]
 * `, { targets: TARGETS });
 * const result = await runPlan(plan, {
 *   target: TARGETS.calibrate,
 *   workerUrl: new URL("./worker.ts", import.meta.url),
 *   runDir: await Deno.makeTempDir(),
 * });
 * console.log(result.measurements.throughput);
 * ```
 * @module
 */

// The contract between engine and components, and the typed errors ops throw.
export {
  BusyError,
  ConflictError,
  type FailureOutcome,
  InjectedFault,
  type Outcome,
  outcomeOf,
  OUTCOMES,
  TimeoutError,
  ValidationError,
} from "./errors.ts";
export {
  draw,
  type InvariantResult,
  type NumberOrRange,
  type Op,
  type OpSpec,
  type Rng,
  type RunInfo,
  type Target,
  type TargetInstance,
  type WorkerInfo,
} from "./target.ts";
export {
  type Check,
  checkEach,
  type CheckResult,
  Problems,
} from "./invariants.ts";

// Components, each also importable on its own through its door
// (`@tensile/tensile/fsm`, `/store`, `/uow`, `/workflow`): what a door
// exports, the library exports, so a new export is one edit.
export * from "./components/mod.ts";
export * from "./components/fsm/mod.ts";
export * from "./components/store/mod.ts";
export * from "./components/uow/mod.ts";
export * from "./components/workflow/mod.ts";

// The engine and the result document, also doors of their own
// (`@tensile/tensile/engine`, `/artifact`).
export * from "./engine/mod.ts";
export * from "./artifact/mod.ts";

// Scenario files, grading and reports: the parts a library user calls.
export {
  type LoadOptions,
  loadScenarioFile,
  type MixPlan,
  parseScenarios,
  type Plan,
  ScenarioError,
  type ScenarioIssue,
} from "./scenario/mod.ts";
export { type LoadPlan } from "./executors/mod.ts";
export {
  type GradeResult,
  gradeScenario,
  parseThreshold,
  type Threshold,
} from "./grade/mod.ts";
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  initHistograms,
  summarize,
} from "./stats/mod.ts";
export { renderMarkdown, renderSummary } from "./report/mod.ts";
