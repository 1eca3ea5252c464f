/**
 * The entity a transition moves and the context one execution runs in.
 * @module
 */

/**
 * Something with a state that transitions move. `execute` reads `state` (and
 * `version`, when it is a number) before the hooks run and writes them after,
 * refusing with a conflict if another execution moved the entity meanwhile.
 */
export interface Entity {
  /** The entity's id, used in messages. */
  readonly id: string | number;
  /** The entity type: the first half of a registry key. */
  readonly type: string;
  /** The current state. */
  state: string;
  /** Bumped by each committed transition when it is a number. */
  version?: number;
}

/** Who asked for the transition. */
export interface UserRef {
  /** The user's id. */
  readonly id: string | number;
}

/** Free-form facts attached to one execution. */
export type Metadata = Readonly<Record<string, unknown>>;

/**
 * What one execution of a transition sees. Every execution gets its own
 * context object; contexts are never shared or reused.
 */
export interface TransitionContext {
  /** The entity being moved (read-only to hooks). */
  readonly entity: Readonly<Entity>;
  /** Who asked, or `null`. */
  readonly user: UserRef | null;
  /** The entity's state when the execution started. */
  readonly currentState: string;
  /** The state the transition moves to (`""` while `target()` runs). */
  readonly targetState: string;
  /** When the execution started, in milliseconds since the epoch. */
  readonly timestamp: number;
  /** This execution's metadata. */
  readonly metadata: Metadata;
}

/** Options of {@link createContext}. */
export interface ContextOptions {
  /** The state the transition moves to. */
  targetState: string;
  /** Defaults to `entity.state`. */
  currentState?: string;
  /** Defaults to `null`. */
  user?: UserRef | null;
  /** Defaults to `Date.now()`. */
  timestamp?: number;
  /** Defaults to an empty, frozen object. */
  metadata?: Metadata;
}

/** The metadata of a context created without any. Frozen, so safe to share. */
export const NO_METADATA: Metadata = Object.freeze({});

/**
 * Creates a context for one execution, for callers that run hooks themselves
 * (the registry creates its own).
 *
 * @example
 * ```ts
 * import { createContext } from "./context.ts";
 *
 * const order = { id: "o-1", type: "order", state: "paid" };
 * const ctx = createContext(order, { targetState: "shipped", metadata: { trace: "t-9" } });
 * console.log(ctx.currentState, ctx.targetState); // "paid" "shipped"
 * ```
 */
export function createContext(
  entity: Readonly<Entity>,
  options: ContextOptions,
): TransitionContext {
  return {
    entity,
    user: options.user ?? null,
    currentState: options.currentState ?? entity.state,
    targetState: options.targetState,
    timestamp: options.timestamp ?? Date.now(),
    metadata: options.metadata ?? NO_METADATA,
  };
}
