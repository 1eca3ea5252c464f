/**
 * The numbers behind `tensile compare`: a percentile bootstrap of the
 * HEAD/BASE ratio that resamples timeseries intervals (each with its own
 * latency histogram), a Mann–Whitney U test across runs, and the rule that
 * turns an effect and its uncertainty into regression, improvement or
 * within noise. Pure functions of plain data; the randomness is seeded, so
 * one input always gives one answer.
 * @module
 */
import * as hdr from "hdr-histogram-js";

/** The latency percentiles compare reports, as metric name and percent. */
export const COMPARE_PERCENTILES = [
  ["latency.p50", 50],
  ["latency.p90", 90],
  ["latency.p99", 99],
  ["latency.p99_9", 99.9],
] as const;

/** Every metric compare judges, in the order it reports them. */
export const COMPARE_METRICS = [
  ...COMPARE_PERCENTILES.map(([name]) => name),
  "throughput",
  "error_rate",
  "memory.growth_per_1k_ops",
] as const;
/** A metric compare judges. */
export type CompareMetric = typeof COMPARE_METRICS[number];

/** Which way a metric gets better. */
export function betterWhen(metric: CompareMetric): "lower" | "higher" {
  return metric === "throughput" ? "higher" : "lower";
}

/** How HEAD stands against BASE on one metric. */
export const CHANGES = [
  "regression",
  "improvement",
  "within noise",
  "unknown",
] as const;
/** How HEAD stands against BASE on one metric. */
export type Change = typeof CHANGES[number];

/** A latency distribution: distinct values (ns, ascending) and their counts. */
export interface Distribution {
  /** Each bucket's highest equivalent value, in nanoseconds, ascending. */
  values: Float64Array;
  /** How many values fell in each bucket. */
  counts: Float64Array;
}

/**
 * Reads an encoded HDR histogram (as the artifact stores it) into its
 * buckets, in plain JavaScript memory (nothing to destroy).
 */
export function decodeDistribution(encoded: string): Distribution {
  const histogram = hdr.decodeFromCompressedBase64(
    encoded,
    32,
    false,
  ) as hdr.JsHistogram;
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < histogram.countsArrayLength; i++) {
    const count = histogram.getCountAtIndex(i);
    if (count === 0) continue;
    // As getValueAtPercentile answers, so figures match the summaries.
    values.push(histogram.highestEquivalentValue(histogram.valueFromIndex(i)));
    counts.push(count);
  }
  return {
    values: Float64Array.from(values),
    counts: Float64Array.from(counts),
  };
}

/** One timeseries interval of one op, as the bootstrap resamples it. */
export interface Sample {
  /** Ops finished in the interval. */
  ops: number;
  /** Of which failed. */
  errors: number;
  /** The interval's length in seconds. */
  seconds: number;
  /** Its latencies; absent when none were recorded. */
  latency?: Distribution;
}

/** What one side's resample (or all its intervals) gives. */
export interface SideFigures {
  /** Milliseconds, by {@link COMPARE_PERCENTILES}; NaN without latencies. */
  latency: number[];
  /** Ops per second. */
  throughput: number;
  /** Failed ops over all ops; NaN without ops. */
  error_rate: number;
}

/**
 * One side's intervals laid on one grid of latency values, so a resample
 * merges histograms by adding arrays.
 */
class Side {
  #samples: readonly Sample[];
  #grid: Float64Array;
  #sparse: { at: Int32Array; counts: Float64Array }[];
  #acc: Float64Array;
  #picked: Int32Array;

  constructor(samples: readonly Sample[]) {
    this.#samples = samples;
    const all = new Set<number>();
    for (const s of samples) s.latency?.values.forEach((v) => all.add(v));
    this.#grid = Float64Array.from([...all].sort((a, b) => a - b));
    const index = new Map<number, number>();
    this.#grid.forEach((v, i) => index.set(v, i));
    // Sparse: each interval's buckets as grid positions and counts, so a
    // resample costs the buckets it draws, not the grid times the draws.
    this.#sparse = samples.map((s) => ({
      at: Int32Array.from(s.latency?.values ?? [], (v) => index.get(v)!),
      counts: s.latency?.counts ?? new Float64Array(0),
    }));
    this.#acc = new Float64Array(this.#grid.length);
    this.#picked = new Int32Array(samples.length);
  }

  get size(): number {
    return this.#samples.length;
  }

  /** Figures over every interval once. */
  all(): SideFigures {
    this.#picked.forEach((_, i) => this.#picked[i] = i);
    return this.#figures();
  }

  /** Figures over as many intervals drawn with replacement. */
  resample(random: () => number): SideFigures {
    const n = this.#samples.length;
    for (let i = 0; i < n; i++) this.#picked[i] = Math.floor(random() * n);
    return this.#figures();
  }

  #figures(): SideFigures {
    const acc = this.#acc;
    acc.fill(0);
    let ops = 0, errors = 0, seconds = 0;
    for (const k of this.#picked) {
      const sample = this.#samples[k];
      ops += sample.ops;
      errors += sample.errors;
      seconds += sample.seconds;
      const { at, counts } = this.#sparse[k];
      for (let i = 0; i < at.length; i++) acc[at[i]] += counts[i];
    }
    return {
      latency: percentiles(this.#grid, acc),
      throughput: seconds > 0 ? ops / seconds : 0,
      error_rate: ops > 0 ? errors / ops : NaN,
    };
  }
}

