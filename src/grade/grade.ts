/**
 * Turns measurements, thresholds and invariant results into a grade (A+..F),
 * a verdict and the reasons, so a user always sees why.
 * @module
 */
import { z } from "zod";
import type { Measurements, OpMeasurement } from "../stats/mod.ts";
import type { InvariantResult } from "../target.ts";
import {
  type Bound,
  BOUND_LEVELS,
  isRegressionMetric,
  meets,
  METRIC_KINDS,
  metricCounter,
  RATE_METRICS,
  type Threshold,
} from "./thresholds.ts";

/** A threshold's outcome, best first: the best tier met, or `failed`. */
export const LEVELS = [...BOUND_LEVELS, "failed"] as const;
/** A threshold's outcome: the best tier met, or `failed`. */
export type Level = typeof LEVELS[number];

/** Letter grades, best first. */
export const GRADES = [
  "A+",
  "A",
  "A-",
  "B+",
  "B",
  "B-",
  "C+",
  "C",
  "C-",
  "D+",
  "D",
  "D-",
  "F",
] as const;
/** A letter grade. */
export type Grade = typeof GRADES[number];

/**
 * What a result means for a release, best first. The first three follow the
 * grade; the others say there is no verdict yet: a run still going, one
 * stopped before every scenario finished, or one that measured nothing.
 */
export const VERDICTS = [
  "PRODUCTION READY",
  "NEEDS ATTENTION",
  "FAILING",
  "IN PROGRESS",
  "INTERRUPTED",
  "NO MEASUREMENT",
] as const;
/** What a grade means for a release. */
export type Verdict = typeof VERDICTS[number];

/**
 * One threshold checked against the measured value, as the artifact records
 * it. `actual` is in base units (ms, fraction, /s, bytes), null when not
 * measurable.
 */
export const ThresholdResultSchema = z.object({
  metric: z.string(),
  kind: z.enum(METRIC_KINDS),
  actual: z.number().nullable(),
  optimal: z.string(),
  warning: z.string(),
  critical: z.string(),
  level: z.enum(LEVELS),
  grade: z.enum(GRADES),
  /**
   * The line of the scenario file the threshold is written on (absent in
   * artifacts before 0.2, and for thresholds not read from a file).
   */
  line: z.int().min(1).optional(),
});
/** One threshold checked against the measured value. */
export type ThresholdResult = z.infer<typeof ThresholdResultSchema>;

/** The graded outcome of one scenario. */
export interface GradeResult {
  /** The worst threshold grade, or F for a broken invariant. */
  grade: Grade;
  /** What the grade means for a release. */
  verdict: Verdict;
  /** Why the grade is not A+, one line each. */
  reasons: string[];
  /** Every threshold, checked. */
  thresholds: ThresholdResult[];
  /**
   * Thresholds not graded and why: `regression.*` without a baseline
   * value (no `--baseline`, or the baseline lacks the scenario or op).
   */
  skipped?: string[];
}

/** Reads a metric from measurements; undefined when it has no value. */
export function metricValue(
  measured: Measurements,
  metric: string,
): number | undefined {
  // Op and counter names are the user's: own keys only, never a name of
  // Object.prototype such as `constructor`.
  if (metric.startsWith("ops.")) {
    const dot = metric.indexOf(".", 4);
    const name = metric.slice(4, dot);
    const op = Object.hasOwn(measured.ops, name)
      ? measured.ops[name]
      : undefined;
    return op ? opMetric(op, metric.slice(dot + 1)) : undefined;
  }
  const counter = metricCounter(metric);
  if (counter !== undefined) {
    // A declared counter that never moved was simply not reported.
    const value = Object.hasOwn(measured.counters, counter)
      ? measured.counters[counter]
      : 0;
    if (!metric.endsWith(".rate")) return value;
    return measured.total > 0 ? value / measured.total : undefined;
  }
  switch (metric) {
    case "dropped":
      return measured.dropped;
    case "dropped_rate":
      // Of every arrival due: those started (total) and those dropped.
      return measured.dropped === undefined
        ? undefined
        : measured.dropped / Math.max(1, measured.total + measured.dropped);
    case "latency.p99_p50_ratio":
      return measured.latency.count > 0 && measured.latency.p50 > 0
        ? measured.latency.p99 / measured.latency.p50
        : undefined;
    case "memory.growth_per_1k_ops":
      return measured.memory.growth_per_1k_ops;
    case "memory.peak_rss":
      return measured.memory.rss_peak;
    case "memory.peak_heap":
      return measured.memory.heap_peak;
    case "server.rss.peak":
      return measured.server?.rss_peak;
    case "server.cpu":
      return measured.server?.cpu;
    case "server.memory.growth_per_1k_ops":
      return measured.server?.growth_per_1k_ops;
    default:
      return opMetric(measured, metric);
  }
}

