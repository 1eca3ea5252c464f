/**
 * What every SQLite-backed target shares: the connection options a
 * scenario sets (journal mode, synchronous level, busy policy), the busy
 * counters it reports, and the `integrity` invariant. The `uow` target and
 * any target built on the unit of work (`workflow`) use it through
 * `uow/mod.ts`.
 * @module
 */
import { z } from "zod";
import type { CheckResult } from "../../invariants.ts";
import { yieldTurn } from "../../runtime.ts";
import type { RunInfo } from "../../target.ts";
import {
  type JournalMode,
  openDatabase,
  type OpenOptions,
  removeDatabase,
  type Synchronous,
  type Transaction,
  type UnitOfWork,
  type UnitOfWorkStats,
} from "./unit_of_work.ts";

const JOURNAL_MODES = [
  "wal",
  "delete",
  "truncate",
  "persist",
  "memory",
  "off",
] as const satisfies readonly JournalMode[];
const SYNCHRONOUS = [
  "off",
  "normal",
  "full",
  "extra",
] as const satisfies readonly Synchronous[];

/**
 * Scenario options every SQLite-backed target shares: journal mode,
 * synchronous level and busy policy. Spread into a target's options schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { CONNECTION_OPTIONS } from "./sqlite_target.ts";
 * const options = z.strictObject({ ...CONNECTION_OPTIONS, orders: z.int() });
 * console.log(options.parse({ orders: 3 }).journal_mode); // "wal"
 * ```
 */
export const CONNECTION_OPTIONS = {
  journal_mode: z.enum(JOURNAL_MODES).default("wal"),
  synchronous: z.enum(SYNCHRONOUS).default("normal"),
  busy_retries: z.int().min(0).default(40),
  busy_base_delay_ms: z.number().positive().default(1),
  busy_max_delay_ms: z.number().positive().default(16),
  wal_limit_mb: z.number().positive().max(1024).default(16),
};

/** The parsed {@link CONNECTION_OPTIONS}. */
export interface ConnectionOptions {
  /** SQLite journal mode. */
  journal_mode: JournalMode;
  /** SQLite synchronous level. */
  synchronous: Synchronous;
  /** Busy retries before a BusyError. */
  busy_retries: number;
  /** First backoff delay. */
  busy_base_delay_ms: number;
  /** Largest backoff delay (raised to the base delay if below it). */
  busy_max_delay_ms: number;
  /**
   * The WAL file's bound in MiB: SQLite truncates the WAL to it when it
   * restarts, and a connection that finds it this big after a commit runs a
   * TRUNCATE checkpoint (see `WalPolicy` in `unit_of_work.ts`). Default 16.
   */
  wal_limit_mb?: number;
}

/**
 * {@link openDatabase} options for parsed {@link CONNECTION_OPTIONS}.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./unit_of_work.ts";
 * import { connectionOptions } from "./sqlite_target.ts";
 * await using uow = await openDatabase(":memory:", connectionOptions({
 *   journal_mode: "memory",
 *   synchronous: "normal",
 *   busy_retries: 40,
 *   busy_base_delay_ms: 1,
 *   busy_max_delay_ms: 50,
 * }));
 * ```
 */
export function connectionOptions(o: ConnectionOptions): OpenOptions {
  const walBytes = Math.round((o.wal_limit_mb ?? 16) * 1024 * 1024);
  return {
    journalMode: o.journal_mode,
    synchronous: o.synchronous,
    wal: { sizeLimit: walBytes, checkpointAt: walBytes },
    busy: {
      retries: o.busy_retries,
      baseDelayMs: o.busy_base_delay_ms,
      maxDelayMs: Math.max(o.busy_max_delay_ms, o.busy_base_delay_ms),
    },
  };
}

/**
 * Creates the database file `file` in the run directory for a target's
 * `prepare()`: removes what an earlier run left there, and opens it with
 * parsed {@link CONNECTION_OPTIONS}. Its `path` is what the workers open.
 *
 * @example
 * ```ts
 * import { createRunDatabase } from "./sqlite_target.ts";
 * const runDir = await Deno.makeTempDir();
 * await using uow = await createRunDatabase(
 *   { runDir },
 *   { file: "mine.db", options: {
 *     journal_mode: "wal", synchronous: "normal", busy_retries: 40, busy_base_delay_ms: 1, busy_max_delay_ms: 50,
 *   } },
 * );
 * console.log(uow.path.endsWith("mine.db")); // true
 * ```
 */
export async function createRunDatabase(
  run: Pick<RunInfo, "runDir">,
  database: { file: string; options: ConnectionOptions },
): Promise<UnitOfWork> {
  await Deno.mkdir(run.runDir, { recursive: true });
  const path = `${run.runDir}/${database.file}`;
  await removeDatabase(path);
  return await openDatabase(path, connectionOptions(database.options));
}

/**
 * Counters every SQLite-backed target reports (see
 * {@link connectionCounters}), with their descriptions. Put into a target's
 * `counters`.
 *
 * @example
 * ```ts
 * import { CONNECTION_COUNTERS } from "./sqlite_target.ts";
 * const counters = { ...CONNECTION_COUNTERS, my_counter: "what it counts" };
 * console.log(Object.keys(counters).includes("busy_retries")); // true
 * ```
 */
