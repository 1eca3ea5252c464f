/**
 * Busy handling for a SQLite connection: when SQLite answers "database is
 * locked", retry with exponential backoff and jitter, a bounded number of
 * times, counting every retry and the time spent waiting.
 * @module
 */
import { BusyError } from "../../errors.ts";

/** How long to keep retrying when SQLite answers "database is locked". */
export interface BusyPolicy {
  /** Retries after the first attempt before giving up with a BusyError. */
  retries: number;
  /** The first backoff delay; each retry doubles it. */
  baseDelayMs: number;
  /** The largest single backoff delay. */
  maxDelayMs: number;
}

/** The busy policy used when {@link OpenOptions.busy} leaves a field out. */
export const DEFAULT_BUSY_POLICY: Readonly<BusyPolicy> = Object.freeze({
  retries: 40,
  baseDelayMs: 1,
  maxDelayMs: 16,
});

/** What a busy retry was for, for its BusyError. */
export interface RetryLabel {
  /** Verb phrase: "begin a transaction". */
  action: string;
  /** The database path. */
  path: string;
}

/** The default {@link OpenOptions.sleep}. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The delay before busy retry `attempt` (0-based): the ceiling
 * `min(maxDelayMs, baseDelayMs * 2^attempt)` with equal jitter, i.e. at least
 * half the ceiling (so waits still grow) plus `jitter` (in [0, 1)) times the
 * other half.
 *
 * @example
 * ```ts
 * import { backoffDelay, DEFAULT_BUSY_POLICY } from "./unit_of_work.ts";
 * console.log(backoffDelay(DEFAULT_BUSY_POLICY, 3, 0.5)); // 6
 * ```
 */
export function backoffDelay(
  policy: Readonly<BusyPolicy>,
  attempt: number,
  jitter: number,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** attempt,
  );
  return ceiling / 2 + jitter * ceiling / 2;
}

/** Exponential backoff with jitter, counting what it waited. Internal. */
export class Backoff {
  readonly policy: BusyPolicy;
  #random: () => number;
  #sleep: (ms: number) => Promise<void>;
  retries = 0;
  waitedMs = 0;
  errors = 0;
  /** Units of work that needed at least one retry (see {@link settle}). */
  retried = 0;

  constructor(
    policy: BusyPolicy,
    seams: { random: () => number; sleep: (ms: number) => Promise<void> },
  ) {
    this.policy = policy;
    this.#random = seams.random;
    this.#sleep = seams.sleep;
  }

  /** Counts one unit of work as retried if it slept since `mark` (retries then). */
  settle(mark: number): void {
    if (this.retries > mark) this.retried++;
  }

  /** Runs `step`; while it meets "database is locked", backs off and reruns it. */
  run<T>(step: () => T, label: RetryLabel): T | Promise<T> {
    try {
      return step();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      return this.#retry(step, label, error);
    }
  }

  /** Sleeps before retry `attempt` (0-based); false once retries ran out. */
  async pause(attempt: number): Promise<boolean> {
    if (attempt >= this.policy.retries) return false;
    const ms = backoffDelay(this.policy, attempt, this.#random());
    const start = performance.now();
    await this.#sleep(ms);
    this.waitedMs += performance.now() - start;
    this.retries++;
    return true;
  }

  /** The BusyError for retries that ran out (and counts it). */
  exhausted(label: RetryLabel, cause: unknown): BusyError {
    this.errors++;
    return new BusyError(
      `Cannot ${label.action} on "${label.path}": database stayed locked after ${this.policy.retries} retries`,
      { cause },
    );
  }

  async #retry<T>(
    step: () => T,
    label: RetryLabel,
    error: unknown,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      if (!await this.pause(attempt)) throw this.exhausted(label, error);
      try {
        return step();
      } catch (caught) {
        if (!isBusyError(caught)) throw caught;
        error = caught;
      }
    }
  }
}

/**
 * True when `error` is SQLite's SQLITE_BUSY ("database is locked").
 *
 * @example
 * ```ts
 * import { isBusyError } from "./unit_of_work.ts";
 * console.log(isBusyError(new Error("database is locked"))); // true
 * ```
 */
export function isBusyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === "number") return (errcode & 0xff) === 5;
  return error.message.includes("database is locked");
}

/** The full policy, checked. */
export function busyPolicy(partial: Partial<BusyPolicy> = {}): BusyPolicy {
  const policy = { ...DEFAULT_BUSY_POLICY, ...partial };
  const { retries, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new RangeError(
      `Cannot open database: busy retries must be a whole number >= 0, got ${retries}`,
    );
  }
  if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new RangeError(
      `Cannot open database: busy delays need 0 < baseDelayMs <= maxDelayMs, got ${baseDelayMs} and ${maxDelayMs}`,
    );
  }
  return policy;
}
