/**
 * The compare document (`tensile/compare@1`): BASE and HEAD artifacts paired
 * by scenario and op name, each metric judged regression, improvement,
 * within noise or unknown, with its effect (HEAD/BASE) and the test that
 * decided it. The numbers come from `stats/compare.ts`; printing is
 * `report/compare.ts`.
 * @module
 */
import { z } from "zod";
import {
  betterWhen,
  bootstrapRatios,
  CHANGES,
  classify,
  COMPARE_METRICS,
  type CompareMetric,
  decodeDistribution,
  type Distribution,
  mannWhitney,
  mergeDistributions,
  MIN_INTERVALS,
  type RatioInterval,
  ratioOf,
  type Sample,
  type SideFigures,
  sideFigures,
  smallestP,
} from "../stats/mod.ts";
import type { Measurements, OpMeasurement } from "../stats/mod.ts";
import { REGRESSION_METRICS } from "../grade/mod.ts";
import { VERSION } from "./build.ts";
import type { Artifact, ScenarioResult } from "./schema.ts";

/** Compare document identifier; bump on breaking change. */
export const COMPARE_SCHEMA = "tensile/compare@1";

/** The row of a scenario's ops taken together. */
export const ALL_OPS = "(all ops)";

const ratio = z.number().nullable();

/** One metric of one op, BASE against HEAD. */
export const MetricComparisonSchema = z.object({
  metric: z.enum(COMPARE_METRICS),
  /** Unit of `base` and `head`: ms, ops/s, a fraction, bytes per 1000 ops. */
  unit: z.enum(["ms", "/s", "fraction", "B/1k ops"]),
  better: z.enum(["lower", "higher"]),
  /** BASE's value over all its runs; null when it has none. */
  base: z.number().nullable(),
  head: z.number().nullable(),
  /**
   * HEAD/BASE; null when either is missing, or when BASE is 0 and HEAD is
   * not (see `note`).
   */
  ratio,
  /** The bootstrap's confidence interval of the ratio, when there is one. */
  ci: z.object({ low: ratio, high: ratio }).nullable(),
  /** The Mann–Whitney p-value across runs, when there is one. */
  p: z.number().nullable(),
  /** What decided `change`. */
  test: z.enum(["bootstrap", "mann-whitney", "none"]),
  change: z.enum(CHANGES),
  /** Why the test is what it is, in a sentence, when it needs saying. */
  note: z.string().optional(),
});
/** One metric of one op, BASE against HEAD. */
export type MetricComparison = z.infer<typeof MetricComparisonSchema>;

/** Every metric of one op (or of all of a scenario's ops). */
export const OpComparisonSchema = z.object({
  op: z.string(),
  /** Timeseries intervals per side with per-op data (0: none recorded). */
  intervals: z.object({ base: z.int().min(0), head: z.int().min(0) }),
  metrics: z.array(MetricComparisonSchema),
});
/** Every metric of one op. */
export type OpComparison = z.infer<typeof OpComparisonSchema>;

/** One scenario present on both sides. */
export const ScenarioComparisonSchema = z.object({
  name: z.string(),
  /** Runs (artifacts) per side holding this scenario. */
  runs: z.object({ base: z.int().min(0), head: z.int().min(0) }),
  /** All ops together first, then each op present on both sides. */
  ops: z.array(OpComparisonSchema),
  /** Ops only one side measured. */
  unmatched_ops: z.object({
    base: z.array(z.string()),
    head: z.array(z.string()),
  }),
  notes: z.array(z.string()),
});
/** One scenario present on both sides. */
export type ScenarioComparison = z.infer<typeof ScenarioComparisonSchema>;

const SideSchema = z.array(z.object({
  file: z.string(),
  started_at: z.string(),
  profile: z.string(),
  tool_version: z.string(),
}));

/** The whole comparison. */
export const CompareSchema = z.object({
  schema: z.literal(COMPARE_SCHEMA),
  tool: z.object({ name: z.literal("tensile"), version: z.string() }),
  base: SideSchema,
  head: SideSchema,
  settings: z.object({
    /** Significance level of every test. */
    alpha: z.number(),
    /** Smallest relative change that counts, as a fraction (0.05 = 5%). */
    noise: z.number(),
    resamples: z.int(),
    seed: z.int(),
    min_intervals: z.int(),
  }),
  /** How many metrics came out each way, over every op row. */
  summary: z.object({
    regression: z.int().min(0),
    improvement: z.int().min(0),
    "within noise": z.int().min(0),
    unknown: z.int().min(0),
  }),
  scenarios: z.array(ScenarioComparisonSchema),
  /** Scenarios only one side ran. */
  unmatched_scenarios: z.object({
    base: z.array(z.string()),
    head: z.array(z.string()),
  }),
});
/** The whole comparison. */
export type Compare = z.infer<typeof CompareSchema>;

