/**
 * Threshold syntax: metric names and bound strings such as `"<5ms"`,
 * `">95%"`, `">1000/s"`, `"<1KB"`. Parsed once when a scenario loads. A
 * bound that can never pass (`">150%"`, `"<0ns"`) is refused with why.
 * @module
 */
import { own, quote } from "../suggest.ts";

/** What a metric can measure, which decides the units its bounds may use. */
export const METRIC_KINDS = [
  "time",
  "percent",
  "rate",
  "bytes",
  "number",
] as const;
/** What a metric measures, which decides the units its bounds may use. */
export type MetricKind = typeof METRIC_KINDS[number];

/** A comparison in a bound. */
export type Comparator = "<" | "<=" | ">" | ">=";

/** One parsed bound; `value` is in base units (ms, fraction, /s, bytes). */
export interface Bound {
  comparator: Comparator;
  value: number;
  /** The bound as the user wrote it. */
  text: string;
}

/** Bound tiers, best first. */
export const BOUND_LEVELS = ["optimal", "warning", "critical"] as const;
/** A bound tier. */
export type BoundLevel = typeof BOUND_LEVELS[number];

/** A threshold after parsing: every tier filled (missing ones inherit). */
export interface Threshold {
  /** Metric name, e.g. `latency.p95`. */
  metric: string;
  /** What the metric measures. */
  kind: MetricKind;
  /** Met: grade A. */
  optimal: Bound;
  /** Met: grade B. */
  warning: Bound;
  /** Met: grade C or D; missed: F. */
  critical: Bound;
  /**
   * The line of the scenario file its metric is written on, when it came
   * from one, so reports can point at it.
   */
  line?: number;
}

const LATENCY_STATS = [
  "min",
  "mean",
  "stdev",
  "p50",
  "p90",
  "p95",
  "p99",
  "p99_9",
  "max",
] as const;

/** Per-op rates of outcomes (success_rate and one per failure outcome). */
export const RATE_METRICS = [
  "success_rate",
  "error_rate",
  "validation_rate",
  "conflict_rate",
  "busy_rate",
  "timeout_rate",
  "injected_rate",
  "unexpected_rate",
] as const;

const SCENARIO_ONLY: Record<string, MetricKind> = {
  "latency.p99_p50_ratio": "number",
  // Open model only: arrivals not started because max_in_flight ops ran.
  dropped: "number",
  dropped_rate: "percent",
  "memory.growth_per_1k_ops": "bytes",
  "memory.peak_rss": "bytes",
  "memory.peak_heap": "bytes",
  // The process under test, when the target started it (http: server).
  "server.rss.peak": "bytes",
  "server.cpu": "percent",
  "server.memory.growth_per_1k_ops": "bytes",
};

function opMetricKinds(): Record<string, MetricKind> {
  const kinds: Record<string, MetricKind> = { throughput: "rate" };
  for (const stat of LATENCY_STATS) kinds[`latency.${stat}`] = "time";
  // Open model only: from the actual start, beside latency from the intended.
  for (const stat of LATENCY_STATS) kinds[`service_time.${stat}`] = "time";
  for (const rate of RATE_METRICS) kinds[rate] = "percent";
  return kinds;
}

const PER_OP = opMetricKinds();

/**
 * What a `regression.*` metric may follow (graded only when `tensile run
 * --baseline FILE` gives a baseline): how much worse than the baseline, as
 * a fraction. Latency: HEAD/BASE − 1; throughput: 1 − HEAD/BASE; error
 * rate: HEAD − BASE.
 */
export const REGRESSION_METRICS = [
  "latency.p50",
  "latency.p90",
  "latency.p95",
  "latency.p99",
  "latency.p99_9",
  "latency.mean",
  "latency.max",
  "throughput",
  "error_rate",
] as const;

/** Every metric name a scenario may use, with `<op>` standing for an op. */
export const METRIC_NAMES: readonly string[] = [
  ...Object.keys(PER_OP),
  ...Object.keys(SCENARIO_ONLY),
  ...Object.keys(PER_OP).map((name) => `ops.<op>.${name}`),
  "counters.<name>",
  "counters.<name>.rate",
  ...REGRESSION_METRICS.map((name) => `regression.${name}`),
  ...REGRESSION_METRICS.map((name) => `regression.ops.<op>.${name}`),
];

/** Whether a metric compares against a baseline (`regression.*`). */
export function isRegressionMetric(metric: string): boolean {
  return metric.startsWith("regression.");
}

