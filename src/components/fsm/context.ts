/**
 * The entity a transition moves and the context one execution runs in.
 * @module
 */

/**
 * Something with a state that transitions move. `execute` reads `state` (and
 * `version`, when it is a number) before the hooks run and writes them after,
 * refusing with a conflict if another execution moved the entity meanwhile,
 * even if it came back to the same state (the registry counts its own commits
 * per entity object).
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
 * context object, frozen; contexts are never shared or reused.
 */
export interface TransitionContext {
  /**
   * A frozen snapshot of the entity (id, type, state, version) taken when
   * the execution started; not the caller's object.
   */
  readonly entity: Readonly<Entity>;
  /** Who asked, or `null`. */
  readonly user: UserRef | null;
  /** The entity's state when the execution started. */
  readonly currentState: string;
  /** The state the transition moves to (`""` while `target()` runs). */
  readonly targetState: string;
  /** When the execution started, in milliseconds since the epoch. */
  readonly timestamp: number;
  /** This execution's metadata: a frozen shallow copy of the caller's. */
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
  /** Copied (shallow) and frozen; defaults to an empty, frozen object. */
  metadata?: Metadata;
}

/** The metadata of a context created without any. Frozen, so safe to share. */
export const NO_METADATA: Metadata = Object.freeze({});

/**
 * Creates a context for one execution, for callers that run hooks themselves
 * (the registry creates its own the same way). The context is frozen; its
 * `entity` is a frozen snapshot (id, type, state, version) and its metadata a
 * frozen shallow copy of `options.metadata`, so hooks can change neither the
 * caller's objects nor what another execution sees.
 *
 * @example
 * ```ts
 * import { createContext } from "./context.ts";
 *
 * const order = { id: "o-1", type: "order", state: "paid" };
 * const ctx = createContext(order, { targetState: "shipped", metadata: { trace: "t-9" } });
 * console.log(ctx.currentState, ctx.targetState); // "paid" "shipped"
 * console.log(Object.isFrozen(ctx), ctx.entity === order); // true false
 * ```
 */
export function createContext(
  entity: Readonly<Entity>,
  options: ContextOptions,
): TransitionContext {
  return Object.freeze({
    entity: snapshotOf(entity),
    user: options.user ?? null,
    currentState: options.currentState ?? entity.state,
    targetState: options.targetState,
    timestamp: options.timestamp ?? Date.now(),
    metadata: ownMetadata(options.metadata),
  });
}

/**
 * A frozen copy of what a context shows of an entity. Internal to the folder.
 */
export function snapshotOf(entity: Readonly<Entity>): Readonly<Entity> {
  return Object.freeze({
    id: entity.id,
    type: entity.type,
    state: entity.state,
    version: entity.version,
  });
}

/**
 * One execution's own metadata: a frozen shallow copy of the caller's, so a
 * hook can neither change the caller's object nor see another execution's.
 * Metadata that is already frozen is used as is: no hook can change it
 * either. Values inside are not copied. Internal to the folder.
 */
export function ownMetadata(metadata: Metadata | undefined): Metadata {
  if (metadata === undefined) return NO_METADATA;
  return Object.isFrozen(metadata) ? metadata : Object.freeze({ ...metadata });
}
