/**
 * Scenario files in, validated {@link Plan}s out. Every problem is reported
 * with `file:line:col`, what was expected, and a hint; every independent
 * problem of a file at once (a missing key does not hide an unknown op).
 * Names the user wrote are looked up as own keys only, so `constructor` or
 * `__proto__` is an unknown name like any other; and the keys of a mapping
 * the user names (options, params, thresholds, suite parts) are read from
 * the file as written, since zod drops a `__proto__` key from a record
 * without a word.
 * @module
 */
import type { z } from "zod";
import {
  type LoadInput,
  type LoadPlan,
  LoadSchema,
  resolveLoad,
  type Scale,
  scaleLoad,
} from "../executors/mod.ts";
import type { Target } from "../target.ts";
import { didYouMean, own, quote } from "../suggest.ts";
import {
  clipPath,
  describeZodIssue,
  type Report,
  reportSchemaIssues,
} from "./_schema_issues.ts";
import {
  isPlainObject,
  mapping,
  parseSource,
  readSource,
  type Source,
} from "./_source.ts";
import { checkThresholds } from "./_thresholds.ts";
import { ScenarioError, type ScenarioIssue } from "./errors.ts";
import type { FaultPlan, Plan, Profile } from "./plan.ts";
import {
  MixEntrySchema,
  type ScenarioInput,
  ScenarioSchema,
  SuiteSchema,
} from "./schema.ts";

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

/** Most problems listed for one file; the rest are counted on a last line. */
const MAX_ISSUES = 50;

/** ` (renamed: "new")` when `table` knows `name` as an old name, else `""`. */
function renamedHint(
  name: string,
  table: Readonly<Record<string, string>> | undefined,
): string {
  const renamed = table && own(table, name);
  return renamed ? ` (renamed: ${quote(renamed)})` : "";
}

/**
 * Reads and validates a scenario file. Only a regular UTF-8 file of at most
 * 1 MiB is read (see `readSource`).
 */
export async function loadScenarioFile(
  path: string,
  options: LoadOptions,
): Promise<Plan[]> {
  return parseScenarios(path, await readSource(path), options);
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
  const report: Report = (path, message, part) => {
    const [line, col] = source.at(path, part);
    issues.push({ file, line, col, message });
  };
  const context: CheckContext = {
    ...options,
    profile: options.profile ?? "ci",
    issues,
  };
  const found: { plan: Plan; name: PropertyKey[] }[] = [];
  if (Object.hasOwn(top, "suite")) {
    const parsed = SuiteSchema.safeParse(top, { reportInput: true });
    if (!parsed.success) {
      reportSchemaIssues(SuiteSchema, parsed.error, {
        prefix: [],
        unknown: (key, path) => `unknown key ${quote(key)}${at(path)}`,
        report,
      });
    }
    const suite = partsOf(SuiteSchema, top, parsed);
    // Without valid defaults, what a scenario inherits is unknown: checking
    // it would only report what follows from that.
    if (usable(suite, top, "defaults")) {
      const defaults = mapping(top.defaults) ?? {};
      const scenarios = Array.isArray(top.scenarios) ? top.scenarios : [];
      scenarios.forEach((written, index) => {
        const raw = mapping(written);
        if (!raw) return;
        const plan = checkScenario(deepMerge(defaults, raw), {
          source,
          primary: ["scenarios", index],
          fallback: ["defaults"],
        }, context);
        if (plan) {
          found.push({
            plan: { ...plan, suite: suite.suite },
            name: ["scenarios", index, "name"],
          });
        }
      });
    }
  } else if (Object.hasOwn(top, "scenarios")) {
    // A list of scenarios without "suite:" would otherwise read as one
    // scenario missing every key.
    report(
      ["scenarios"],
      `"scenarios:" belongs to a suite: add "suite: NAME" at the top (a file is one scenario, or a suite of "suite:", optional "defaults:" and "scenarios:")`,
      "key",
    );
  } else {
    const plan = checkScenario(top, { source, primary: [] }, context);
    if (plan) found.push({ plan, name: ["name"] });
  }
  const names = new Set<string>();
  const position = (path: PropertyKey[]) => {
    const [line, col] = source.at(path);
    return { line, col };
  };
  const plans = found.map(({ plan, name }): Plan => {
    if (names.has(plan.name)) {
      report(name, `duplicate scenario name ${quote(plan.name)}`);
    }
    names.add(plan.name);
    return {
      ...plan,
      where: {
        name: position(name),
        ...(plan.suite === undefined ? {} : { suite: position(["suite"]) }),
      },
    };
  });
  const all = settle(source, issues);
  if (all.length > 0) throw new ScenarioError(all);
  return plans;
}

/**
 * The file's problems in file order: the source's own first (a YAML tag, a
 * number out of range), then the checks', without repeats and without what
 * follows from a source problem at the same place, capped at MAX_ISSUES.
 */
