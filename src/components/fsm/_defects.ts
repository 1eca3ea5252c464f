/**
 * Deliberately broken variants of the transition system, selected by the
 * `fsm` target's `options.defect`, so tests (and users) can see each
 * invariant fail. Private to the folder; never used unless asked for.
 * @module
 */
import type { Entity } from "./context.ts";
import { createContext } from "./context.ts";
import {
  type ConcurrencyData,
  type ConcurrencyParams,
  concurrencySpec,
  reportAfter,
} from "./_seed_transitions.ts";
import { ConflictError } from "../../errors.ts";
import { IllegalTransitionError, TransitionValidationError } from "./errors.ts";
import {
  type ExecuteOptions,
  type ExecuteResult,
  type RegisterOptions,
  TransitionRegistry,
  type ValidateResult,
} from "./registry.ts";
import { defineTransition, specOf, type Transition } from "./transition.ts";
import type { TransitionContext } from "./context.ts";

/** Which part to break; `"none"` breaks nothing. */
export type FsmDefect =
  | "none"
  | "shared-context"
  | "lossy-registry"
  | "ignore-from"
  | "racy-commit";

/** Every defect, in documentation order. */
export const FSM_DEFECTS = [
  "none",
  "shared-context",
  "lossy-registry",
  "ignore-from",
  "racy-commit",
] as const satisfies readonly FsmDefect[];

/** The registry surface the target uses, so a broken registry can stand in. */
export interface RegistryPort {
  readonly size: number;
  register(
    transition: Transition,
    options?: RegisterOptions,
  ): void | Promise<void>;
  get(entity: string, name: string): Transition;
  has(entity: string, name: string): boolean;
  listEntities(): string[];
  listTransitions(entity: string): string[];
  execute<D = unknown>(
    entity: Entity,
    name: string,
    options?: ExecuteOptions,
  ): Promise<ExecuteResult<D>>;
  validate<P = unknown>(
    entity: Readonly<Entity>,
    name: string,
    options?: ExecuteOptions,
  ): Promise<ValidateResult<P>>;
}

/**
 * `shared-context`: the seed's concurrency transition written with its
 * context in one slot shared by every execution (a class attribute in
 * Python terms). After the await it reads whichever context came last.
 */
export function sharedContextTransition(
  yields: number,
): Transition<ConcurrencyParams, ConcurrencyData> {
  let slot: TransitionContext | undefined;
  return defineTransition(concurrencySpec((ctx, params) => {
    slot = ctx;
    return reportAfter(yields, params, () => slot!);
  }));
}

/**
 * `lossy-registry`: a copy-on-write registry that copies, awaits, then
 * swaps, so concurrent registrations overwrite each other.
 */
export class LossyRegistry implements RegistryPort {
  #inner: TransitionRegistry;

  /** Wraps `inner`, which keeps serving until the first registration. */
  constructor(inner: TransitionRegistry) {
    this.#inner = inner;
  }

  get size(): number {
    return this.#inner.size;
  }

  async register(
    transition: Transition,
    options?: RegisterOptions,
  ): Promise<void> {
    const next = new TransitionRegistry();
    for (const existing of this.#inner.values()) next.register(existing);
    await undefined;
    next.register(transition, options);
    this.#inner = next;
  }

  get(entity: string, name: string): Transition {
    return this.#inner.get(entity, name);
  }

  has(entity: string, name: string): boolean {
    return this.#inner.has(entity, name);
  }

  listEntities(): string[] {
    return this.#inner.listEntities();
  }

  listTransitions(entity: string): string[] {
    return this.#inner.listTransitions(entity);
  }

  execute<D = unknown>(
    entity: Entity,
    name: string,
    options?: ExecuteOptions,
  ): Promise<ExecuteResult<D>> {
    return this.#inner.execute<D>(entity, name, options);
  }

  validate<P = unknown>(
    entity: Readonly<Entity>,
    name: string,
    options?: ExecuteOptions,
  ): Promise<ValidateResult<P>> {
    return this.#inner.validate<P>(entity, name, options);
  }
}

/** `ignore-from`: the same transition, but allowed from any state. */
export function ignoreFrom<P, D>(
  transition: Transition<P, D>,
): Transition<P, D> {
  return defineTransition({ ...specOf(transition), from: "*" });
}

/** An execute function, as the target calls it. */
export type ExecuteFn = <D = unknown>(
  entity: Entity,
  name: string,
  options: ExecuteOptions,
) => Promise<ExecuteResult<D>>;

/**
 * `racy-commit`: execute as a naive implementation writes it, checking the
 * state before the hooks and committing after them without looking again
 * (check-then-act), so two racers can both win.
 */
export function racyExecute(registry: RegistryPort): ExecuteFn {
  return async <D = unknown>(
    entity: Entity,
    name: string,
    options: ExecuteOptions,
  ): Promise<ExecuteResult<D>> => {
    const transition = registry.get(entity.type, name);
    const from = entity.state;
    if (options.expect !== undefined && options.expect !== from) {
      throw new ConflictError(
        `Cannot execute "${transition.key}": entity "${entity.id}" is in "${from}", expected "${options.expect}"`,
      );
    }
    if (!transition.allows(from)) {
      throw new IllegalTransitionError(
        `Cannot execute "${transition.key}": entity "${entity.id}" cannot move from "${from}"${
          transition.to === undefined ? "" : ` to "${transition.to}"`
        }`,
        {
          transition: transition.key,
          entityId: entity.id,
          state: from,
          target: transition.to,
          allowed: transition.from as readonly string[],
        },
      );
    }
    const params = transition.parse(options.params);
    const ctx = createContext(entity, {
      targetState: transition.to ?? "",
      user: options.user,
      metadata: options.metadata,
    });
    const to = transition.targetOf(ctx, params);
    if (
      transition.guard !== undefined && !(await transition.guard(ctx, params))
    ) {
      throw new TransitionValidationError(
        `Cannot execute "${transition.key}": guard rejected entity "${entity.id}"`,
      );
    }
    await transition.validate?.(ctx, params);
    const data = await transition.apply(ctx, params);
    entity.state = to;
    if (typeof entity.version === "number") entity.version++;
    return { from, to, data: data as D };
  };
}
