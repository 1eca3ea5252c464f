import type { Threshold } from "../grade/mod.ts";
import type { Executor, ScenarioInput } from "./schema.ts";

/** Load profiles: `ci` is a scenario as written. */
export type Profile = "smoke" | "ci" | "full";
/** Every profile. */
export const PROFILES: readonly Profile[] = ["smoke", "ci", "full"];

/** How much load, resolved to numbers. */
export interface LoadPlan {
  executor: Executor;
  workers: number;
  concurrency: number;
  /** Iteration executors: total (shared) or per worker. */
  iterations: number;
  /** constant-workers: how long every task loops. */
  duration_ms: number;
  /** Iterations per worker, run and discarded. */
  warmup: number;
  seed: number;
  /** Hard stop for any executor. */
  max_duration_ms: number;
}

/** One weighted op of the mix. */
export interface MixPlan {
  op: string;
  weight: number;
  /** As written; checked by the op's schema, parsed again in each worker. */
  params: Record<string, unknown>;
}

/** Injected faults, component-agnostic. */
export interface FaultPlan {
  error_rate: number;
  latency?: { rate: number; min_ms: number; max_ms: number };
}

/** A scenario ready to run: validated, merged, profile applied. */
export interface Plan {
  /** The file it came from, as given (or `builtin:<name>`). */
  file: string;
  suite?: string;
  name: string;
  description: string;
  target: string;
  options: Record<string, unknown>;
  load: LoadPlan;
  mix: MixPlan[];
  faults: FaultPlan;
  invariants: string[];
  thresholds: Threshold[];
  profile: Profile;
  /** The scenario as resolved, recorded in the artifact. */
  config: ScenarioInput;
}