function opMetric(op: OpMeasurement, metric: string): number | undefined {
  if (metric.startsWith("service_time.")) {
    // Open model only; a closed-model run has no value to grade.
    const service = op.service_time;
    if (!service || service.count === 0) return undefined;
    const stat = metric.slice(13);
    return Object.hasOwn(service, stat)
      ? service[stat as keyof OpMeasurement["latency"]]
      : undefined;
  }
  if (metric.startsWith("latency.")) {
    // Injected faults count as ops but record no latency.
    if (op.latency.count === 0) return undefined;
    const stat = metric.slice(8);
    return Object.hasOwn(op.latency, stat)
      ? op.latency[stat as keyof OpMeasurement["latency"]]
      : undefined;
  }
  if (metric === "throughput") return op.throughput;
  if (op.total === 0) return undefined;
  const { outcomes } = op;
  const share = (n: number) => n / op.total;
  switch (metric) {
    case "success_rate":
      return share(outcomes.ok);
    case "error_rate":
      return share(op.total - outcomes.ok);
    case "unexpected_rate":
      return share(outcomes.error);
    case "validation_rate":
    case "conflict_rate":
    case "busy_rate":
    case "timeout_rate":
    case "injected_rate":
      return share(outcomes[metric.slice(0, -5) as keyof typeof outcomes]);
    default:
      return undefined;
  }
}

/** How far past a bound a value is: < 1 inside, 1 on it, > 1 outside. */
function badness(actual: number, bound: Bound): number {
  const lowerIsBetter = bound.comparator === "<" ||
    bound.comparator === "<=";
  if (lowerIsBetter) {
    return bound.value === 0 ? (actual === 0 ? 0 : Infinity) : actual /
      bound.value;
  }
  return actual === 0 ? Infinity : bound.value / actual;
}

/** Position of a value between a better and a worse bound, 0..1. */
function positionInBand(actual: number, better: Bound, worse: Bound): number {
  const a = badness(actual, better);
  const b = badness(worse.value, better);
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 1) return 1;
  const p = Math.log(a) / Math.log(b);
  return Math.min(1, Math.max(0, p));
}

/**
 * A ">" bound on a percentage is judged by what is left to fail: 100%
 * success against ">99%" is a wide margin (0 of 1% allowed), not a thin one.
 */
function complement(bound: Bound): Bound {
  const flipped = { ">": "<", ">=": "<=", "<": ">", "<=": ">=" } as const;
  return {
    ...bound,
    comparator: flipped[bound.comparator],
    value: 1 - bound.value,
  };
}

/** Checks one threshold and grades it, with +/− from the margin. */
export function checkThreshold(
  threshold: Threshold,
  measuredValue: number | undefined,
): ThresholdResult {
  const inverted = threshold.kind === "percent" &&
    (threshold.critical.comparator === ">" ||
      threshold.critical.comparator === ">=");
  const shift = (bound: Bound) => inverted ? complement(bound) : bound;
  const optimal = shift(threshold.optimal);
  const warning = shift(threshold.warning);
  const critical = shift(threshold.critical);
  const actual = inverted && measuredValue !== undefined
    ? 1 - measuredValue
    : measuredValue;
  return {
    metric: threshold.metric,
    actual: measuredValue ?? null,
    optimal: optimal.text,
    warning: warning.text,
    critical: critical.text,
    ...tierOf(actual, { optimal, warning, critical }),
    kind: threshold.kind,
    ...(threshold.line === undefined ? {} : { line: threshold.line }),
  };
}

/** The tier a value meets and its grade, +/− from the margin. */
function tierOf(
  actual: number | undefined,
  tiers: Pick<Threshold, "optimal" | "warning" | "critical">,
): Pick<ThresholdResult, "level" | "grade"> {
  const { optimal, warning, critical } = tiers;
  if (actual === undefined || Number.isNaN(actual)) {
    return { level: "failed", grade: "F" };
  }
  if (meets(actual, optimal)) {
    const r = badness(actual, optimal);
    return { level: "optimal", grade: r <= 0.5 ? "A+" : r > 0.9 ? "A-" : "A" };
  }
  if (meets(actual, warning)) {
    const p = positionInBand(actual, optimal, warning);
    return {
      level: "warning",
      grade: p < 1 / 3 ? "B+" : p < 2 / 3 ? "B" : "B-",
    };
  }
  if (meets(actual, critical)) {
    const p = positionInBand(actual, warning, critical);
    const grades: Grade[] = ["C+", "C", "C-", "D+", "D", "D-"];
    return {
      level: "critical",
      grade: grades[Math.min(5, Math.floor(p * 6))],
    };
  }
  return { level: "failed", grade: "F" };
}

/** The worse of two grades. */
export function worseGrade(a: Grade, b: Grade): Grade {
  return GRADES.indexOf(a) >= GRADES.indexOf(b) ? a : b;
}