function settle(
  source: Source,
  issues: readonly ScenarioIssue[],
): ScenarioIssue[] {
  const seen = new Set<string>();
  const kept = [...source.issues, ...issues].filter((issue, index) => {
    const place = `${issue.line}:${issue.col}`;
    if (index >= source.issues.length && source.claimed.has(place)) {
      return false;
    }
    const key = `${place}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).sort((a, b) => a.line - b.line || a.col - b.col);
  if (kept.length <= MAX_ISSUES) return kept;
  const shown = kept.slice(0, MAX_ISSUES);
  const more = kept.length - MAX_ISSUES;
  shown.push({
    ...shown[shown.length - 1],
    message: `and ${more} more problem${more === 1 ? "" : "s"} in this file`,
  });
  return shown;
}

/**
 * The parts of an object that hold: all of it when the parse succeeded,
 * else each key that parses on its own. Checks that need only those parts
 * still run, so one bad key does not hide the problems of the others.
 */
function partsOf<S extends z.ZodObject>(
  schema: S,
  raw: Record<string, unknown>,
  parsed: z.ZodSafeParseResult<z.output<S>>,
): Partial<z.output<S>> {
  if (parsed.success) return parsed.data;
  const parts: Record<string, unknown> = {};
  for (const [key, part] of Object.entries(schema.shape)) {
    const result = (part as z.ZodType).safeParse(
      Object.hasOwn(raw, key) ? raw[key] : undefined,
    );
    if (result.success && result.data !== undefined) parts[key] = result.data;
  }
  return parts as Partial<z.output<S>>;
}

/** Whether a part can be used: it holds, or it was not written at all. */
function usable(
  parts: Record<string, unknown>,
  raw: Record<string, unknown>,
  key: string,
): boolean {
  return parts[key] !== undefined || !Object.hasOwn(raw, key);
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
    if (
      node === null || typeof node !== "object" || !Object.hasOwn(node, key)
    ) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

interface CheckContext extends LoadOptions {
  profile: Profile;
  issues: ScenarioIssue[];
}

/**
 * Checks one scenario (suite defaults merged in) and resolves its plan, or
 * reports every problem and returns undefined. Parts that hold are checked
 * even when others do not: a missing `load` still leaves the target, the
 * mix and the thresholds to check.
 */
function checkScenario(
  raw: Record<string, unknown>,
  where: Where,
  context: CheckContext,
): Plan | undefined {
  const { issues } = context;
  const before = issues.length;
  const file = where.source.file;
  const report: Report = (path, message, part = "value") => {
    const [line, col] = locate(where, path, part);
    issues.push({ file, line, col, message });
  };
  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    reportSchemaIssues(ScenarioSchema, parsed.error, {
      prefix: [],
      unknown: (key, path) => `unknown key ${quote(key)}${at(path)}`,
      report,
    });
  }
  const data = partsOf(ScenarioSchema, raw, parsed);
  const profiles = usable(data, raw, "profiles");
  const overrides = data.profiles?.[context.profile];
  const target = data.target === undefined
    ? undefined
    : findTarget(data.target, context, report);
  if (target && profiles && usable(data, raw, "options")) {
    const written = mapping(mapping(raw.profiles)?.[context.profile]);
    checkOptions(
      target,
      { ...mapping(raw.options), ...mapping(written?.options) },
      context,
      report,
    );
  }
  const load = data.load && profiles
    ? resolveScaled(data.load, overrides?.load, context.profile, report)
    : undefined;
  const mix = data.mix?.map((entry, index) => ({ entry, index })) ??
    partial(raw.mix, MixEntrySchema);
  if (target) {
    const written = Array.isArray(raw.mix) ? raw.mix : [];
    for (const { entry, index } of mix) {
      const params = mapping(mapping(written[index])?.params);
      checkOp(target, { ...entry, params }, index, report);
    }
  }
  checkMixNames(mix, report);
  if (target && data.invariants) {
    checkInvariants(target, data.invariants, report);
  }
  const thresholds = checkThresholds(raw, {
    target,
    line: (path) => locate(where, path, "key")[0],
    // With the mix in doubt, an op is only checked against the target.
    mixOps: data.mix
      ? new Set(data.mix.map((entry) => entry.name ?? entry.op))
      : undefined,
    report,
  });
  if (issues.length > before || !parsed.success || !target || !load) {
    return undefined;
  }
  const scenario: ScenarioInput = {
    ...parsed.data,
    options: { ...parsed.data.options, ...overrides?.options },
  };
  return {
    file,
    name: scenario.name,
    description: scenario.description ?? "",
    target: scenario.target,
    options: scenario.options ?? {},
    load,
    mix: scenario.mix.map((entry) => ({
      op: entry.op,
      name: entry.name ?? entry.op,
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

/**
 * A `name:` given in the mix must be the only entry filed under it: entries
 * under one name share one histogram, which only unnamed entries of one op
 * may (as they always have).
 */
function checkMixNames(
  mix: { entry: z.output<typeof MixEntrySchema>; index: number }[],
  report: Report,
): void {
  for (const { entry, index } of mix) {
    const name = entry.name ?? entry.op;
    const clash = mix.find((other) =>
      other.index !== index && (other.entry.name ?? other.entry.op) === name &&
      (entry.name !== undefined || other.entry.name !== undefined)
    );
    if (!clash || entry.name === undefined) continue;
    report(
      ["mix", index, "name"],
      `duplicate mix name ${quote(name)}: mix entry ${
        clash.index + 1
      } is filed under it too, and two entries under one name would share one set of figures: give each entry its own name`,
    );
  }
}

/** The entries of a list that hold on their own, with their index. */
function partial<T>(
  written: unknown,
  schema: z.ZodType<T>,
): { entry: T; index: number }[] {
  if (!Array.isArray(written)) return [];
  return written.flatMap((item, index) => {
    const result = schema.safeParse(item);
    return result.success ? [{ entry: result.data, index }] : [];
  });
}

function findTarget(
  name: string,
  context: CheckContext,
  report: Report,
): Target | undefined {
  const target = own(context.targets, name);
  if (target) return target;
  const names = Object.keys(context.targets);
  report(
    ["target"],
    `unknown target ${quote(name)}: expected one of ${names.join(", ")}${
      renamedHint(name, context.renamed?.targets) || didYouMean(name, names)
    }`,
  );
  return undefined;
}

function checkOptions(
  target: Target,
  options: Record<string, unknown>,
  context: CheckContext,
  report: Report,
): void {
  const unknown = (key: string) =>
    `unknown option ${quote(key)} for target ${quote(target.name)}`;
  if (!target.options) {
    for (const key of Object.keys(options)) {
      report(["options", key], `${unknown(key)}: it takes no options`, "key");
    }
    return;
  }
  const result = target.options.safeParse(options, { reportInput: true });
  if (!result.success) {
    reportSchemaIssues(target.options, result.error, {
      prefix: ["options"],
      unknown,
      renamed: (key) => renamedHint(key, context.renamed?.options),
      report,
    });
  }
}

function checkOp(
  target: Target,
  entry: z.output<typeof MixEntrySchema>,
  index: number,
  report: Report,
): void {
  const spec = own(target.ops, entry.op);
  const ops = Object.keys(target.ops);
  if (!spec) {
    report(
      ["mix", index, "op"],
      `unknown op ${quote(entry.op)} for target ${
        quote(target.name)
      }: expected one of ${ops.join(", ")}${didYouMean(entry.op, ops)}`,
    );
    return;
  }
  const unknown = (key: string) =>
    `unknown param ${quote(key)} for op ${quote(entry.op)}`;
  if (!spec.params) {
    for (const key of Object.keys(entry.params ?? {})) {
      report(
        ["mix", index, "params", key],
        `${unknown(key)}: it takes no params`,
        "key",
      );
    }
    return;
  }
  const params = spec.params.safeParse(entry.params ?? {}, {
    reportInput: true,
  });
  if (!params.success) {
    reportSchemaIssues(spec.params, params.error, {
      prefix: ["mix", index, "params"],
      unknown,
      report,
    });
  }
}

function checkInvariants(
  target: Target,
  names: readonly string[],
  report: Report,
): void {
  const offered = Object.keys(target.invariants ?? {});
  names.forEach((name, index) => {
    if (!offered.includes(name)) {
      report(
        ["invariants", index],
        `unknown invariant ${quote(name)} for target ${
          quote(target.name)
        }: expected one of ${offered.join(", ") || "(none)"}${
          didYouMean(name, offered)
        }`,
      );
    }
  });
}

function at(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "" : ` in ${clipPath(path)}`;
}

/** How each profile scales counts and durations. */
const SCALE: Record<Profile, Scale> = {
  smoke: { count: 0.1, time: 0.2 },
  ci: { count: 1, time: 1 },
  full: { count: 10, time: 10 },
};

/**
 * The load as the profile makes it (scaled, then `profiles.<name>.load`),
 * checked again against the schema, since scaling can pass a limit the file
 * as written was within (`iterations` × 10), then resolved.
 */
function resolveScaled(
  load: LoadInput,
  overrides: Partial<LoadInput> | undefined,
  profile: Profile,
  report: Report,
): LoadPlan | undefined {
  const scaled = LoadSchema.safeParse({
    ...load,
    ...scaleLoad(load, SCALE[profile]),
    ...overrides,
  });
  if (!scaled.success) {
    for (const issue of scaled.error.issues) {
      const path = ["load", ...issue.path as PropertyKey[]];
      report(
        path,
        `${describeZodIssue(issue, path)} (with --profile ${profile})`,
      );
    }
    return undefined;
  }
  return resolveLoad(scaled.data, report);
}

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

/**
 * `over` merged onto `base`, objects deeply and key by key; own keys only,
 * and every key written as data, so a `__proto__` key stays a key (for the
 * schema to refuse) instead of replacing the result's prototype.
 */
function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = Object.hasOwn(out, key) ? out[key] : undefined;
    Object.defineProperty(out, key, {
      value: isPlainObject(prior) && isPlainObject(value)
        ? deepMerge(prior, value)
        : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