/** Percentiles of a histogram on a grid, in ms, as HDR computes them. */
function percentiles(grid: Float64Array, counts: Float64Array): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return COMPARE_PERCENTILES.map(([, percent]) => {
    if (total === 0) return NaN;
    // Rounded up less one ulp, as HDR does: a fixed allowance is too small
    // for large counts, whose product lands just past a whole rank.
    const rank = (percent / 100) * total;
    const wanted = Math.max(1, Math.ceil(rank - ulp(rank)));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= wanted) return grid[i] / 1e6;
    }
    return grid[grid.length - 1] / 1e6;
  });
}

/** The gap from `x` (positive) to the next double: its last bit's worth. */
function ulp(x: number): number {
  return x > 0 ? 2 ** (Math.floor(Math.log2(x)) - 52) : Number.MIN_VALUE;
}

/** HEAD over BASE; 1 when both are 0, Infinity when only BASE is. */
export function ratioOf(head: number, base: number): number {
  if (Number.isNaN(head) || Number.isNaN(base)) return NaN;
  if (base === 0) return head === 0 ? 1 : Infinity;
  return head / base;
}

/** A confidence interval of the HEAD/BASE ratio. */
export interface RatioInterval {
  low: number;
  high: number;
}

/** How to bootstrap. */
export interface BootstrapOptions {
  /** Resamples per side; 1000 is plenty for a 95% interval. */
  resamples: number;
  /** Seed of the resampling, so one input gives one answer. */
  seed: number;
  /** 1 − the interval's confidence: 0.05 gives a 95% interval. */
  alpha: number;
}

/** The fewest intervals per side the bootstrap works with. */
export const MIN_INTERVALS = 5;

/**
 * Percentile-bootstrap confidence intervals of HEAD/BASE for every
 * interval-based metric (latency percentiles, throughput, error rate):
 * each resample draws each side's intervals with replacement, merges the
 * drawn intervals' histograms and takes the figures, so the interval's
 * width is the noise measured between the run's own seconds. Undefined
 * when a side has fewer than {@link MIN_INTERVALS} intervals.
 */
export function bootstrapRatios(
  base: readonly Sample[],
  head: readonly Sample[],
  options: BootstrapOptions,
): Partial<Record<CompareMetric, RatioInterval>> | undefined {
  if (base.length < MIN_INTERVALS || head.length < MIN_INTERVALS) {
    return undefined;
  }
  const sides = [new Side(base), new Side(head)];
  const random = seededRandom(options.seed);
  const metrics = [
    ...COMPARE_PERCENTILES.map(([name]) => name),
    "throughput",
    "error_rate",
  ] as const;
  const ratios = metrics.map(() => new Float64Array(options.resamples));
  for (let r = 0; r < options.resamples; r++) {
    const [b, h] = sides.map((side) => side.resample(random));
    const values = [
      ...h.latency.map((v, i) => ratioOf(v, b.latency[i])),
      ratioOf(h.throughput, b.throughput),
      ratioOf(h.error_rate, b.error_rate),
    ];
    values.forEach((v, m) => ratios[m][r] = v);
  }
  // A bootstrap's spread is that of n draws from n intervals: short by
  // √((n−1)/n), which matters with ten intervals.
  const inflation = Math.sqrt(
    Math.max(
      base.length / (base.length - 1),
      head.length / (head.length - 1),
    ),
  );
  const result: Partial<Record<CompareMetric, RatioInterval>> = {};
  metrics.forEach((metric, m) => {
    const sorted = ratios[m].filter((v) => !Number.isNaN(v)).sort();
    if (sorted.length === 0) return;
    result[metric] = interval(sorted, options.alpha, inflation);
  });
  return result;
}

/** Figures over all of a side's intervals (the point estimate's source). */
export function sideFigures(samples: readonly Sample[]): SideFigures {
  return new Side(samples).all();
}

/**
 * The (1 − α) interval of resampled ratios, on a log scale (ratios are
 * multiplicative): the percentile interval's half-widths around the
 * median, widened by `inflation`. Ratios of 0 or Infinity (a side with no
 * errors at all) keep the plain percentile interval.
 */
function interval(
  sorted: Float64Array,
  alpha: number,
  inflation: number,
): RatioInterval {
  const low = quantile(sorted, alpha / 2);
  const high = quantile(sorted, 1 - alpha / 2);
  const mid = quantile(sorted, 0.5);
  if (!(low > 0 && Number.isFinite(high) && mid > 0)) return { low, high };
  const center = Math.log(mid);
  return {
    low: Math.exp(center - (center - Math.log(low)) * inflation),
    high: Math.exp(center + (Math.log(high) - center) * inflation),
  };
}

