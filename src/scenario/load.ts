/**
 * Scenario files in, validated {@link Plan}s out. Every problem is reported
 * with `file:line:col`, what was expected, and a hint.
 * @module
 */
import type { z } from "zod";
import { resolveLoad, type Scale, scaleLoad } from "../executors/mod.ts";
import { METRIC_NAMES, metricCounter, parseThreshold } from "../grade/mod.ts";
import type { Target } from "../target.ts";
import { didYouMean } from "../suggest.ts";
import { MAX_FILE_BYTES, parseSource, type Source } from "./_source.ts";
import { ScenarioError, type ScenarioIssue } from "./errors.ts";
import type { FaultPlan, Plan, Profile } from "./plan.ts";
import { type ScenarioInput, ScenarioSchema, SuiteSchema } from "./schema.ts";

/** What the loader checks scenarios against. */
export interface LoadOptions {
  /** Registered targets by name. */
  targets: Readonly<Record<string, Target>>;
  /** Profile to apply; default `ci`. */
  profile?: Profile;
  /**
   * Names older scenario files used, each with its new name, so an old name
   * is answered with the new one rather than a guess.
   */
  renamed?: {
    /** Old target names. */
    targets?: Readonly<Record<string, string>>;
    /** Old keys of a target's `options:`. */
    options?: Readonly<Record<string, string>>;
  };
}

/** ` (renamed: "new")` when `table` knows `name` as an old name, else `""`. */
function renamedHint(
  name: string,
  table: Readonly<Record<string, string>> | undefined,
): string {
  return table && Object.hasOwn(table, name)
    ? ` (renamed: "${table[name]}")`
    : "";
}

/** Reads and validates a scenario file. */
export async function loadScenarioFile(
  path: string,
  options: LoadOptions,
): Promise<Plan[]> {
  const fail = (message: string) =>
    new ScenarioError([{ file: path, line: 1, col: 1, message }]);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw fail(`cannot read file: ${(error as Error).message}`);
  }
  if (!info.isFile) {
    throw fail("not a regular file: give a scenario file (.yaml)");
  }
  if (info.size > MAX_FILE_BYTES) {
    throw fail(
      `file is ${
        (info.size / 1024 / 1024).toFixed(1)
      } MiB, over the 1 MiB limit for scenario files`,
    );
  }
  return parseScenarios(path, await Deno.readTextFile(path), options);
}

/** Validates scenario text (one scenario or a suite) into plans. */
export function parseScenarios(
  file: string,
  text: string,
  options: LoadOptions,
): Plan[] {
  const source = parseSource(file, text);
  const top = source.value as Record<string, unknown>;
  const issues: ScenarioIssue[] = [];
  const plans: Plan[] = [];
  const profile = options.profile ?? "ci";
  if ("suite" in top) {
    const suite = SuiteSchema.safeParse(top, { reportInput: true });
    if (!suite.success) {
      const found: ScenarioIssue[] = [];
      reportSchemaIssues(SuiteSchema, suite.error, {
        prefix: [],
        unknown: (key, path) => `unknown key "${key}"${at(path)}`,
        report: (path, message, part) => {
          const [line, col] = source.at(path, part);
          found.push({ file, line, col, message });
        },
      });
      throw new ScenarioError(found);
    }
    const defaults = suite.data.defaults ?? {};
    suite.data.scenarios.forEach((raw, index) => {
      const where: Where = {
        source,
        primary: ["scenarios", index],
        fallback: ["defaults"],
      };
      const plan = checkScenario(deepMerge(defaults, raw), where, {
        ...options,
        profile,
        issues,
      });
      if (plan) plans.push({ ...plan, suite: suite.data.suite });
    });
  } else {
    const plan = checkScenario(top, { source, primary: [] }, {
      ...options,
      profile,
      issues,
    });
    if (plan) plans.push(plan);
  }
  const names = new Set<string>();
  plans.forEach((plan, index) => {
    if (names.has(plan.name)) {
      const [line, col] = source.at(["scenarios", index, "name"]);
      issues.push({
        file,
        line,
        col,
        message: `duplicate scenario name "${plan.name}"`,
      });
    }
    names.add(plan.name);
  });
  if (issues.length > 0) throw new ScenarioError(dedupe(issues));
  return plans;
}

/** Where a scenario's values live: its own node, then the suite defaults. */
interface Where {
  source: Source;
  primary: readonly PropertyKey[];
  fallback?: readonly PropertyKey[];
}

