/**
 * Threshold syntax: metric names and bound strings such as `"<5ms"`,
 * `">95%"`, `">1000/s"`, `"<1KB"`. Parsed once when a scenario loads.
 * @module
 */

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

const RATE_METRICS = [
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
  "memory.growth_per_1k_ops": "bytes",
  "memory.peak_rss": "bytes",
  "memory.peak_heap": "bytes",
};

function opMetricKinds(): Record<string, MetricKind> {
  const kinds: Record<string, MetricKind> = { throughput: "rate" };
  for (const stat of LATENCY_STATS) kinds[`latency.${stat}`] = "time";
  for (const rate of RATE_METRICS) kinds[rate] = "percent";
  return kinds;
}

const PER_OP = opMetricKinds();

/** Every metric name a scenario may use, with `<op>` standing for an op. */
export const METRIC_NAMES: readonly string[] = [
  ...Object.keys(PER_OP),
  ...Object.keys(SCENARIO_ONLY),
  ...Object.keys(PER_OP).map((name) => `ops.<op>.${name}`),
  "counters.<name>",
  "counters.<name>.rate",
];

/** The kind of a metric, or undefined when the name is unknown. */
export function metricKind(metric: string): MetricKind | undefined {
  if (metric.startsWith("counters.")) {
    const name = metricCounter(metric);
    if (!name) return undefined;
    return metric.endsWith(".rate") ? "percent" : "number";
  }
  if (metric.startsWith("ops.")) {
    const dot = metric.indexOf(".", 4);
    return dot > 4 ? PER_OP[metric.slice(dot + 1)] : undefined;
  }
  return PER_OP[metric] ?? SCENARIO_ONLY[metric];
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
  if (!metric.startsWith("ops.")) return undefined;
  const dot = metric.indexOf(".", 4);
  return dot > 4 ? metric.slice(4, dot) : undefined;
}

const UNIT_FACTORS: Record<string, [MetricKind, number]> = {
  ns: ["time", 1 / 1e6],
  us: ["time", 1 / 1e3],
  "µs": ["time", 1 / 1e3],
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

const BOUND = /^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?|\.\d+)\s*(\S*)\s*$/;

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
  if (!match) {
    throw new SyntaxError(
      `Cannot parse bound "${text}": expected a comparison, a number and a unit, like ${
        EXAMPLES[kind]
      }`,
    );
  }
  const [, comparator, number, unit] = match;
  const factor = UNIT_FACTORS[unit];
  if (!factor) {
    throw new SyntaxError(
      `Cannot parse bound "${text}": unknown unit "${unit}" (use ns, us, ms, s, %, /s, B, KB, MB or GB)`,
    );
  }
  if (factor[0] !== kind && !(kind === "bytes" && unit === "")) {
    throw new SyntaxError(
      `Cannot use bound "${text}" here: this metric is a ${kind}, write it like ${
        EXAMPLES[kind]
      }`,
    );
  }
  return {
    comparator: comparator as Comparator,
    // Divide for sub-unit factors so "800ns" is exactly 0.0008 ms.
    value: factor[1] < 1
      ? Number(number) / Math.round(1 / factor[1])
      : Number(number) * factor[1],
    text: text.trim(),
  };
}

/** Raw bounds as written in a scenario. */
export interface ThresholdSpec {
  optimal?: string;
  warning?: string;
  critical?: string;
}

/**
 * Parses a threshold; a missing tier takes the next looser one (so a single
 * bound means plain pass/fail).
 * @throws {SyntaxError} for an unknown metric or a malformed bound
 */
export function parseThreshold(
  metric: string,
  spec: ThresholdSpec,
): Threshold {
  const kind = metricKind(metric);
  if (!kind) throw new SyntaxError(`Unknown metric "${metric}"`);
  const parse = (text: string | undefined) =>
    text === undefined ? undefined : parseBound(text, kind);
  const optimal = parse(spec.optimal);
  const warning = parse(spec.warning);
  const critical = parse(spec.critical);
  const loosest = critical ?? warning ?? optimal;
  if (!loosest) {
    throw new SyntaxError(
      `Threshold "${metric}" has no bound: give optimal, warning or critical`,
    );
  }
  const given = [optimal, warning, critical].filter((b) => b !== undefined);
  const upward = (b: Bound) => b.comparator === ">" || b.comparator === ">=";
  if (given.some((b) => upward(b) !== upward(given[0]))) {
    throw new SyntaxError(
      `Cannot mix directions in threshold "${metric}": every bound must be "<" or every bound ">"`,
    );
  }
  // Each tier must be at least as loose as the one before it.
  for (let i = 1; i < given.length; i++) {
    const [tighter, looser] = [given[i - 1], given[i]];
    const nested = upward(looser)
      ? looser.value <= tighter.value
      : looser.value >= tighter.value;
    if (!nested) {
      throw new SyntaxError(
        `Cannot use bound "${looser.text}" after "${tighter.text}" in threshold "${metric}": optimal, warning and critical must go from tightest to loosest`,
      );
    }
  }
  return {
    metric,
    kind,
    optimal: optimal ?? warning ?? loosest,
    warning: warning ?? loosest,
    critical: loosest,
  };
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
