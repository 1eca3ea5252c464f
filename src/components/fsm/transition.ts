/**
 * Declarative transitions: where an entity may move from, where to, with
 * which params, and the hooks that guard, validate and apply the move.
 * @module
 */
import { z } from "zod";
import type { TransitionContext } from "./context.ts";
import { type FieldIssue, TransitionValidationError } from "./errors.ts";

/** States a transition starts from: one, several, or `"*"` for any. */
export type FromStates = string | readonly string[];

/**
 * What {@link defineTransition} takes. Give exactly one of `to` (a fixed
 * target state) and `target` (computed per execution).
 *
 * Hooks run in the order guard → validate → apply, each may return a
 * Promise, and each is called with `this` set to the {@link Transition}.
 */
export interface TransitionSpec<P, D> {
  /** The entity type, first half of the registry key (no `.`). */
  entity: string;
  /** The transition's name, second half of the registry key (no `.`). */
  name: string;
  /** States the transition starts from; `"*"` means any state. */
  from: FromStates;
  /** The state the transition moves to. */
  to?: string;
  /** Computes the target state; `ctx.targetState` is `""` while it runs. */
  target?(ctx: TransitionContext, params: P): string;
  /** Schema of the params; defaults to an empty strict object. */
  params?: z.ZodType<P>;
  /** Says whether the move may happen; `false` rejects it. */
  guard?(ctx: TransitionContext, params: P): boolean | Promise<boolean>;
  /** Throws {@link TransitionValidationError} to reject the move. */
  validate?(ctx: TransitionContext, params: P): void | Promise<void>;
  /** Does the work; its result is returned as `data` by `execute`. */
  apply(ctx: TransitionContext, params: P): D | Promise<D>;
}

/** A defined transition, as registered and executed by the registry. */
export interface Transition<P = unknown, D = unknown> {
  /** The entity type. */
  readonly entity: string;
  /** The transition's name. */
  readonly name: string;
  /** `"entity.name"`, used in messages. */
  readonly key: string;
  /** States the transition starts from, or `"*"` for any. */
  readonly from: "*" | readonly string[];
  /** The fixed target state, or `undefined` when `target()` computes it. */
  readonly to: string | undefined;
  /** Schema of the params. */
  readonly params: z.ZodType<P>;
  /** Whether the transition may start from `state`. */
  allows(state: string): boolean;
  /** Checks raw params against the schema; throws {@link TransitionValidationError}. */
  parse(input: unknown): P;
  /** The state this execution moves to. */
  targetOf(ctx: TransitionContext, params: P): string;
  /** The guard hook, if any. */
  guard?(ctx: TransitionContext, params: P): boolean | Promise<boolean>;
  /** The validate hook, if any. */
  validate?(ctx: TransitionContext, params: P): void | Promise<void>;
  /** The apply hook. */
  apply(ctx: TransitionContext, params: P): D | Promise<D>;
}

/** What the params were being checked for, used in messages. */
export type ParseVerb = "create" | "validate" | "execute";

const EMPTY_PARAMS = z.strictObject({});
const NO_INPUT = Object.freeze({});

/**
 * Defines a transition. Throws `TypeError` for a malformed definition.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineTransition } from "./transition.ts";
 *
 * const ship = defineTransition({
 *   entity: "order",
 *   name: "ship",
 *   from: ["paid"],
 *   to: "shipped",
 *   params: z.object({ carrier: z.enum(["ups", "dhl"]) }),
 *   guard: (ctx) => ctx.user !== null,
 *   apply: (ctx, params) => ({ carrier: params.carrier, at: ctx.timestamp }),
 * });
 * console.log(ship.key, ship.allows("paid")); // "order.ship" true
 * ```
 */
export function defineTransition<P = unknown, D = unknown>(
  spec: TransitionSpec<P, D>,
): Transition<P, D> {
  return new TransitionImpl(spec);
}

/**
 * A spec that defines `transition` again, each hook calling the
 * transition's own, so a variant can replace a part of it (its `from`, its
 * guard) and keep the rest.
 *
 * @example
 * ```ts
 * import { defineTransition, specOf } from "./transition.ts";
 *
 * const pay = defineTransition({ entity: "order", name: "pay", from: "created", to: "paid", apply: () => ({}) });
 * const anywhere = defineTransition({ ...specOf(pay), from: "*" });
 * console.log(anywhere.allows("shipped"), anywhere.to); // true "paid"
 * ```
 */
export function specOf<P, D>(
  transition: Transition<P, D>,
): TransitionSpec<P, D> {
  const spec: TransitionSpec<P, D> = {
    entity: transition.entity,
    name: transition.name,
    from: transition.from,
    params: transition.params,
    apply: (ctx, params) => transition.apply(ctx, params),
  };
  if (transition.to !== undefined) spec.to = transition.to;
  else spec.target = (ctx, params) => transition.targetOf(ctx, params);
  const { guard, validate } = transition;
  if (guard !== undefined) {
    spec.guard = (ctx, params) => guard.call(transition, ctx, params);
  }
  if (validate !== undefined) {
    spec.validate = (ctx, params) => validate.call(transition, ctx, params);
  }
  return spec;
}

