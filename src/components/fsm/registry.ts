/**
 * The transition registry: transitions keyed by `(entity, name)`, and the
 * execution path guard → validate → apply → commit.
 * @module
 */
import { ConflictError } from "../../errors.ts";
import type {
  Entity,
  Metadata,
  TransitionContext,
  UserRef,
} from "./context.ts";
import { createContext, ownMetadata, snapshotOf } from "./context.ts";
import {
  IllegalTransitionError,
  TransitionValidationError,
  UnknownTransitionError,
} from "./errors.ts";
import { formatSuggestions, nearestNames } from "../../suggest.ts";
import {
  type ParseOptions,
  parseParams,
  type Transition,
} from "./transition.ts";

/** Options of the {@link TransitionRegistry} constructor. */
export interface RegistryOptions {
  /** The clock for `ctx.timestamp`; defaults to `Date.now`. */
  now?: () => number;
}

/** Options of {@link TransitionRegistry.register}. */
export interface RegisterOptions {
  /** Replace a transition already registered under the same key. */
  replace?: boolean;
}

/** Options of {@link TransitionRegistry.execute} and `validate`. */
export interface ExecuteOptions {
  /** Raw params, checked against the transition's schema. */
  params?: unknown;
  /** Who asks; defaults to `null`. */
  user?: UserRef | null;
  /** This execution's metadata; defaults to an empty, frozen object. */
  metadata?: Metadata;
  /** Overrides the registry's clock for `ctx.timestamp`. */
  timestamp?: number;
  /**
   * The state the caller saw. If the entity is elsewhere when the execution
   * starts or commits, it throws {@link ConflictError} (the caller lost a race).
   */
  expect?: string;
}

/** What {@link TransitionRegistry.execute} returns. */
export interface ExecuteResult<D = unknown> {
  /** The state the entity left. */
  from: string;
  /** The state the entity is now in. */
  to: string;
  /** What `apply` returned. */
  data: D;
}

/** What {@link TransitionRegistry.validate} returns. */
export interface ValidateResult<P = unknown> {
  /** The entity's state. */
  from: string;
  /** The state the transition would move to. */
  to: string;
  /** The parsed params. */
  params: P;
  /** The context the guard and `validate` saw. */
  context: TransitionContext;
}

const NO_OPTIONS: ExecuteOptions = Object.freeze({});
const PARSE: Readonly<Record<"validate" | "execute", ParseOptions>> = {
  validate: Object.freeze({ verb: "validate" }),
  execute: Object.freeze({ verb: "execute" }),
};

/**
 * Transitions keyed by `(entity, name)`. Each Worker holds its own registry;
 * inside one worker, executions interleave only where hooks `await`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineTransition, TransitionRegistry } from "./mod.ts";
 *
 * const registry = new TransitionRegistry();
 * registry.register(defineTransition({
 *   entity: "order",
 *   name: "pay",
 *   from: "created",
 *   to: "paid",
 *   params: z.object({ amount: z.int().positive() }),
 *   apply: (_ctx, params) => ({ charged: params.amount }),
 * }));
 *
 * const order = { id: "o-1", type: "order", state: "created" };
 * const result = await registry.execute(order, "pay", { params: { amount: 30 } });
 * console.log(result.to, order.state); // "paid" "paid"
 * ```
 */
export class TransitionRegistry {
  #byEntity = new Map<string, Map<string, Transition>>();
  #size = 0;
  #now: () => number;