function regressionKind(metric: string): MetricKind | undefined {
  let rest = metric.slice(11);
  if (rest.startsWith("ops.")) {
    const dot = rest.indexOf(".", 4);
    if (dot <= 4) return undefined;
    rest = rest.slice(dot + 1);
  }
  return (REGRESSION_METRICS as readonly string[]).includes(rest)
    ? "percent"
    : undefined;
}

/** The kind of a metric, or undefined when the name is unknown. */
export function metricKind(metric: string): MetricKind | undefined {
  if (isRegressionMetric(metric)) return regressionKind(metric);
  if (metric.startsWith("counters.")) {
    const name = metricCounter(metric);
    if (!name) return undefined;
    return metric.endsWith(".rate") ? "percent" : "number";
  }
  if (metric.startsWith("ops.")) {
    const dot = metric.indexOf(".", 4);
    return dot > 4 ? own(PER_OP, metric.slice(dot + 1)) : undefined;
  }
  return own(PER_OP, metric) ?? own(SCENARIO_ONLY, metric);
}

/** The values a metric can take, and why, to refuse bounds it never meets. */
interface MetricRange {
  /** Smallest value the metric can take. */
  min: number;
  /** True when the metric is always above `min`, never equal to it. */
  above: boolean;
  /** Largest value, if there is one. */
  max?: number;
  /** Why, for a message: `latency is always above 0`. */
  why: string;
}

/** The range of a metric known to {@link metricKind}. */
function rangeOf(metric: string, kind: MetricKind): MetricRange {
  const name = metric.startsWith("ops.")
    ? metric.slice(metric.indexOf(".", 4) + 1)
    : metric;
  switch (kind) {
    case "time":
      // A latency is recorded as at least 1 ns; a spread can be 0.
      return name === "latency.stdev" || name === "service_time.stdev"
        ? { min: 0, above: false, why: "a latency spread cannot be below 0" }
        : { min: 0, above: true, why: "latency is always above 0" };
    case "percent":
      // A regression is a change: any size, better (below 0) or worse.
      if (isRegressionMetric(name)) {
        return {
          min: -Infinity,
          above: false,
          why: "a regression bound is a size of change, 0% or more",
        };
      }
      // A counter per op can pass 100% (3 retries per op is 300%).
      return name.startsWith("counters.")
        ? { min: 0, above: false, why: "a counter rate cannot be below 0%" }
        : name === "server.cpu" // 150% is one and a half cores busy
        ? { min: 0, above: false, why: "CPU use cannot be below 0%" }
        : {
          min: 0,
          above: false,
          max: 1,
          why: "a percentage is between 0% and 100%",
        };
    case "rate":
      return { min: 0, above: false, why: "throughput cannot be below 0" };
    case "bytes":
      // Heap growth can be negative, but bounds are written as sizes.
      return name === "memory.growth_per_1k_ops" ||
          name === "server.memory.growth_per_1k_ops"
        ? { min: -Infinity, above: false, why: "a size is 0 or more" }
        : { min: 0, above: true, why: "memory in use is always above 0" };
    case "number":
      return name === "latency.p99_p50_ratio"
        ? {
          min: 1,
          above: false,
          why: "the ratio is at least 1 (p99 is never below p50)",
        }
        : name === "dropped"
        ? { min: 0, above: false, why: "a count cannot be below 0" }
        : { min: 0, above: false, why: "a counter cannot be below 0" };
    default: {
      const never: never = kind;
      throw new TypeError(`Unknown metric kind "${never}"`);
    }
  }
}

/**
 * The target counter a metric names: `counters.busy_retries` and
 * `counters.busy_retries.rate` both name `busy_retries`.
 */
export function metricCounter(metric: string): string | undefined {
  if (!metric.startsWith("counters.")) return undefined;
  const name = metric.slice(9).replace(/\.rate$/, "");
  return /^[A-Za-z0-9_]+$/.test(name) ? name : undefined;
}

/** The op a per-op metric names (`ops.transfer.latency.p95` → `transfer`). */
export function metricOp(metric: string): string | undefined {
  if (metric.startsWith("regression.ops.")) return metricOp(metric.slice(11));
  if (!metric.startsWith("ops.")) return undefined;
  const dot = metric.indexOf(".", 4);
  return dot > 4 ? metric.slice(4, dot) : undefined;
}