class TransitionImpl<P, D> implements Transition<P, D> {
  readonly entity: string;
  readonly name: string;
  readonly key: string;
  readonly from: "*" | readonly string[];
  readonly to: string | undefined;
  readonly params: z.ZodType<P>;
  readonly guard?: (
    ctx: TransitionContext,
    params: P,
  ) => boolean | Promise<boolean>;
  readonly validate?: (
    ctx: TransitionContext,
    params: P,
  ) => void | Promise<void>;
  readonly apply: (ctx: TransitionContext, params: P) => D | Promise<D>;
  #fromSet: ReadonlySet<string> | null;
  #target: ((ctx: TransitionContext, params: P) => string) | undefined;

  constructor(spec: TransitionSpec<P, D>) {
    checkName(spec.entity, "entity", spec);
    checkName(spec.name, "name", spec);
    this.entity = spec.entity;
    this.name = spec.name;
    this.key = `${spec.entity}.${spec.name}`;
    const hasTo = typeof spec.to === "string" && spec.to !== "";
    if (hasTo === (typeof spec.target === "function")) {
      throw new TypeError(
        `Cannot define "${this.key}": give exactly one of "to" and "target"`,
      );
    }
    if (typeof spec.apply !== "function") {
      throw new TypeError(`Cannot define "${this.key}": "apply" is required`);
    }
    const from = typeof spec.from === "string" ? [spec.from] : [...spec.from];
    if (from.length === 0 || from.some((s) => typeof s !== "string" || !s)) {
      throw new TypeError(
        `Cannot define "${this.key}": "from" must name at least one state, or "*"`,
      );
    }
    this.from = from.includes("*") ? "*" : Object.freeze(from);
    this.#fromSet = this.from === "*" ? null : new Set(from);
    this.to = hasTo ? spec.to : undefined;
    this.#target = hasTo ? undefined : spec.target;
    this.params = spec.params ?? (EMPTY_PARAMS as unknown as z.ZodType<P>);
    this.guard = spec.guard;
    this.validate = spec.validate;
    this.apply = spec.apply;
    Object.freeze(this);
  }

  allows(state: string): boolean {
    return this.#fromSet === null || this.#fromSet.has(state);
  }

  parse(input: unknown): P {
    return parseParams(this, input, PARSE_CREATE);
  }

  targetOf(ctx: TransitionContext, params: P): string {
    if (this.to !== undefined) return this.to;
    const to = this.#target!.call(this, ctx, params);
    if (typeof to !== "string" || to === "") {
      throw new TypeError(
        `Cannot execute "${this.key}": target() returned ${
          show(to)
        }, not a state name`,
      );
    }
    return to;
  }
}

function checkName(value: unknown, field: string, spec: { name?: unknown }) {
  if (typeof value !== "string" || value === "" || value.includes(".")) {
    throw new TypeError(
      `Cannot define transition ${
        show(spec.name)
      }: "${field}" must be a non-empty string without ".", got ${show(value)}`,
    );
  }
}

/** Options of {@link parseParams}. */
export interface ParseOptions {
  /** What the params are checked for, named in the error message. */
  verb: ParseVerb;
}

const PARSE_CREATE: ParseOptions = Object.freeze({ verb: "create" });

/**
 * Parses params for a transition, naming the verb in the error message.
 * Internal to the folder (not exported by `mod.ts`): the registry uses it for
 * `validate` and `execute`.
 */
export function parseParams<P>(
  transition: Transition<P, unknown>,
  input: unknown,
  options: ParseOptions,
): P {
  const result = transition.params.safeParse(
    input === undefined ? NO_INPUT : input,
  );
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue): FieldIssue => ({
    path: issue.path.map(String).join("."),
    value: valueAt(input, issue.path),
    message: tidy(issue.message),
  }));
  const first = issues[0];
  const where = first.path === ""
    ? "params"
    : `params.${first.path} is ${
      first.value === undefined ? "missing" : show(first.value)
    }`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  throw new TransitionValidationError(
    `Cannot ${options.verb} "${transition.key}": ${where}: ${first.message}${more}`,
    { transition: transition.key, issues },
  );
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function tidy(message: string): string {
  const text = message.replace(/^Invalid input: /, "");
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A short, quoted rendering of a value for messages. */
export function show(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(
      value.length > 40 ? `${value.slice(0, 37)}...` : value,
    );
  }
  if (
    value === undefined || typeof value === "function" ||
    typeof value === "bigint" || typeof value === "symbol"
  ) {
    return String(value);
  }
  try {
    const text = JSON.stringify(value);
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  } catch {
    return String(value);
  }
}