/** The JSON Schema of compare documents. */
export function compareJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CompareSchema, { io: "output" }),
    $id: "https://tensile.dev/schema/compare.schema.json",
    title: "tensile compare document (tensile/compare@1)",
  };
}

/** An artifact and the file it was read from. */
export interface NamedArtifact {
  file: string;
  artifact: Artifact;
}

/** How to compare; every field has a default. */
export interface CompareOptions {
  /** Significance level; default 0.05. */
  alpha?: number;
  /** Smallest relative change that counts; default 0.05 (5%). */
  noise?: number;
  /** Bootstrap resamples; default 1000. */
  resamples?: number;
  /** Bootstrap seed; default 1. */
  seed?: number;
}

/** Pairs BASE and HEAD artifacts by scenario and op, and judges each metric. */
export function compareArtifacts(
  base: readonly NamedArtifact[],
  head: readonly NamedArtifact[],
  options: CompareOptions = {},
): Compare {
  const settings = {
    alpha: options.alpha ?? 0.05,
    noise: options.noise ?? 0.05,
    resamples: options.resamples ?? 1000,
    seed: options.seed ?? 1,
    min_intervals: MIN_INTERVALS,
  };
  const baseBy = byScenario(base);
  const headBy = byScenario(head);
  const scenarios = [...baseBy.keys()].filter((name) => headBy.has(name)).map(
    (name, k) =>
      compareScenario(name, baseBy.get(name)!, headBy.get(name)!, {
        ...settings,
        seed: settings.seed + 1009 * k,
      }),
  );
  const summary = {
    regression: 0,
    improvement: 0,
    "within noise": 0,
    unknown: 0,
  };
  for (const scenario of scenarios) {
    for (const op of scenario.ops) {
      for (const metric of op.metrics) summary[metric.change]++;
    }
  }
  return {
    schema: COMPARE_SCHEMA,
    tool: { name: "tensile", version: VERSION },
    base: base.map(sideEntry),
    head: head.map(sideEntry),
    settings,
    summary,
    scenarios,
    unmatched_scenarios: {
      base: [...baseBy.keys()].filter((name) => !headBy.has(name)),
      head: [...headBy.keys()].filter((name) => !baseBy.has(name)),
    },
  };
}

/** Whether a comparison found any regression. */
export function hasRegression(compare: Compare): boolean {
  return compare.summary.regression > 0;
}

function sideEntry({ file, artifact }: NamedArtifact) {
  return {
    file,
    started_at: artifact.started_at,
    profile: artifact.profile,
    tool_version: artifact.tool.version,
  };
}

/** Each scenario name's results over a side's artifacts, in first-seen order. */
function byScenario(
  side: readonly NamedArtifact[],
): Map<string, ScenarioResult[]> {
  const map = new Map<string, ScenarioResult[]>();
  for (const { artifact } of side) {
    for (const scenario of artifact.scenarios) {
      if (scenario.measurements.total === 0) continue;
      map.set(scenario.name, [...map.get(scenario.name) ?? [], scenario]);
    }
  }
  return map;
}

type Settings = Compare["settings"];

function compareScenario(
  name: string,
  base: ScenarioResult[],
  head: ScenarioResult[],
  settings: Settings,
): ScenarioComparison {
  const notes: string[] = [];
  const profiles = (
    side: ScenarioResult[],
  ) => [...new Set(side.map((s) => s.profile))];
  const [bp, hp] = [profiles(base), profiles(head)];
  if (bp.join() !== hp.join()) {
    notes.push(
      `BASE ran profile ${bp.join(", ")}, HEAD ${
        hp.join(", ")
      }: the load differs`,
    );
  }
  const opNames = (side: ScenarioResult[]) => [
    ...new Set(side.flatMap((s) => Object.keys(s.measurements.ops))),
  ];
  const [bo, ho] = [opNames(base), opNames(head)];
  const shared = bo.filter((op) => ho.includes(op));
  // One op on both sides: its row is the scenario's, under its own name.
  const single = bo.length === 1 && ho.length === 1 && shared.length === 1;
  const rows = [
    {
      ...compareOp(ALL_OPS, base, head, settings, true),
      ...(single ? { op: shared[0] } : {}),
    },
    ...(single ? [] : shared).map((op, k) =>
      compareOp(
        op,
        base,
        head,
        { ...settings, seed: settings.seed + k + 1 },
        false,
      )
    ),
  ];
  const missing = rows[0].intervals.base === 0 || rows[0].intervals.head === 0;
  if (missing) {
    notes.push(
      "no per-interval data on one side (an artifact from before 0.2): ratio only, significance unknown",
    );
  }
  return {
    name,
    runs: { base: base.length, head: head.length },
    ops: rows,
    unmatched_ops: {
      base: bo.filter((op) => !ho.includes(op)),
      head: ho.filter((op) => !bo.includes(op)),
    },
    notes,
  };
}