const UNIT_FACTORS: Record<string, [MetricKind, number]> = {
  ns: ["time", 1 / 1e6],
  us: ["time", 1 / 1e3],
  "µs": ["time", 1 / 1e3], // U+00B5 MICRO SIGN
  "μs": ["time", 1 / 1e3], // U+03BC GREEK SMALL LETTER MU
  ms: ["time", 1],
  s: ["time", 1000],
  "%": ["percent", 1 / 100],
  "/s": ["rate", 1],
  B: ["bytes", 1],
  KB: ["bytes", 1024],
  MB: ["bytes", 1024 ** 2],
  GB: ["bytes", 1024 ** 3],
  KiB: ["bytes", 1024],
  MiB: ["bytes", 1024 ** 2],
  GiB: ["bytes", 1024 ** 3],
  x: ["number", 1],
  "": ["number", 1],
};

/** The units each kind of metric accepts, for messages. */
const UNITS: Record<MetricKind, string> = {
  time: "ns, us, ms or s",
  percent: "%",
  rate: "/s",
  bytes: "B, KB, MB or GB",
  number: "no unit",
};

/** A comparison, an optional sign (to say why a negative is refused), a number, a unit. */
const BOUND = /^\s*(<=|>=|<|>)\s*([-+]?)(\d+(?:\.\d+)?|\.\d+)\s*(\S*)\s*$/;

const EXAMPLES: Record<MetricKind, string> = {
  time: '"<5ms"',
  percent: '">95%"',
  rate: '">1000/s"',
  bytes: '"<1KB"',
  number: '"<3"',
};

/**
 * Parses one bound for a metric of the given kind.
 * @throws {SyntaxError} with a message saying what was expected
 */
export function parseBound(text: string, kind: MetricKind): Bound {
  const match = BOUND.exec(text);
  const shown = quote(text.trim());
  if (!match) {
    throw new SyntaxError(
      `Cannot parse bound ${shown}: expected a comparison (<, <=, > or >=), a number and a unit (${
        UNITS[kind]
      }), like ${EXAMPLES[kind]}`,
    );
  }
  const [, comparator, sign, number, unit] = match;
  if (/^[eE][-+]?\d/.test(unit)) {
    throw new SyntaxError(
      `Cannot parse bound ${shown}: write the number out, without an exponent, like ${
        EXAMPLES[kind]
      }`,
    );
  }
  const factor = own(UNIT_FACTORS, unit);
  if (!factor) {
    throw new SyntaxError(
      `Cannot parse bound ${shown}: unknown unit ${quote(unit)} (use ${
        UNITS[kind]
      }, like ${EXAMPLES[kind]})`,
    );
  }
  if (factor[0] !== kind && !(kind === "bytes" && unit === "")) {
    throw new SyntaxError(
      `Cannot use bound ${shown} here: this metric is a ${kind}, write it like ${
        EXAMPLES[kind]
      }`,
    );
  }
  // Divide for sub-unit factors so "800ns" is exactly 0.0008 ms.
  const value = factor[1] < 1
    ? Number(number) / Math.round(1 / factor[1])
    : Number(number) * factor[1];
  if (!Number.isFinite(value)) {
    throw new SyntaxError(`Cannot use bound ${shown}: the number is too large`);
  }
  return {
    comparator: comparator as Comparator,
    value: sign === "-" && value !== 0 ? -value : value,
    text: text.trim(),
  };
}

/**
 * Why a bound on `metric` is impossible (negative, a percentage over 100%,
 * or one no value of the metric can meet), or undefined when it can pass.
 * A bound that can never fail (`"<=100%"`) is allowed.
 */
function impossible(
  metric: string,
  kind: MetricKind,
  bound: Bound,
): string | undefined {
  const range = rangeOf(metric, kind);
  const { value } = bound;
  const shown = quote(bound.text);
  if (value < 0 || /^[<>=\s]*-/.test(bound.text)) {
    return `Cannot use bound ${shown}: ${range.why}`;
  }
  if (range.max !== undefined && value > range.max) {
    return `Cannot use bound ${shown}: ${range.why}`;
  }
  const never = (() => {
    switch (bound.comparator) {
      case "<":
        return value <= range.min;
      case "<=":
        return value < range.min || (value === range.min && range.above);
      case ">":
        return range.max !== undefined && value >= range.max;
      case ">=":
        return false;
      default: {
        const never: never = bound.comparator;
        throw new TypeError(`Unknown comparator "${never}"`);
      }
    }
  })();
  return never
    ? `Cannot use bound ${shown}: ${range.why}, so it can never pass`
    : undefined;
}