function locate(
  where: Where,
  path: readonly PropertyKey[],
  part: "key" | "value" = "value",
): [number, number] {
  const own = valueAt(where.source.value, [...where.primary, ...path]);
  if (own !== undefined || !where.fallback) {
    return where.source.at([...where.primary, ...path], part);
  }
  const inherited = valueAt(where.source.value, [...where.fallback, ...path]);
  return where.source.at(
    inherited !== undefined
      ? [...where.fallback, ...path]
      : [...where.primary, ...path],
    part,
  );
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

interface CheckContext extends LoadOptions {
  profile: Profile;
  issues: ScenarioIssue[];
}

function checkScenario(
  raw: Record<string, unknown>,
  where: Where,
  context: CheckContext,
): Plan | undefined {
  const { issues } = context;
  const file = where.source.file;
  const report = (
    path: readonly PropertyKey[],
    message: string,
    part: "key" | "value" = "value",
  ) => {
    const [line, col] = locate(where, path, part);
    issues.push({ file, line, col, message });
  };
  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    reportSchemaIssues(ScenarioSchema, parsed.error, {
      prefix: [],
      unknown: (key, path) => `unknown key "${key}"${at(path)}`,
      report,
    });
    return undefined;
  }
  const overrides = parsed.data.profiles?.[context.profile];
  const scenario: ScenarioInput = {
    ...parsed.data,
    options: { ...parsed.data.options, ...overrides?.options },
  };
  const before = issues.length;
  const target = Object.hasOwn(context.targets, scenario.target)
    ? context.targets[scenario.target]
    : undefined;
  if (!target) {
    const renamed = renamedHint(scenario.target, context.renamed?.targets);
    report(
      ["target"],
      `unknown target "${scenario.target}": expected one of ${
        Object.keys(context.targets).join(", ")
      }${renamed || didYouMean(scenario.target, Object.keys(context.targets))}`,
    );
    return undefined;
  }
  if (target.options) {
    const options = target.options.safeParse(scenario.options ?? {}, {
      reportInput: true,
    });
    if (!options.success) {
      reportSchemaIssues(target.options, options.error, {
        prefix: ["options"],
        unknown: (key) => `unknown option "${key}" for target "${target.name}"`,
        renamed: (key) => renamedHint(key, context.renamed?.options),
        report,
      });
    }
  }
  const load = resolveLoad(
    {
      ...scenario.load,
      ...scaleLoad(scenario.load, SCALE[context.profile]),
      ...overrides?.load,
    },
    report,
  );
  scenario.mix.forEach((entry, index) => {
    const spec = target.ops[entry.op];
    if (!spec) {
      report(
        ["mix", index, "op"],
        `unknown op "${entry.op}" for target "${target.name}": expected one of ${
          Object.keys(target.ops).join(", ")
        }${didYouMean(entry.op, Object.keys(target.ops))}`,
      );
      return;
    }
    if (!spec.params) {
      if (entry.params && Object.keys(entry.params).length > 0) {
        report(["mix", index, "params"], `op "${entry.op}" takes no params`);
      }
      return;
    }
    const params = spec.params.safeParse(entry.params ?? {}, {
      reportInput: true,
    });
    if (!params.success) {
      reportSchemaIssues(spec.params, params.error, {
        prefix: ["mix", index, "params"],
        unknown: (key) => `unknown param "${key}" for op "${entry.op}"`,
        report,
      });
    }
  });
  const offered = Object.keys(target.invariants ?? {});
  (scenario.invariants ?? []).forEach((name, index) => {
    if (!offered.includes(name)) {
      report(
        ["invariants", index],
        `unknown invariant "${name}" for target "${target.name}": expected one of ${
          offered.join(", ") || "(none)"
        }${didYouMean(name, offered)}`,
      );
    }
  });
  const mixOps = new Set(scenario.mix.map((entry) => entry.op));
  const thresholds = Object.entries(scenario.thresholds ?? {}).flatMap(
    ([metric, written]) => {
      // `latency.p95: "<5ms"` is shorthand for a single pass/fail bound.
      const bounds = typeof written === "string"
        ? { critical: written }
        : written;
      try {
        const threshold = parseThreshold(metric, bounds);
        const counter = metricCounter(metric);
        const counters = Object.keys(target.counters ?? {});
        if (counter !== undefined && !counters.includes(counter)) {
          report(
            ["thresholds", metric],
            `threshold "${metric}" names counter "${counter}", which target "${target.name}" does not report: expected one of ${
              counters.join(", ") || "(none)"
            }${didYouMean(counter, counters)}`,
            "key",
          );
          return [];
        }
        const op = metric.startsWith("ops.")
          ? metric.slice(4, metric.indexOf(".", 4))
          : undefined;
        if (op !== undefined && !mixOps.has(op)) {
          report(
            ["thresholds", metric],
            `threshold "${metric}" names op "${op}", which is not in the mix${
              didYouMean(op, mixOps)
            }`,
            "key",
          );
          return [];
        }
        return [threshold];
      } catch (error) {
        const message = (error as Error).message;
        if (message.startsWith("Unknown metric")) {
          report(
            ["thresholds", metric],
            `unknown metric "${metric}" in thresholds${
              didYouMean(metric, METRIC_SUGGESTIONS)
            }: see docs/scenarios.md#thresholds`,
            "key",
          );
        } else {
          const tier = ["optimal", "warning", "critical"].find((t) =>
            message.includes(`"${bounds[t as keyof typeof bounds]}"`)
          );
          report(
            tier ? ["thresholds", metric, tier] : ["thresholds", metric],
            message.replace(/^Cannot/, "cannot"),
          );
        }
        return [];
      }
    },
  );
  if (issues.length > before || !load) return undefined;
  return {
    file,
    name: scenario.name,
    description: scenario.description ?? "",
    target: scenario.target,
    options: scenario.options ?? {},
    load,
    mix: scenario.mix.map((entry) => ({
      op: entry.op,
      weight: entry.weight ?? 1,
      params: entry.params ?? {},
    })),
    faults: resolveFaults(scenario),
    invariants: scenario.invariants ?? [],
    thresholds,
    profile: context.profile,
    config: scenario,
  };
}