/** The verdict a grade carries. */
export function verdictOf(grade: Grade): Verdict {
  if (grade.startsWith("A") || grade.startsWith("B")) return "PRODUCTION READY";
  if (grade === "F") return "FAILING";
  return "NEEDS ATTENTION";
}

/**
 * The bound an open-model scenario gets on `dropped_rate` when it sets no
 * threshold on drops of its own: above 0.1% of arrivals dropped fails, since
 * the load it asked for was not the load it put on the target.
 */
export const DEFAULT_DROPPED_RATE: Threshold = {
  metric: "dropped_rate",
  kind: "percent",
  optimal: { comparator: "<=", value: 0.001, text: "<=0.1%" },
  warning: { comparator: "<=", value: 0.001, text: "<=0.1%" },
  critical: { comparator: "<=", value: 0.001, text: "<=0.1%" },
};

/** Grades one scenario: the worst threshold decides; a broken invariant is F. */
export function gradeScenario(
  measured: Measurements,
  checks: {
    thresholds: Threshold[];
    invariants: InvariantResult[];
    /**
     * `regression.*` values against a baseline, by metric name; without
     * it every `regression.*` threshold is skipped with a note.
     */
    regression?: Record<string, number>;
    /** Why there are no regression values, for the note. */
    noBaseline?: string;
  },
): GradeResult {
  const skipped: string[] = [];
  const regression = checks.regression;
  const declared = checks.thresholds.filter((t) => {
    if (!isRegressionMetric(t.metric)) return true;
    if (regression && Object.hasOwn(regression, t.metric)) return true;
    skipped.push(
      `${t.metric} not graded: ${
        regression
          ? "the baseline has no value to compare with"
          : checks.noBaseline ?? "no baseline (run with --baseline FILE)"
      }`,
    );
    return false;
  });
  const implicit = measured.dropped !== undefined &&
    !declared.some((t) =>
      t.metric === "dropped" || t.metric === "dropped_rate"
    );
  const thresholds = [
    ...declared,
    ...(implicit ? [DEFAULT_DROPPED_RATE] : []),
  ].map((threshold) =>
    checkThreshold(
      threshold,
      isRegressionMetric(threshold.metric)
        ? regression![threshold.metric]
        : metricValue(measured, threshold.metric),
    )
  );
  let grade: Grade = "A+";
  const reasons: string[] = [];
  for (const result of thresholds) {
    grade = worseGrade(grade, result.grade);
    if (result.level === "optimal") continue;
    if (implicit && result.metric === "dropped_rate") {
      reasons.push(
        `dropped_rate ${
          round(result.actual! * 100, 2)
        }% missed critical <=0.1% (the default for arrival-rate executors): ${measured.dropped} arrivals found max_in_flight ops running and were not started, so the target saw less load than asked; raise max_in_flight or workers, or declare a dropped_rate threshold`,
      );
    } else reasons.push(describeMiss(result));
  }
  for (const invariant of checks.invariants) {
    if (!invariant.ok) {
      grade = "F";
      reasons.push(`invariant ${invariant.name} broken: ${invariant.detail}`);
    }
  }
  // Without a bound on outcomes, a run where every op failed would grade on
  // latency alone, or pass with no thresholds at all: it fails instead.
  const boundsOutcomes = declared.some((t) =>
    RATE_METRICS.some((rate) =>
      t.metric === rate || t.metric.endsWith(`.${rate}`)
    )
  );
  if (!boundsOutcomes && measured.total > 0 && measured.outcomes.ok === 0) {
    grade = "F";
    reasons.push(
      `no op succeeded: all ${measured.total} failed (${
        failedOutcomes(measured)
      }); declare a success_rate threshold to grade partial failure`,
    );
  }
  if (checks.thresholds.length === 0) {
    reasons.push("no thresholds declared: only invariants were graded");
  }
  return {
    grade,
    verdict: verdictOf(grade),
    reasons,
    thresholds,
    ...(skipped.length > 0 ? { skipped } : {}),
  };
}

/** "20 error, 3 timeout": the outcomes that were seen, most first. */
function failedOutcomes(measured: Measurements): string {
  return Object.entries(measured.outcomes)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(", ");
}

function describeMiss(result: ThresholdResult): string {
  if (result.actual === null) {
    return `${result.metric} has no value (no op of that kind was measured)`;
  }
  switch (result.level) {
    case "warning":
      return `${result.metric} missed optimal ${result.optimal}, met warning ${result.warning}`;
    case "critical":
      return `${result.metric} missed warning ${result.warning}, met critical ${result.critical}`;
    case "failed":
      return `${result.metric} missed critical ${result.critical}`;
    case "optimal":
      return `${result.metric} met optimal ${result.optimal}`;
    default: {
      const never: never = result.level;
      return never;
    }
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The suite's grade: the worst scenario's. */
export function overallGrade(grades: readonly Grade[]): Grade {
  return grades.reduce<Grade>((worst, g) => worseGrade(worst, g), "A+");
}