/** The q-quantile of sorted values (linear between neighbours). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  if (lo === hi || sorted[hi] === sorted[lo]) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** mulberry32: a small seeded generator, enough for resampling. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A two-sided Mann–Whitney U test. */
export interface MannWhitney {
  /** U of the first sample: pairs where it is the larger, ties half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** Exact distribution (no ties, small samples) or normal approximation. */
  method: "exact" | "normal";
}

/**
 * Mann–Whitney U test of two samples, two-sided: exact when there are no
 * ties and n1·n2 ≤ 2500, else the normal approximation with tie and
 * continuity correction (as SciPy's `mannwhitneyu`).
 */
export function mannWhitney(
  a: readonly number[],
  b: readonly number[],
): MannWhitney {
  const n1 = a.length, n2 = b.length;
  if (n1 === 0 || n2 === 0) {
    throw new RangeError("Cannot run a Mann-Whitney U test: a sample is empty");
  }
  const all = [
    ...a.map((v) => ({ v, first: true })),
    ...b.map((v) => ({
      v,
      first: false,
    })),
  ].sort((x, y) => x.v - y.v);
  // Mid-ranks, and the tie term of the variance.
  let rankSum = 0, ties = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j + 2) / 2;
    const t = j - i + 1;
    ties += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k].first) rankSum += rank;
    i = j + 1;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  if (ties === 0 && n1 * n2 <= 2500) {
    const dist = uDistribution(n1, n2);
    const total = dist.reduce((s, c) => s + c, 0);
    let below = 0, above = 0;
    dist.forEach((c, k) => {
      if (k <= u) below += c;
      if (k >= u) above += c;
    });
    return {
      u,
      p: Math.min(1, (2 * Math.min(below, above)) / total),
      method: "exact",
    };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = (n1 * n2 / 12) * ((n + 1) - ties / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: "normal" };
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalUpper(z)), method: "normal" };
}

/** How many arrangements give each U (0..n1·n2), without ties. */
function uDistribution(n1: number, n2: number): number[] {
  // f[i][j][u]: arrangements of i firsts and j seconds with U = u.
  let previous: number[][] = [];
  for (let i = 0; i <= n1; i++) {
    const row: number[][] = [];
    for (let j = 0; j <= n2; j++) {
      const cells = new Array(i * j + 1).fill(0);
      if (i === 0 || j === 0) cells[0] = 1;
      else {
        // The largest value is a first (it beats all j seconds) or a second.
        previous[j].forEach((c, k) => cells[k + j] += c);
        row[j - 1].forEach((c, k) => cells[k] += c);
      }
      row.push(cells);
    }
    previous = row;
  }
  return previous[n2];
}

/** P(Z > z) of a standard normal (Abramowitz–Stegun 7.1.26 via erfc). */
function normalUpper(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  // Numerical Recipes' erfc, accurate to 1.2e-7.
  const erfc = t * Math.exp(
    -x * x - 1.26551223 +
      t * (1.00002368 +
          t * (0.37409196 +
              t * (0.09678418 +
                  t * (-0.18628806 +
                      t * (0.27886807 +
                          t * (-1.13520398 +
                              t *
                                (1.48851587 +
                                  t * (-0.82215223 + t * 0.17087277)))))))),
  );
  return erfc / 2;
}

/**
 * The smallest two-sided p-value a Mann–Whitney test of n1 and n2 runs can
 * give: 2 / C(n1+n2, n1). When it is above α no outcome can be significant.
 */
export function smallestP(n1: number, n2: number): number {
  let ways = 1;
  for (let k = 1; k <= n1; k++) ways = (ways * (n2 + k)) / k;
  return Math.min(1, 2 / ways);
}

/** What {@link classify} weighs. */
export interface Evidence {
  /** HEAD/BASE point estimate. */
  ratio: number;
  /** Which way the metric gets better. */
  better: "lower" | "higher";
  /** The smallest relative change that counts, as a fraction (0.05). */
  noise: number;
  /**
   * Whether the change is significant at α: a confidence interval that
   * excludes 1, or a test's p below α. Undefined when it is not known.
   */
  significant?: boolean;
}

/**
 * Regression or improvement when the change is significant and at least
 * the minimum effect; within noise when it is not; unknown when
 * significance is unknown (no test could be run).
 */
export function classify(evidence: Evidence): Change {
  const { ratio, better, noise, significant } = evidence;
  if (Number.isNaN(ratio)) return "unknown";
  const worse = better === "lower" ? ratio > 1 + noise : ratio < 1 - noise;
  const nicer = better === "lower" ? ratio < 1 - noise : ratio > 1 + noise;
  if (significant === undefined) {
    return worse || nicer ? "unknown" : "within noise";
  }
  if (!significant) return "within noise";
  return worse ? "regression" : nicer ? "improvement" : "within noise";
}

/** One distribution holding every value of the given ones. */
export function mergeDistributions(
  parts: readonly Distribution[],
): Distribution {
  const byValue = new Map<number, number>();
  for (const part of parts) {
    part.values.forEach((v, i) =>
      byValue.set(v, (byValue.get(v) ?? 0) + part.counts[i])
    );
  }
  const values = Float64Array.from([...byValue.keys()].sort((a, b) => a - b));
  return {
    values,
    counts: values.map((v) => byValue.get(v)!),
  };
}