export const CONNECTION_COUNTERS: Readonly<Record<string, string>> = Object
  .freeze({
    transactions:
      "transactions finished: write commits, reads and rollbacks, on every connection of the worker",
    busy_retries:
      'backoff retries after "database is locked" (every attempt, opens included)',
    busy_retried:
      "transactions (and opens) that met a lock and retried at least once, whether or not they then succeeded: the seed's deadlock count",
    busy_wait_ms: "total time spent sleeping in busy backoff, in ms",
    busy_errors:
      "BusyErrors: the lock outlasted every retry (the busy outcome counts the ops)",
    checkpoints:
      "WAL checkpoints (TRUNCATE) that restarted the WAL once it reached the WAL limit",
    checkpoints_busy:
      "WAL checkpoints tried that a reader or writer kept from finishing (tried again a few commits later)",
    wal_bytes_peak:
      "the largest WAL file seen since the workers opened, in bytes (a peak over workers, not a sum)",
  });

/**
 * Which {@link CONNECTION_COUNTERS} are peaks rather than totals: put into a
 * target's `peakCounters`.
 */
export const CONNECTION_PEAK_COUNTERS: readonly string[] = Object.freeze([
  "wal_bytes_peak",
]);

/**
 * The {@link CONNECTION_COUNTERS} of some connections' stats, summed.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./unit_of_work.ts";
 * import { connectionCounters } from "./sqlite_target.ts";
 * await using uow = await openDatabase(":memory:");
 * console.log(connectionCounters([uow.stats]).busy_retries); // 0
 * ```
 */
export function connectionCounters(
  stats: readonly UnitOfWorkStats[],
): Record<string, number> {
  const counters = {
    transactions: 0,
    busy_retries: 0,
    busy_retried: 0,
    busy_wait_ms: 0,
    busy_errors: 0,
    checkpoints: 0,
    checkpoints_busy: 0,
    wal_bytes_peak: 0,
  };
  for (const s of stats) {
    counters.transactions += s.commits + s.reads + s.rollbacks;
    counters.busy_retries += s.busyRetries;
    counters.busy_retried += s.busyRetried;
    counters.busy_wait_ms += s.busyWaitMs;
    counters.busy_errors += s.busyErrors;
    counters.checkpoints += s.checkpoints;
    counters.checkpoints_busy += s.checkpointsBusy;
    counters.wal_bytes_peak = Math.max(counters.wal_bytes_peak, s.walBytesPeak);
  }
  return counters;
}

/**
 * The `integrity` invariant, with its description. Put into a target's
 * `invariants`, and answer it with {@link checkIntegrity}.
 */
export const INTEGRITY_INVARIANT: Readonly<Record<"integrity", string>> = Object
  .freeze({
    integrity: "PRAGMA integrity_check and foreign_key_check find nothing",
  });

/**
 * The `integrity` invariant: `PRAGMA integrity_check` and
 * `foreign_key_check` (see {@link UnitOfWork.integrityCheck}) find nothing.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./unit_of_work.ts";
 * import { checkIntegrity } from "./sqlite_target.ts";
 * await using uow = await openDatabase(":memory:");
 * console.log(await checkIntegrity(uow)); // { ok: true, detail: "integrity_check ok, no foreign key violations" }
 * ```
 */
export async function checkIntegrity(uow: UnitOfWork): Promise<CheckResult> {
  const report = await uow.integrityCheck();
  return {
    ok: report.ok,
    detail: report.ok
      ? "integrity_check ok, no foreign key violations"
      : report.problems.slice(0, 5).join("; "),
  };
}

/** Rows a seeding transaction writes at most (see {@link seedInBatches}). */
export const SEED_BATCH = 2000;

/** What {@link seedInBatches} seeds, and how. */
export interface SeedBatches {
  /** Items to seed, indexes `0..count-1`. */
  count: number;
  /** {@link RunInfo.signal}: checked between batches. */
  signal: AbortSignal;
  /** Items per transaction; default {@link SEED_BATCH}. */
  batch?: number;
  /** Writes items `from..to-1` (at most `batch` of them) in `tx`. */
  write: (tx: Transaction, from: number, to: number) => void;
}

/**
 * Seeds `count` items for a target's `prepare()` in transactions of at most
 * `batch` ({@link SEED_BATCH}), so memory stays bounded and the WAL is checkpointed
 * as it goes. Between transactions it gives the event loop a turn (the
 * engine's `max_duration` timer can fire only then) and throws the
 * signal's reason once it is aborted: a seed of millions of rows stops
 * within one batch of the run's stop.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./unit_of_work.ts";
 * import { seedInBatches } from "./sqlite_target.ts";
 * await using uow = await openDatabase(":memory:");
 * await seedInBatches(uow, {
 *   count: 5000,
 *   signal: new AbortController().signal,
 *   write: (tx, from, to) => {
 *     for (let i = from; i < to; i++) tx.accounts.insert({ id: i + 1, balance: 10 });
 *   },
 * });
 * ```
 */
export async function seedInBatches(
  uow: UnitOfWork,
  seed: SeedBatches,
): Promise<void> {
  const { count, signal, write } = seed;
  const batch = Math.max(1, Math.floor(seed.batch ?? SEED_BATCH));
  for (let from = 0; from < count; from += batch) {
    signal.throwIfAborted();
    const to = Math.min(count, from + batch);
    await uow.run((tx) => write(tx, from, to));
    await yieldTurn();
  }
  signal.throwIfAborted();
}