  /** Creates an empty registry. */
  constructor(options: RegistryOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** How many transitions are registered. */
  get size(): number {
    return this.#size;
  }

  /**
   * Registers a transition under `(transition.entity, transition.name)`.
   * Throws {@link ConflictError} if the key is taken, unless `replace` is set.
   */
  register(transition: Transition, options?: RegisterOptions): void {
    let byName = this.#byEntity.get(transition.entity);
    if (byName === undefined) {
      byName = new Map();
      this.#byEntity.set(transition.entity, byName);
    }
    const existing = byName.get(transition.name);
    if (existing !== undefined && options?.replace !== true) {
      throw new ConflictError(
        `Cannot register "${transition.key}": already registered (pass { replace: true } to replace it)`,
      );
    }
    byName.set(transition.name, transition);
    if (existing === undefined) this.#size++;
  }

  /** Removes a transition; returns whether it was registered. */
  unregister(entity: string, name: string): boolean {
    const byName = this.#byEntity.get(entity);
    if (byName === undefined || !byName.delete(name)) return false;
    if (byName.size === 0) this.#byEntity.delete(entity);
    this.#size--;
    return true;
  }

  /**
   * The transition registered under `(entity, name)`. Throws
   * {@link UnknownTransitionError}, with the nearest names, if there is none.
   */
  get(entity: string, name: string): Transition {
    const transition = this.#byEntity.get(entity)?.get(name);
    if (transition === undefined) throw this.#unknown(entity, name);
    return transition;
  }

  /** Whether a transition is registered under `(entity, name)`. */
  has(entity: string, name: string): boolean {
    return this.#byEntity.get(entity)?.has(name) ?? false;
  }

  /** Entity types with at least one transition, in registration order. */
  listEntities(): string[] {
    return [...this.#byEntity.keys()];
  }

  /** Transition names of one entity type (empty if it has none). */
  listTransitions(entity: string): string[] {
    const byName = this.#byEntity.get(entity);
    return byName === undefined ? [] : [...byName.keys()];
  }

  /** Every registered transition. */
  *values(): IterableIterator<Transition> {
    for (const byName of this.#byEntity.values()) yield* byName.values();
  }

  /**
   * Runs a transition on an entity: checks the state and params, resolves the
   * target state, runs guard → validate → apply on a frozen context, then
   * moves the entity to that target (`state`, and `version` when it is a
   * number) and returns `{ from, to, data }`.
   *
   * Throws {@link UnknownTransitionError}, {@link IllegalTransitionError} or
   * {@link TransitionValidationError} for input it refuses, and
   * {@link ConflictError} when the entity moved while the hooks awaited, even
   * if it came back to the same state: the registry keeps its own count of
   * commits per entity object.
   */
  async execute<D = unknown>(
    entity: Entity,
    name: string,
    options: ExecuteOptions = NO_OPTIONS,
  ): Promise<ExecuteResult<D>> {
    const transition = this.get(entity.type, name);
    const from = entity.state;
    const version = entity.version;
    const revision = revisions.get(entity) ?? 0;
    const params = this.#begin(transition, entity, options, "execute");
    const ctx = this.#context(transition, entity, options, params);
    // Resolved once, before any hook runs; the commit never reads ctx again.
    const to = ctx.targetState;
    const checking = runChecks(transition, ctx, params, "execute");
    if (checking !== undefined) await checking;
    let data = transition.apply(ctx, params);
    if (data instanceof Promise) data = await data;
    if (
      entity.state !== from || entity.version !== version ||
      (revisions.get(entity) ?? 0) !== revision
    ) {
      throw new ConflictError(
        `Cannot execute "${transition.key}": entity "${entity.id}" ${
          entity.state === from
            ? `moved (and is in "${from}" again)`
            : `moved from "${from}" to "${entity.state}"`
        } while the transition ran`,
      );
    }
    entity.state = to;
    if (typeof version === "number") entity.version = version + 1;
    revisions.set(entity, revision + 1);
    return { from, to, data: data as D };
  }

  /**
   * Runs everything `execute` does except apply and commit: the state and
   * params checks, the guard and `validate`. The entity does not move.
   */
  async validate<P = unknown>(
    entity: Readonly<Entity>,
    name: string,
    options: ExecuteOptions = NO_OPTIONS,
  ): Promise<ValidateResult<P>> {
    const transition = this.get(entity.type, name);
    const params = this.#begin(transition, entity, options, "validate");
    const context = this.#context(transition, entity, options, params);
    const checking = runChecks(transition, context, params, "validate");
    if (checking !== undefined) await checking;
    return {
      from: context.currentState,
      to: context.targetState,
      params: params as P,
      context,
    };
  }

  #begin(
    transition: Transition,
    entity: Readonly<Entity>,
    options: ExecuteOptions,
    verb: "validate" | "execute",
  ): unknown {
    const state = entity.state;
    if (options.expect !== undefined && options.expect !== state) {
      throw new ConflictError(
        `Cannot ${verb} "${transition.key}": entity "${entity.id}" is in "${state}", expected "${options.expect}"`,
      );
    }
    if (!transition.allows(state)) {
      throw illegal(transition, {
        entity,
        options,
        verb,
        now: options.timestamp ?? this.#now(),
      });
    }
    return parseParams(transition, options.params, PARSE[verb]);
  }

  #context(
    transition: Transition,
    entity: Readonly<Entity>,
    options: ExecuteOptions,
    params: unknown,
  ): TransitionContext {
    const snapshot = snapshotOf(entity);
    const user = options.user ?? null;
    const timestamp = options.timestamp ?? this.#now();
    const metadata = ownMetadata(options.metadata);
    const targetState = transition.to ?? transition.targetOf(
      Object.freeze({
        entity: snapshot,
        user,
        currentState: snapshot.state,
        targetState: "",
        timestamp,
        metadata,
      }),
      params,
    );
    return Object.freeze({
      entity: snapshot,
      user,
      currentState: snapshot.state,
      targetState,
      timestamp,
      metadata,
    });
  }

  #unknown(entity: string, name: string): UnknownTransitionError {
    const byName = this.#byEntity.get(entity);
    if (byName === undefined) {
      const suggestions = nearestNames(entity, this.#byEntity.keys());
      return new UnknownTransitionError(
        `Cannot find transition "${entity}.${name}": no transitions for entity "${entity}"${
          formatSuggestions(suggestions)
        }`,
        { entity, transition: name, suggestions },
      );
    }
    const suggestions = nearestNames(name, byName.keys());
    return new UnknownTransitionError(
      `Cannot find transition "${entity}.${name}": entity "${entity}" has no transition "${name}"${
        formatSuggestions(suggestions)
      }`,
      { entity, transition: name, suggestions },
    );
  }
}

/**
 * Runs guard then validate. Returns `undefined` when both ran synchronously,
 * so a transition with synchronous hooks never waits a microtask.
 */
function runChecks(
  transition: Transition,
  ctx: TransitionContext,
  params: unknown,
  verb: "validate" | "execute",
): Promise<void> | undefined {
  if (transition.guard !== undefined) {
    const allowed = transition.guard(ctx, params);
    if (allowed instanceof Promise) {
      return allowed.then((ok) => {
        if (!ok) throw guardRejected(transition, ctx, verb);
        return runValidate(transition, ctx, params);
      });
    }
    if (!allowed) throw guardRejected(transition, ctx, verb);
  }
  return runValidate(transition, ctx, params);
}

function runValidate(
  transition: Transition,
  ctx: TransitionContext,
  params: unknown,
): Promise<void> | undefined {
  if (transition.validate === undefined) return undefined;
  const done = transition.validate(ctx, params);
  return done instanceof Promise ? done : undefined;
}

function guardRejected(
  transition: Transition,
  ctx: TransitionContext,
  verb: "validate" | "execute",
): TransitionValidationError {
  return new TransitionValidationError(
    `Cannot ${verb} "${transition.key}": guard rejected entity "${ctx.entity.id}" in "${ctx.currentState}"`,
    { transition: transition.key },
  );
}

/**
 * The registry's own revision of each entity it moved, bumped by every
 * commit, so an execution notices an entity that moved away and came back
 * while its hooks awaited (ABA), even without a numeric `version`. Shared by
 * every registry in the process, since an entity may be moved by several.
 */
const revisions = new WeakMap<object, number>();

/** What {@link illegal} needs to know of the refused execution. */
interface Refusal {
  entity: Readonly<Entity>;
  options: ExecuteOptions;
  verb: "validate" | "execute";
  /** The timestamp a context for `target()` gets. */
  now: number;
}

function illegal(
  transition: Transition,
  refusal: Refusal,
): IllegalTransitionError {
  const { entity } = refusal;
  const state = entity.state;
  const allowed = transition.from as readonly string[];
  const target = targetForMessage(transition, refusal);
  const move = target === undefined
    ? `cannot move from "${state}"`
    : `cannot move from "${state}" to "${target}"`;
  return new IllegalTransitionError(
    `Cannot ${refusal.verb} "${transition.key}": entity "${entity.id}" ${move} ("${transition.name}" starts only from ${
      allowed.map((s) => `"${s}"`).join(", ")
    })`,
    { transition: transition.key, entityId: entity.id, state, target, allowed },
  );
}

/**
 * The state a refused transition would have moved to: its `to`, or what
 * `target()` computes from the params, when they parse and it returns.
 */
function targetForMessage(
  transition: Transition,
  refusal: Refusal,
): string | undefined {
  if (transition.to !== undefined) return transition.to;
  const { options } = refusal;
  const parsed = transition.params.safeParse(options.params ?? {});
  if (!parsed.success) return undefined;
  try {
    const ctx = createContext(refusal.entity, {
      targetState: "",
      user: options.user,
      timestamp: refusal.now,
      metadata: options.metadata,
    });
    return transition.targetOf(ctx, parsed.data);
  } catch {
    return undefined;
  }
}
