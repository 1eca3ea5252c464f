/**
 * The value domain of snapshot contexts: JSON values that both codecs carry
 * exactly. {@link sealContext} checks a context once and freezes it deeply;
 * sealed contexts are remembered, so a context reused across writes (or a
 * snapshot encoded twice) is never walked again.
 * @module
 */
import { ValidationError } from "../../errors.ts";

/** A JSON value: what a snapshot context may hold. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A snapshot's context: a JSON object, frozen once it is in the store. */
export type Context = { readonly [key: string]: JsonValue };

/** Nesting deeper than this is refused (it also stops reference cycles). */
export const MAX_DEPTH = 64;

const SEALED = new WeakSet<object>();

/** The frozen empty context shared by snapshots written without one. */
export const EMPTY_CONTEXT: Context = Object.freeze({});
SEALED.add(EMPTY_CONTEXT);

/**
 * Checks that `context` is a plain object of JSON values (finite numbers,
 * well-formed strings, plain objects and arrays, at most {@link MAX_DEPTH}
 * deep), then freezes it and everything in it, turning each `-0` into `0`
 * on the way (JSON has no `-0`, so both codecs round-trip what the store
 * holds exactly). Throws `ValidationError` without changing anything when it
 * is not, or when a `-0` sits in an object that is already frozen.
 */
export function sealContext(context: unknown, what: string): Context {
  if (typeof context === "object" && context !== null && SEALED.has(context)) {
    return context as Context;
  }
  if (!isPlainObject(context)) {
    throw new ValidationError(
      `Cannot use ${what}: context must be a plain object, got ${
        describe(context)
      }`,
    );
  }
  const problem = check(context, 0);
  if (problem !== undefined) {
    throw new ValidationError(
      `Cannot use ${what}: context${problem.path} ${problem.what}`,
    );
  }
  freeze(context);
  return context as Context;
}

/** Whether `context` was sealed by {@link sealContext}. */
export function isSealed(context: unknown): boolean {
  return typeof context === "object" && context !== null &&
    SEALED.has(context);
}

/** What is wrong and where (a path built only when something is wrong). */
interface Problem {
  path: string;
  what: string;
}

function check(value: unknown, depth: number): Problem | undefined {
  switch (typeof value) {
    case "string":
      return value.isWellFormed()
        ? undefined
        : { path: "", what: "is a string with a lone surrogate" };
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { path: "", what: `is ${value}, which JSON cannot carry` };
    case "boolean":
      return undefined;
    case "object": {
      if (value === null || SEALED.has(value)) return undefined;
      if (depth >= MAX_DEPTH) {
        return {
          path: "",
          what: `nests deeper than ${MAX_DEPTH} levels (or is a cycle)`,
        };
      }
      const frozen = Object.isFrozen(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return { path: `[${i}]`, what: "is a hole" };
          if (frozen && isNegativeZero(value[i])) {
            return { path: `[${i}]`, what: NEGATIVE_ZERO_FROZEN };
          }
          const problem = check(value[i], depth + 1);
          if (problem !== undefined) {
            problem.path = `[${i}]${problem.path}`;
            return problem;
          }
        }
        return undefined;
      }
      if (!isPlainObject(value)) {
        return { path: "", what: `is ${describe(value)}, not a plain object` };
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (frozen && isNegativeZero(value[key])) {
          return { path: `.${key}`, what: NEGATIVE_ZERO_FROZEN };
        }
        const problem = check(value[key], depth + 1);
        if (problem !== undefined) {
          problem.path = `.${key}${problem.path}`;
          return problem;
        }
      }
      if (Object.getOwnPropertySymbols(value).length > 0) {
        return { path: "", what: "has symbol keys" };
      }
      return undefined;
    }
    default:
      return {
        path: "",
        what: `is ${describe(value)}, which JSON cannot carry`,
      };
  }
}

const NEGATIVE_ZERO_FROZEN =
  "is -0 in a frozen object, so it cannot become 0 (JSON has no -0)";

function isNegativeZero(value: unknown): boolean {
  return value === 0 && 1 / value < 0;
}

/** Freezes a checked value deeply; each `-0` in it becomes `0` first. */
function freeze(value: unknown): void {
  if (typeof value !== "object" || value === null || SEALED.has(value)) return;
  const frozen = Object.isFrozen(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object") freeze(item);
      else if (!frozen && item === 0) value[i] = 0;
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === "object") freeze(item);
      else if (!frozen && item === 0) record[key] = 0;
    }
  }
  Object.freeze(value);
  SEALED.add(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === Object.prototype;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name ? `a ${name}` : "an object without prototype";
  }
  if (typeof value === "string") return `a string`;
  return `${typeof value} ${String(value)}`;
}
