/**
 * Pure checkers behind the `store` target's invariants. They see only what
 * a client sees (returned versions, deliveries, counters), so a store that
 * loses, repeats or reorders anything, or miscounts, makes them fail.
 * @module
 */
import { type CheckResult, Problems } from "../../invariants.ts";

/**
 * The versions of every committed write in one store: each must appear
 * exactly once, and together they must fill `(initial, final]` with no gap.
 * Writes may be observed out of commit order (a write that waited resolves
 * later), so it keeps a bitset rather than comparing neighbours.
 */
export class VersionLog {
  readonly initial: number;
  #seen = new Uint8Array(1024);
  #count = 0;
  #max: number;
  readonly problems: Problems = new Problems();

  /** Starts after `initial`, the version when observation began. */
  constructor(initial: number) {
    this.initial = initial;
    this.#max = initial;
  }

  /** Writes recorded. */
  get count(): number {
    return this.#count;
  }

  /** Bytes its bitset holds (one bit per version seen so far). */
  get bytes(): number {
    return this.#seen.byteLength;
  }

  /** Records a committed write's version. */
  record(version: number): void {
    const i = version - this.initial - 1;
    if (!Number.isSafeInteger(i) || i < 0) {
      this.problems.add(
        `version ${version} is not after the initial version ${this.initial}`,
      );
      return;
    }
    const byte = i >>> 3;
    if (byte >= this.#seen.length) {
      let size = this.#seen.length * 2;
      while (size <= byte) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#seen);
      this.#seen = next;
    }
    const bit = 1 << (i & 7);
    if ((this.#seen[byte] & bit) !== 0) {
      this.problems.add(`version ${version} was written twice`);
      return;
    }
    this.#seen[byte] |= bit;
    this.#count++;
    if (version > this.#max) this.#max = version;
  }

  /**
   * Checks the log against the store's final version and its history
   * (which must be strictly increasing by one). Returns the problems.
   */
  check(finalVersion: number, history: readonly number[]): Problems {
    const problems = this.problems;
    const expected = finalVersion - this.initial;
    if (this.#count !== expected) {
      problems.add(
        `${this.#count} distinct writes observed, but the version moved by ${expected} (${this.initial} -> ${finalVersion})`,
      );
    }
    if (this.#max > finalVersion) {
      problems.add(
        `a write returned version ${this.#max}, past the final version ${finalVersion}`,
      );
    }
    for (let i = 1; i < history.length; i++) {
      if (history[i] !== history[i - 1] + 1) {
        problems.add(
          `history has version ${history[i]} after ${history[i - 1]}`,
        );
      }
    }
    if (history.length > 0 && history[history.length - 1] !== finalVersion) {
      problems.add(
        `history ends at version ${
          history[history.length - 1]
        }, not the current ${finalVersion}`,
      );
    }
    return problems;
  }
}

function missing(from: number, to: number): string {
  return from === to ? `version ${from}` : `versions ${from}..${to}`;
}

/** A subscriber's counters as the store reports them. */
export interface SubscriberCounts {
  /** Snapshots offered to it. */
  offered: number;
  /** Snapshots dropped by its policy. */
  dropped: number;
  /** Queued snapshots discarded when it unsubscribed. */
  discarded: number;
}

/**
 * What one consumer received. For a subscriber without a filter, every
 * delivery must be exactly `last + 1 + missed`: a larger jump is an
 * unreported loss, a smaller one a duplicate or reordering.
 */
export class DeliveryRecorder {
  readonly startVersion: number;
  #last: number;
  received = 0;
  reported = 0;
  /** Deliveries that skipped versions, whether or not the skip was reported. */
  gaps = 0;
  /** The first skip, as text (empty while there is none). */
  firstGap = "";
  readonly problems: Problems = new Problems();

  /** Starts after `startVersion`, the store version when it subscribed. */
  constructor(startVersion: number) {
    this.startVersion = startVersion;
    this.#last = startVersion;
  }

  /** The version of the last delivery (the start version before any). */
  get last(): number {
    return this.#last;
  }

  /** Records one delivery. */
  record(version: number, missed: number): void {
    const last = this.#last;
    if (version <= last) {
      this.problems.add(
        version === last
          ? `version ${version} delivered twice`
          : `version ${version} delivered after ${last} (order broken)`,
      );
      return;
    }
    if (version !== last + 1 && this.gaps++ === 0) {
      this.firstGap = `version ${version} after ${last}`;
    }
    if (version !== last + 1 + missed) {
      const gap = version - last - 1;
      this.problems.add(
        gap > missed
          ? `${
            missing(last + 1, version - 1)
          } missing but ${missed} drops reported`
          : `version ${version} reports ${missed} drops but only ${gap} versions are missing`,
      );
    }
    this.#last = version;
    this.received++;
    this.reported += missed;
  }