const METRIC_SUGGESTIONS = METRIC_NAMES.filter((name) => !name.includes("<"));

function at(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "" : ` in ${path.map(String).join(".")}`;
}

/** How each profile scales counts and durations. */
const SCALE: Record<Profile, Scale> = {
  smoke: { count: 0.1, time: 0.2 },
  ci: { count: 1, time: 1 },
  full: { count: 10, time: 10 },
};

function resolveFaults(scenario: ScenarioInput): FaultPlan {
  const latency = scenario.faults?.latency;
  const range = latency
    ? (typeof latency.ms === "number" ? [latency.ms, latency.ms] : latency.ms)
    : undefined;
  return {
    error_rate: scenario.faults?.error_rate ?? 0,
    ...(latency && range
      ? { latency: { rate: latency.rate, min_ms: range[0], max_ms: range[1] } }
      : {}),
  };
}

function describeZodIssue(
  issue: z.core.$ZodIssue,
  path: readonly PropertyKey[] = issue.path as PropertyKey[],
): string {
  const where = at(path).replace(" in ", "");
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
          ? `, got "${issue.input}"${
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

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Reports one problem at a path of the scenario. */
type Report = (
  path: readonly PropertyKey[],
  message: string,
  part?: "key" | "value",
) => void;

/** How to report a schema's issues. */
interface SchemaIssueOptions {
  /** Where the checked value sits in the scenario. */
  prefix: readonly PropertyKey[];
  /** Names an unknown key, e.g. `unknown option "x" for target "uow"`. */
  unknown: (key: string, path: readonly PropertyKey[]) => string;
  /** ` (renamed: "new")` for an old name, else `""` (then a typo hint). */
  renamed?: (key: string) => string;
  report: Report;
}

/** Reports every issue of a failed parse at its place, with hints for typos. */
function reportSchemaIssues(
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
    const def = (node as unknown as { _zod: { def: Record<string, unknown> } })
      ._zod.def;
    if (def.type === "object") {
      node = (def.shape as Record<string, z.ZodType>)[String(segment)];
    } else if (def.type === "array") node = def.element as z.ZodType;
    else if (def.type === "record") node = def.valueType as z.ZodType;
    else return [];
    if (!node) return [];
  }
  const def =
    (unwrap(node) as unknown as { _zod: { def: Record<string, unknown> } })
      ._zod.def;
  return def.type === "object"
    ? Object.keys(def.shape as Record<string, unknown>)
    : [];
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
    else if (def.type === "pipe") node = def.in as z.ZodType;
    else return node;
  }
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value)
      ? deepMerge(prior, value)
      : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function dedupe(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.col}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).sort((a, b) => a.line - b.line || a.col - b.col);
}