/** Raw bounds as written in a scenario. */
export interface ThresholdSpec {
  optimal?: string;
  warning?: string;
  critical?: string;
}

/** One problem of a threshold, and the tier it is in (if one tier). */
export interface ThresholdProblem {
  /** The tier whose bound is wrong; absent when the problem is the whole threshold's. */
  level?: BoundLevel;
  /** What is wrong, as a sentence starting with a capital. */
  message: string;
}

/** A threshold read: the threshold, or every problem it has. */
export type ThresholdReading =
  | { ok: true; threshold: Threshold }
  | { ok: false; problems: ThresholdProblem[] };

/**
 * Reads a threshold and reports every problem at once: an unknown metric,
 * each tier whose bound does not parse or can never pass, then tiers that
 * point different ways or are not nested. A missing tier takes the next
 * looser one (so a single bound means plain pass/fail).
 */
export function readThreshold(
  metric: string,
  spec: ThresholdSpec,
): ThresholdReading {
  const kind = metricKind(metric);
  if (!kind) {
    return {
      ok: false,
      problems: [{ message: `Unknown metric ${quote(metric)}` }],
    };
  }
  const problems: ThresholdProblem[] = [];
  const bounds: Partial<Record<BoundLevel, Bound>> = {};
  for (const level of BOUND_LEVELS) {
    const text = spec[level];
    if (text === undefined) continue;
    try {
      const bound = parseBound(text, kind);
      const why = impossible(metric, kind, bound);
      if (why) problems.push({ level, message: why });
      else bounds[level] = bound;
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      problems.push({ level, message: error.message });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const { optimal, warning, critical } = bounds;
  const loosest = critical ?? warning ?? optimal;
  const fail = (message: string): ThresholdReading => ({
    ok: false,
    problems: [{ message }],
  });
  if (!loosest) {
    return fail(
      `Threshold ${
        quote(metric)
      } has no bound: give optimal, warning or critical`,
    );
  }
  const given = [optimal, warning, critical].filter((b) => b !== undefined);
  const upward = (b: Bound) => b.comparator === ">" || b.comparator === ">=";
  if (isRegressionMetric(metric) && given.some(upward)) {
    return fail(
      `Cannot use a ">" bound in threshold ${
        quote(metric)
      }: a regression is bounded from above, like "<10%"`,
    );
  }
  if (given.some((b) => upward(b) !== upward(given[0]))) {
    return fail(
      `Cannot mix directions in threshold ${
        quote(metric)
      }: every bound must be "<" or every bound ">"`,
    );
  }
  // Each tier must be at least as loose as the one before it.
  for (let i = 1; i < given.length; i++) {
    const [tighter, looser] = [given[i - 1], given[i]];
    const nested = upward(looser)
      ? looser.value <= tighter.value
      : looser.value >= tighter.value;
    if (!nested) {
      return fail(
        `Cannot use bound ${quote(looser.text)} after ${
          quote(tighter.text)
        } in threshold ${
          quote(metric)
        }: optimal, warning and critical must go from tightest to loosest`,
      );
    }
  }
  return {
    ok: true,
    threshold: {
      metric,
      kind,
      optimal: optimal ?? warning ?? loosest,
      warning: warning ?? loosest,
      critical: loosest,
    },
  };
}

/**
 * Parses a threshold; a missing tier takes the next looser one (so a single
 * bound means plain pass/fail).
 * @throws {SyntaxError} for an unknown metric, a malformed bound or one that
 * can never pass (the first problem {@link readThreshold} finds)
 */
export function parseThreshold(
  metric: string,
  spec: ThresholdSpec,
): Threshold {
  const reading = readThreshold(metric, spec);
  if (!reading.ok) throw new SyntaxError(reading.problems[0].message);
  return reading.threshold;
}

/** Whether an actual value meets a bound. */
export function meets(actual: number, bound: Bound): boolean {
  switch (bound.comparator) {
    case "<":
      return actual < bound.value;
    case "<=":
      return actual <= bound.value;
    case ">":
      return actual > bound.value;
    case ">=":
      return actual >= bound.value;
    default: {
      const never: never = bound.comparator;
      throw new TypeError(`Unknown comparator "${never}"`);
    }
  }
}