  /**
   * Checks the totals once the consumer is done: received + dropped +
   * discarded = offered, reported drops ≤ dropped, and when `endVersion`
   * is known (no filter, not failed), every version up to it is accounted
   * for. Returns the problems.
   */
  finish(counts: SubscriberCounts, endVersion?: number): Problems {
    const problems = this.problems;
    const { offered, dropped, discarded } = counts;
    if (this.received + dropped + discarded !== offered) {
      problems.add(
        `received ${this.received} + dropped ${dropped} + discarded ${discarded} != offered ${offered}`,
      );
    }
    if (this.reported > dropped) {
      problems.add(
        `deliveries report ${this.reported} drops, the subscriber counted ${dropped}`,
      );
    }
    if (endVersion !== undefined) {
      const unseen = endVersion - this.#last;
      const explained = dropped - this.reported + discarded;
      if (unseen !== explained) {
        problems.add(
          `${unseen} versions after ${this.#last} never arrived, ${explained} explained by drops and discards`,
        );
      }
      if (offered !== endVersion - this.startVersion) {
        problems.add(
          `offered ${offered} snapshots, but ${
            endVersion - this.startVersion
          } were written while subscribed`,
        );
      }
    }
    return problems;
  }
}

/**
 * `block_no_drops` for one subscriber, judged from what its consumer saw
 * rather than from the store's own drop counter: every delivery was the
 * next version (no skip, reported or not), the store counted no drop,
 * everything offered was received or discarded on leaving, and, when
 * `endVersion` is known, every version written while subscribed was
 * offered. Returns the problems (empty when it held).
 */
export function checkNoDrops(
  recorder: DeliveryRecorder,
  counts: SubscriberCounts,
  endVersion?: number,
): string[] {
  const problems: string[] = [];
  const { offered, dropped, discarded } = counts;
  if (recorder.gaps > 0) {
    problems.push(
      `${recorder.gaps} deliveries skipped versions (first: ${recorder.firstGap})`,
    );
  }
  if (dropped > 0) problems.push(`the store counted ${dropped} drops`);
  if (recorder.received + discarded !== offered) {
    problems.push(
      `received ${recorder.received} + discarded ${discarded} != offered ${offered}`,
    );
  }
  if (
    endVersion !== undefined && offered !== endVersion - recorder.startVersion
  ) {
    problems.push(
      `offered ${offered}, but ${
        endVersion - recorder.startVersion
      } versions were written while subscribed`,
    );
  }
  return problems;
}

/**
 * Compares the write rate at the end of a run with the rate at its start.
 * `marks` are the times (ms) at which every `every`-th write committed; the
 * median interval of the last third must be at most `tolerance` times the
 * median of the first third (medians, so a GC pause or a yield to the event
 * loop does not count). Fewer than 9 marks are too few to judge: ok.
 */
export function checkDrift(
  marks: readonly number[],
  every: number,
  tolerance: number,
): CheckResult {
  const spans: number[] = [];
  for (let i = 1; i < marks.length; i++) spans.push(marks[i] - marks[i - 1]);
  if (spans.length < 8) {
    return {
      ok: true,
      detail: `${marks.length * every} writes, too few to judge drift`,
    };
  }
  const third = Math.floor(spans.length / 3);
  const first = median(spans.slice(0, third));
  const last = median(spans.slice(spans.length - third));
  const rate = (ms: number) =>
    `${
      Math.round(every / Math.max(ms, 1e-6) * 1000).toLocaleString("en-US")
    }/s`;
  const ratio = first > 0 ? last / first : 1;
  const detail = `writes ${rate(first)} in the first third, ${
    rate(last)
  } in the last (${
    ratio.toFixed(2)
  }x the time per write, tolerance ${tolerance}x)`;
  return { ok: ratio <= tolerance, detail };
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Compares counters the store reports with counts the caller kept, name by
 * name. Returns the problems.
 */
export function compareCounts(
  reported: Readonly<Record<string, number>>,
  counted: Readonly<Record<string, number>>,
): Problems {
  const problems = new Problems();
  for (const [name, value] of Object.entries(counted)) {
    if (reported[name] !== value) {
      problems.add(
        `${name}: store reports ${reported[name]}, counted ${value}`,
      );
    }
  }
  return problems;
}

/** Whether two JSON-domain values are deeply equal (`-0` differs from `0`). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null || b === null
  ) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!sameValue(a[i], b[i])) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const key = ka[i];
    if (key !== kb[i]) return false;
    if (
      !sameValue(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
      )
    ) return false;
  }
  return true;
}
