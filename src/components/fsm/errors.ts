/**
 * Errors the transition system throws. Each one a caller may handle extends
 * {@link ValidationError}, so the engine counts it as a `validation` outcome;
 * losing a race is a plain {@link ConflictError} from `src/errors.ts`.
 * @module
 */
import { ValidationError } from "../../errors.ts";

/** One rejected field of a transition's params. */
export interface FieldIssue {
  /** Dotted path inside the params, such as `"amount"` or `"items.0.sku"`. */
  readonly path: string;
  /** The value that was given (`undefined` when the field was missing). */
  readonly value: unknown;
  /** What was expected, such as `"expected number, received string"`. */
  readonly message: string;
}

/** Options of {@link TransitionValidationError}. */
export interface TransitionValidationErrorOptions extends ErrorOptions {
  /** The transition's key, `"entity.name"`, when known. */
  transition?: string;
  /** Rejected fields, when params failed their schema. */
  issues?: readonly FieldIssue[];
}

/**
 * A transition refused its input: params failed the schema, the guard said
 * no, or a `validate` hook threw it.
 *
 * @example
 * ```ts
 * import { TransitionValidationError } from "./errors.ts";
 *
 * function validate(_ctx: unknown, params: { amount: number }): void {
 *   if (params.amount > 1000) {
 *     throw new TransitionValidationError(
 *       `Cannot execute "order.pay": amount ${params.amount} is over the limit of 1000`,
 *     );
 *   }
 * }
 * validate(undefined, { amount: 10 });
 * ```
 */
export class TransitionValidationError extends ValidationError {
  /** The transition's key, `"entity.name"`, or `""` when not known. */
  readonly transition: string;
  /** Rejected fields; empty unless params failed their schema. */
  readonly issues: readonly FieldIssue[];

  /** Creates the error. */
  constructor(message: string, options?: TransitionValidationErrorOptions) {
    super(message, options);
    this.name = "TransitionValidationError";
    this.transition = options?.transition ?? "";
    this.issues = options?.issues ?? [];
  }
}

/** Options of {@link IllegalTransitionError}. */
export interface IllegalTransitionErrorOptions extends ErrorOptions {
  /** The transition's key, `"entity.name"`. */
  transition: string;
  /** The entity's id. */
  entityId: string | number;
  /** The state the entity is in. */
  state: string;
  /**
   * The state the transition would have moved to, when known (a `target()`
   * that needs params it did not get leaves it unknown).
   */
  target?: string;
  /** The states the transition may start from. */
  allowed: readonly string[];
}

/**
 * The entity's current state is not one the transition starts from. The
 * message names both the current state and the target state.
 *
 * @example
 * ```ts
 * import { IllegalTransitionError } from "./errors.ts";
 *
 * const error = new IllegalTransitionError(
 *   `Cannot execute "order.ship": entity "o-1" cannot move from "created" to "shipped" ("ship" starts only from "paid")`,
 *   {
 *     transition: "order.ship",
 *     entityId: "o-1",
 *     state: "created",
 *     target: "shipped",
 *     allowed: ["paid"],
 *   },
 * );
 * console.log(error.state, error.target); // "created" "shipped"
 * ```
 */
export class IllegalTransitionError extends ValidationError {
  /** The transition's key, `"entity.name"`. */
  readonly transition: string;
  /** The entity's id. */
  readonly entityId: string | number;
  /** The state the entity was in. */
  readonly state: string;
  /** The state the transition would have moved to, or `undefined` if unknown. */
  readonly target: string | undefined;
  /** The states the transition may start from. */
  readonly allowed: readonly string[];

  /** Creates the error. */
  constructor(message: string, options: IllegalTransitionErrorOptions) {
    super(message, options);
    this.name = "IllegalTransitionError";
    this.transition = options.transition;
    this.entityId = options.entityId;
    this.state = options.state;
    this.target = options.target;
    this.allowed = options.allowed;
  }
}

/** Options of {@link UnknownTransitionError}. */
export interface UnknownTransitionErrorOptions extends ErrorOptions {
  /** The entity type asked for. */
  entity: string;
  /** The transition name asked for. */
  transition: string;
  /** Registered names near the one asked for, nearest first. */
  suggestions: readonly string[];
}

/**
 * No transition is registered under `(entity, transition)`.
 *
 * @example
 * ```ts
 * import { TransitionRegistry, UnknownTransitionError } from "./mod.ts";
 *
 * try {
 *   new TransitionRegistry().get("order", "ship");
 * } catch (error) {
 *   console.log(error instanceof UnknownTransitionError); // true
 * }
 * ```
 */
export class UnknownTransitionError extends ValidationError {
  /** The entity type asked for. */
  readonly entity: string;
  /** The transition name asked for. */
  readonly transition: string;
  /** Registered names near the one asked for, nearest first. */
  readonly suggestions: readonly string[];

  /** Creates the error. */
  constructor(message: string, options: UnknownTransitionErrorOptions) {
    super(message, options);
    this.name = "UnknownTransitionError";
    this.entity = options.entity;
    this.transition = options.transition;
    this.suggestions = options.suggestions;
  }
}