/** One run's op (or the scenario's all-ops figures), as one pooled sample. */
function runSample(
  measurements: Measurements,
  op: OpMeasurement | undefined,
): Sample | undefined {
  if (!op) return undefined;
  return {
    ops: op.total,
    errors: op.total - op.outcomes.ok,
    seconds: measurements.duration_s,
    ...(op.latency.count > 0
      ? { latency: decodeDistribution(op.histogram) }
      : {}),
  };
}

/** A run's intervals for one op (or all ops), or undefined without by_op. */
function intervalSamples(
  measurements: Measurements,
  op: string | undefined,
): Sample[] | undefined {
  const series = measurements.timeseries;
  if (series.length === 0 || series.some((i) => i.by_op === undefined)) {
    return undefined;
  }
  let previous = 0;
  return series.map((interval) => {
    const seconds = Math.max(0, interval.t - previous);
    previous = interval.t;
    const entries = Object.entries(interval.by_op!).filter(([name]) =>
      op === undefined || name === op
    );
    const parts: Distribution[] = entries.flatMap(([, e]) =>
      e.histogram ? [decodeDistribution(e.histogram)] : []
    );
    return {
      ops: entries.reduce((s, [, e]) => s + e.ops, 0),
      errors: entries.reduce((s, [, e]) => s + e.errors, 0),
      seconds,
      ...(parts.length > 0 ? { latency: mergeDistributions(parts) } : {}),
    };
  });
}

