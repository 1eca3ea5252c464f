/**
 * The schedule of an open-model load: when each arrival should start. A rate
 * is piecewise linear in time (one flat stage for `constant-arrival-rate`,
 * ramps between stage targets for `ramping-arrival-rate`); arrival `k`
 * (from 0) is due at the instant the integral of the rate reaches `k`, so
 * the first is due at the start and the count up to any instant follows
 * the declared rate exactly, never in timer-sized bursts.
 *
 * With several workers, worker `i` of `n` takes arrivals `i, i + n, i + 2n,
 * …` at the same instants as the whole schedule: the workers' schedules sum
 * to the declared one. Pure functions, unit-tested without a clock.
 * @module
 */

/** One stage of a rate: from the previous target to `target`, linearly. */
export interface RateStage {
  /** Milliseconds the stage lasts. */
  duration_ms: number;
  /** Rate at the stage's end, in arrivals per time unit. */
  target: number;
}

/** A rate over time, in arrivals per `time_unit_ms`. */
export interface RateShape {
  /** Rate at the start. */
  start_rate: number;
  /** Milliseconds the rates are given per (1000 for per second). */
  time_unit_ms: number;
  /** The stages, in order; the rate moves linearly within each. */
  stages: readonly RateStage[];
}

interface Segment {
  /** Start, ms from the schedule's start. */
  start: number;
  /** Length in ms. */
  length: number;
  /** Rates at the start and end, per ms. */
  r0: number;
  r1: number;
  /** Arrivals (as a real number) due before the segment's start. */
  before: number;
}

/** Slack for floating-point sums that should land on a whole count. */
const EPSILON = 1e-9;

/**
 * The arrival schedule of a {@link RateShape}: how many arrivals it has and
 * when each is due. `at(k)` is cheapest when `k` grows (a cursor follows
 * the stages), which is how a worker asks.
 *
 * @example
 * ```ts
 * import { ArrivalSchedule } from "./_arrivals.ts";
 * const s = new ArrivalSchedule({
 *   start_rate: 4,
 *   time_unit_ms: 1000,
 *   stages: [{ duration_ms: 1000, target: 4 }],
 * });
 * console.log(s.total, s.at(1)); // 4 250
 * ```
 */
export class ArrivalSchedule {
  /** Arrivals in the whole schedule. */
  readonly total: number;
  /** Milliseconds the schedule lasts. */
  readonly duration_ms: number;
  #segments: Segment[];
  #cursor = 0;

  constructor(shape: RateShape) {
    const unit = shape.time_unit_ms;
    let start = 0;
    let before = 0;
    let rate = shape.start_rate / unit;
    this.#segments = shape.stages.map((stage) => {
      const r1 = stage.target / unit;
      const segment = {
        start,
        length: stage.duration_ms,
        r0: rate,
        r1,
        before,
      };
      start += stage.duration_ms;
      before += ((rate + r1) / 2) * stage.duration_ms;
      rate = r1;
      return segment;
    });
    this.duration_ms = start;
    this.total = Math.max(0, Math.ceil(before - EPSILON));
  }

  /** Arrivals (as a real number) due before `t` ms from the start. */
  expected(t: number): number {
    let due = 0;
    for (const s of this.#segments) {
      if (t <= s.start) break;
      const tau = Math.min(t - s.start, s.length);
      due = s.before + s.r0 * tau + ((s.r1 - s.r0) / (2 * s.length)) * tau ** 2;
    }
    return due;
  }

  /** When arrival `k` (0 ≤ k < total) is due, in ms from the start. */
  at(k: number): number {
    const segments = this.#segments;
    let i = this.#cursor;
    if (i >= segments.length || segments[i].before > k + EPSILON) i = 0;
    while (
      i + 1 < segments.length && segments[i + 1].before <= k + EPSILON
    ) i++;
    // Skip stages with no arrivals (a rate of 0 throughout).
    while (
      i + 1 < segments.length && segments[i].r0 === 0 && segments[i].r1 === 0
    ) i++;
    this.#cursor = i;
    const s = segments[i];
    const c = Math.max(0, k - s.before);
    // Solve r0·τ + a·τ² = c for τ, in the form that stays exact when a = 0.
    const a = (s.r1 - s.r0) / (2 * s.length);
    const root = Math.sqrt(Math.max(0, s.r0 * s.r0 + 4 * a * c));
    const denominator = s.r0 + root;
    const tau = denominator > 0 ? (2 * c) / denominator : 0;
    return s.start + Math.min(tau, s.length);
  }
}

/**
 * How many arrivals of a schedule of `total` worker `worker` of `workers`
 * takes: every `workers`-th, from its own index.
 */
export function workerShare(
  total: number,
  worker: number,
  workers: number,
): number {
  return Math.max(0, Math.ceil((total - worker) / workers));
}
