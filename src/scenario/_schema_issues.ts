/**
 * Turning zod's issues into scenario messages: each at its place in the
 * file, in words a user reads (what was expected, what was found), with a
 * did-you-mean for an unknown key. Used for the scenario, its load, options,
 * params and suite alike.
 * @module
 */
import type { z } from "zod";
import { didYouMean, own, quote } from "../suggest.ts";

export function describeZodIssue(
  issue: z.core.$ZodIssue,
  path: readonly PropertyKey[] = issue.path as PropertyKey[],
): string {
  const where = path.length === 0 ? "" : clipPath(path);
  const subject = where ? `"${where}"` : "value";
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `missing ${subject}: expected ${issue.expected}`
        : `${subject} has the wrong type: expected ${issue.expected}, got ${
          typeOf(issue.input)
        }`;
    case "invalid_value":
      return `${subject} must be one of ${
        issue.values.map((v) => JSON.stringify(v)).join(", ")
      }${
        typeof issue.input === "string"
          ? `, got ${quote(issue.input)}${
            didYouMean(issue.input, issue.values.map(String))
          }`
          : ""
      }`;
    case "too_small":
    case "too_big":
    case "invalid_format":
    default:
      return `${subject}: ${issue.message}`;
  }
}

export function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value);
  return `${typeof value} ${String(value)}`;
}

/** Reports one problem at a path of the scenario. */
export type Report = (
  path: readonly PropertyKey[],
  message: string,
  part?: "key" | "value",
) => void;

/** How to report a schema's issues. */
export interface SchemaIssueOptions {
  /** Where the checked value sits in the scenario. */
  prefix: readonly PropertyKey[];
  /** Names an unknown key, e.g. `unknown option "x" for target "uow"`. */
  unknown: (key: string, path: readonly PropertyKey[]) => string;
  /** ` (renamed: "new")` for an old name, else `""` (then a typo hint). */
  renamed?: (key: string) => string;
  report: Report;
}

/** Reports every issue of a failed parse at its place, with hints for typos. */
export function reportSchemaIssues(
  schema: z.ZodType,
  error: z.ZodError,
  options: SchemaIssueOptions,
): void {
  for (const issue of error.issues) {
    const path = [...options.prefix, ...issue.path as PropertyKey[]];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schema, issue.path as PropertyKey[]);
      for (const key of issue.keys) {
        options.report(
          [...path, key],
          `${options.unknown(key, path)}${
            options.renamed?.(key) || didYouMean(key, known)
          }`,
          "key",
        );
      }
    } else options.report(path, describeZodIssue(issue, path));
  }
}

/** The keys an object schema allows at a path, for did-you-mean hints. */
function knownKeys(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): string[] {
  let node: z.ZodType | undefined = schema;
  for (const segment of path) {
    node = unwrap(node);
    const def = defOf(node);
    if (def.type === "object") {
      node = own(def.shape as Record<string, z.ZodType>, String(segment));
    } else if (def.type === "array") node = def.element as z.ZodType;
    else if (def.type === "record") node = def.valueType as z.ZodType;
    else return [];
    if (!node) return [];
  }
  // A union (a bound string or tiers) offers the keys of its mappings.
  const def = defOf(unwrap(node));
  const options = def.type === "union" ? def.options as z.ZodType[] : [node];
  return options.flatMap((option) => {
    const inner = defOf(unwrap(option));
    return inner.type === "object"
      ? Object.keys(inner.shape as Record<string, unknown>)
      : [];
  });
}

function defOf(schema: z.ZodType): Record<string, unknown> {
  return (schema as unknown as { _zod: { def: Record<string, unknown> } })
    ._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    const def = (node as unknown as { _zod: { def: Record<string, unknown> } })
      ._zod.def;
    if (
      def.type === "optional" || def.type === "default" ||
      def.type === "nullable" || def.type === "readonly" ||
      def.type === "prefault"
    ) node = def.innerType as z.ZodType;
    else if (def.type === "pipe") {
      // A preprocessed schema (a transform in front) is checked by its out.
      const inner = (def.in as { _zod: { def: { type: string } } })._zod.def;
      node = (inner.type === "transform" ? def.out : def.in) as z.ZodType;
    } else return node;
  }
}

/** A path for a message: user keys in it are shown safely, and short. */
export function clipPath(path: readonly PropertyKey[]): string {
  return quote(path.map(String).join(".")).slice(1, -1);
}