/** Figures of a metric from a side's figures, in the unit it reports. */
function figure(
  metric: CompareMetric,
  figures: SideFigures,
): number | undefined {
  const index = COMPARE_METRICS.indexOf(metric);
  const value = index < 4
    ? figures.latency[index]
    : metric === "throughput"
    ? figures.throughput
    : metric === "error_rate"
    ? figures.error_rate
    : undefined;
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

const UNITS: Record<CompareMetric, MetricComparison["unit"]> = {
  "latency.p50": "ms",
  "latency.p90": "ms",
  "latency.p99": "ms",
  "latency.p99_9": "ms",
  throughput: "/s",
  error_rate: "fraction",
  "memory.growth_per_1k_ops": "B/1k ops",
};

function compareOp(
  name: string,
  base: ScenarioResult[],
  head: ScenarioResult[],
  settings: Settings,
  all: boolean,
): OpComparison {
  const opOf = (s: ScenarioResult) =>
    all
      ? s.measurements
      : Object.hasOwn(s.measurements.ops, name)
      ? s.measurements.ops[name]
      : undefined;
  const runs = (side: ScenarioResult[]) =>
    side.flatMap((s) => {
      const sample = runSample(s.measurements, opOf(s));
      return sample ? [{ scenario: s, sample }] : [];
    });
  const [baseRuns, headRuns] = [runs(base), runs(head)];
  const pooled = (side: typeof baseRuns) =>
    sideFigures(side.map((r) => r.sample));
  const perRun = (side: typeof baseRuns) =>
    side.map((r) => sideFigures([r.sample]));
  const intervals = (side: typeof baseRuns) => {
    const lists = side.map((r) =>
      intervalSamples(r.scenario.measurements, all ? undefined : name)
    );
    return lists.some((l) => l === undefined) ? [] : lists.flat() as Sample[];
  };
  const [bi, hi] = [intervals(baseRuns), intervals(headRuns)];
  const cis = bootstrapRatios(bi, hi, settings);
  const [bp, hp] = [pooled(baseRuns), pooled(headRuns)];
  const [br, hr] = [perRun(baseRuns), perRun(headRuns)];
  const metrics = COMPARE_METRICS.flatMap((metric) => {
    if (metric === "memory.growth_per_1k_ops") {
      if (!all) return [];
      const growth = (side: ScenarioResult[]) =>
        side.map((s) => s.measurements.memory.growth_per_1k_ops);
      return [judge(metric, growth(base), growth(head), undefined, settings, {
        bi: 0,
        hi: 0,
      })];
    }
    const values = (figures: SideFigures[]) =>
      figures.flatMap((f) => {
        const v = figure(metric, f);
        return v === undefined ? [] : [v];
      });
    const point = (f: SideFigures) => figure(metric, f);
    return [judge(
      metric,
      values(br),
      values(hr),
      cis?.[metric],
      settings,
      { bi: bi.length, hi: hi.length, base: point(bp), head: point(hp) },
    )];
  });
  return {
    op: name,
    intervals: { base: bi.length, head: hi.length },
    metrics,
  };
}

/** Judges one metric from per-run values, pooled values and the bootstrap. */
function judge(
  metric: CompareMetric,
  baseRuns: number[],
  headRuns: number[],
  ci: RatioInterval | undefined,
  settings: Settings,
  facts: { bi: number; hi: number; base?: number; head?: number },
): MetricComparison {
  const better = betterWhen(metric);
  const mean = (xs: number[]) =>
    xs.length === 0 ? undefined : xs.reduce((s, x) => s + x, 0) / xs.length;
  const memory = metric === "memory.growth_per_1k_ops";
  const base = memory ? mean(baseRuns) : facts.base;
  const head = memory ? mean(headRuns) : facts.head;
  // Heap that shrank did not grow: negative growth counts as none.
  const r = base === undefined || head === undefined
    ? NaN
    : memory
    ? ratioOf(Math.max(0, head), Math.max(0, base))
    : ratioOf(head, base);
  const out = {
    metric,
    unit: UNITS[metric],
    better,
    base: base ?? null,
    head: head ?? null,
    ratio: Number.isFinite(r) ? r : null,
    ci: null as MetricComparison["ci"],
    p: null as number | null,
  };
  const notes: string[] = [];
  if (r === Infinity) notes.push("BASE was 0");
  if (Number.isNaN(r)) {
    return {
      ...out,
      test: "none",
      change: "unknown",
      note: "no value on one side",
    };
  }
  const [n1, n2] = [baseRuns.length, headRuns.length];
  let significant: boolean | undefined;
  let test: MetricComparison["test"] = "none";
  if (n1 >= 2 && n2 >= 2) {
    const floor = smallestP(n1, n2);
    if (floor >= settings.alpha) {
      notes.push(
        `${n1} vs ${n2} runs are too few for significance across runs (the smallest possible p is ${
          round(floor, 3)
        }, not below α = ${settings.alpha})`,
      );
    } else {
      const test_ = mannWhitney(baseRuns, headRuns);
      out.p = test_.p;
      significant = test_.p < settings.alpha;
      test = "mann-whitney";
    }
  }
  if (ci) {
    out.ci = {
      low: Number.isFinite(ci.low) ? ci.low : null,
      high: Number.isFinite(ci.high) ? ci.high : null,
    };
    if (significant === undefined) {
      significant = ci.low > 1 || ci.high < 1;
      test = "bootstrap";
    }
  } else if (!memory && test === "none") {
    notes.push(
      facts.bi === 0 || facts.hi === 0
        ? "no per-interval data: ratio only, significance unknown"
        : `${facts.bi} vs ${facts.hi} intervals, fewer than ${MIN_INTERVALS} a side: ratio only, significance unknown`,
    );
  } else if (memory && test === "none") {
    notes.push(
      "one value per run: needs several runs a side for significance",
    );
  }
  const change = classify({
    ratio: r,
    better,
    noise: settings.noise,
    significant,
  });
  return {
    ...out,
    test,
    change,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * How much worse HEAD is than BASE, by `regression.*` metric name, from
 * the two runs' summaries (point estimates, no test): for latency HEAD/BASE
 * − 1, for throughput 1 − HEAD/BASE (both fractions, negative when better),
 * for error rate HEAD − BASE (a difference of fractions). For the scenario
 * (`regression.latency.p99`) and each op both ran
 * (`regression.ops.<op>.latency.p99`); a metric without a value on both
 * sides is left out.
 */
export function regressionValues(
  base: Pick<ScenarioResult, "measurements">,
  head: Pick<ScenarioResult, "measurements">,
): Record<string, number> {
  const values: Record<string, number> = {};
  const add = (prefix: string, b: OpMeasurement, h: OpMeasurement) => {
    for (const metric of REGRESSION_METRICS) {
      const value = worseBy(metric, b, h);
      if (value !== undefined && Number.isFinite(value)) {
        Object.defineProperty(values, `${prefix}${metric}`, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  };
  add("regression.", base.measurements, head.measurements);
  for (const [op, h] of Object.entries(head.measurements.ops)) {
    if (!Object.hasOwn(base.measurements.ops, op)) continue;
    add(`regression.ops.${op}.`, base.measurements.ops[op], h);
  }
  return values;
}

function worseBy(
  metric: typeof REGRESSION_METRICS[number],
  base: OpMeasurement,
  head: OpMeasurement,
): number | undefined {
  if (metric === "throughput") {
    return base.throughput > 0
      ? 1 - head.throughput / base.throughput
      : undefined;
  }
  if (metric === "error_rate") {
    if (base.total === 0 || head.total === 0) return undefined;
    return (head.total - head.outcomes.ok) / head.total -
      (base.total - base.outcomes.ok) / base.total;
  }
  if (base.latency.count === 0 || head.latency.count === 0) return undefined;
  const stat = metric.slice(8) as keyof OpMeasurement["latency"];
  const b = base.latency[stat];
  return b > 0 ? head.latency[stat] / b - 1 : undefined;
}
