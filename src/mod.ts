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

// Components.
export {
  calibrateTarget,
  fsmTarget,
  storeTarget,
  TARGETS,
  uowTarget,
  workflowTarget,
} from "./components/mod.ts";
export {
  type ContextOptions,
  createContext,
  defineMachine,
  defineTransition,
  type Entity,
  type ExecuteOptions,
  type ExecuteResult,
  type FieldIssue,
  type FromStates,
  type FsmDefect,
  type FsmInvariant,
  type FsmOptions,
  IllegalTransitionError,
  type IllegalTransitionErrorOptions,
  type Machine,
  type MachineOptions,
  type MachineParams,
  machineSchema,
  type MachineSpec,
  type Metadata,
  NO_METADATA,
  ORDER_LIFECYCLE,
  type ParamSpec,
  paramSpecSchema,
  type RegisterOptions,
  type RegistryOptions,
  type SampleOptions,
  type Transition,
  type TransitionContext,
  TransitionRegistry,
  type TransitionSpec,
  TransitionValidationError,
  type TransitionValidationErrorOptions,
  UnknownTransitionError,
  type UnknownTransitionErrorOptions,
  type UserRef,
  type ValidateResult,
} from "./components/fsm/mod.ts";

export {
  BACKPRESSURE_POLICIES,
  type BackpressurePolicy,
  type Context,
  decodeBinary,
  decodeJson,
  type Delivery,
  encodeBinary,
  encodeJson,
  type JsonValue,
  type Snapshot,
  type SnapshotInput,
  StateStore,
  type StateStoreOptions,
  type StoreMetrics,
  type SubscribeOptions,
  type SubscriberMetrics,
  type Subscription,
  SubscriptionOverflowError,
  type SubscriptionStatus,
  type TransitionOptions,
  type WriteOptions,
} from "./components/store/mod.ts";

export {
  type Account,
  type Aggregate,
  AGGREGATE_FORMAT,
  type BusyPolicy,
  DEFAULT_BUSY_POLICY,
  type IntegrityReport,
  isBusyError,
  type JournalMode,
  type Migration,
  MIGRATIONS,
  type NewEntity,
  openDatabase,
  type OpenOptions,
  type OutboxMessage,
  parseAggregate,
  type ReadTransaction,
  removeDatabase,
  serializeAggregate,
  type StoredEntity,
  type Synchronous,
  type Transaction,
  type TransitionRecord,
  UnitOfWork,
  type UnitOfWorkOptions,
  type UnitOfWorkStats,
} from "./components/uow/mod.ts";
export {
  type Ack,
  AckLog,
  type ApplyOptions,
  checkAcks,
  checkPublished,
  checkTransitionLog,
  type Commit,
  type CreateOptions,
  inboxConsumer,
  readAckLog,
  type RelayOptions,
  relayOutbox,
  Workflow,
  type WorkflowOptions,
} from "./components/workflow/mod.ts";

// Scenario files, the engine, grading and reports.
export {
  type LoadOptions,
  type LoadPlan,
  loadScenarioFile,
  type MixPlan,
  parseScenarios,
  type Plan,
  type Profile,
  ScenarioError,
  type ScenarioIssue,
} from "./scenario/mod.ts";
export {
  type Progress,
  type RunOptions,
  runPlan,
  type RunResult,
  type RunStatus,
  SeededRng,
  serveWorker,
} from "./engine/mod.ts";
export {
  type Grade,
  type GradeResult,
  gradeScenario,
  parseThreshold,
  type Threshold,
  type ThresholdResult,
  type Verdict,
} from "./grade/mod.ts";
export { type Artifact, type ScenarioResult } from "./artifact/mod.ts";
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  initHistograms,
  type Measurements,
  summarize,
} from "./stats/mod.ts";
export { renderMarkdown, renderSummary } from "./report/mod.ts";
