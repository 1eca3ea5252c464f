import type { LoadPlan } from "../executors/mod.ts";
import type { Threshold } from "../grade/mod.ts";
import type { Profile } from "../profiles.ts";
import type { ScenarioInput } from "./schema.ts";

export { type Profile, PROFILES } from "../profiles.ts";

/** One weighted op of the mix. */
export interface MixPlan {
  /** Op name. */
  op: string;
  /**
   * What its figures are filed under (`ops.<name>`): the entry's `name:`,
   * or the op's name (the loader always sets it; absent means the op).
   */
  name?: string;
  /** Relative weight in the mix. */
  weight: number;
  /** As written; checked by the op's schema, parsed again in each worker. */
  params: Record<string, unknown>;
}

/** Injected faults, component-agnostic. */
export interface FaultPlan {
  /** Share of ops that throw InjectedFault instead of running. */
  error_rate: number;
  /** Share of ops delayed by a wait in [min_ms, max_ms] (timed). */
  latency?: { rate: number; min_ms: number; max_ms: number };
}

/** A scenario ready to run: validated, merged, profile applied. */
export interface Plan {
  /** The file it came from, as given (or `builtin:<name>`). */
  file: string;
  /** The suite it belongs to, if any. */
  suite?: string;
  /** Scenario name, unique in a run. */
  name: string;
  /** What it loads and why. */
  description: string;
  /** The registered target it loads. */
  target: string;
  /** The target's options, as written (checked by its schema). */
  options: Record<string, unknown>;
  /** How much load. */
  load: LoadPlan;
  /** Weighted ops. */
  mix: MixPlan[];
  /** Injected faults. */
  faults: FaultPlan;
  /** Invariants checked after the load. */
  invariants: string[];
  /** Thresholds the grade is made from. */
  thresholds: Threshold[];
  /** The profile applied. */
  profile: Profile;
  /** The scenario as resolved, recorded in the artifact. */
  config: ScenarioInput;
  /**
   * Where its name (and its suite's) is written in `file`, for messages that
   * involve several files, such as a name two files use.
   */
  where?: { name: Position; suite?: Position };
  /**
   * A stable hash of the whole (unsharded) plan and the tool's version, so
   * results of one plan can be told from another's (see `shard.ts`).
   */
  fingerprint?: string;
  /** Set when this process runs one shard of the plan (see `shard.ts`). */
  shard?: PlanShard;
}

/** Which shard of a plan this is, and what the whole plan was. */
export interface PlanShard {
  /** This shard, from 0. */
  index: number;
  /** How many shards the plan is split into. */
  count: number;
  /** The global index of each of this shard's workers (for seeds). */
  workers: number[];
  /** The load of the whole plan, before the split. */
  whole: LoadPlan;
}

/** A place in a file, 1-based. */
export interface Position {
  line: number;
  col: number;
}
