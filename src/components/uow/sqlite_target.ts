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
import type { RunInfo } from "../../target.ts";
import {
  type JournalMode,
  openDatabase,
  type OpenOptions,
  removeDatabase,
  type Synchronous,
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
 * const options = z.strictObject({ ...CONNECTION_OPTIONS, orders: z.int() });
 * ```
 */
export const CONNECTION_OPTIONS = {
  journal_mode: z.enum(JOURNAL_MODES).default("wal"),
  synchronous: z.enum(SYNCHRONOUS).default("normal"),
  busy_retries: z.int().min(0).default(40),
  busy_base_delay_ms: z.number().positive().default(1),
  busy_max_delay_ms: z.number().positive().default(16),
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
}

/**
 * {@link openDatabase} options for parsed {@link CONNECTION_OPTIONS}.
 *
 * @example
 * ```ts
 * const uow = await openDatabase(path, connectionOptions(options));
 * ```
 */
export function connectionOptions(o: ConnectionOptions): OpenOptions {
  return {
    journalMode: o.journal_mode,
    synchronous: o.synchronous,
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
 * await using uow = await createRunDatabase(run, { file: "mine.db", options: o });
 * await uow.run((tx) => seed(tx));
 * return { path: uow.path };
 * ```
 */
export async function createRunDatabase(
  run: RunInfo,
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
 * const target = { name: "mine", counters: CONNECTION_COUNTERS, ... };
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
  });

/**
 * The {@link CONNECTION_COUNTERS} of some connections' stats, summed.
 *
 * @example
 * ```ts
 * const counters = connectionCounters([uow.stats]);
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
  };
  for (const s of stats) {
    counters.transactions += s.commits + s.reads + s.rollbacks;
    counters.busy_retries += s.busyRetries;
    counters.busy_retried += s.busyRetried;
    counters.busy_wait_ms += s.busyWaitMs;
    counters.busy_errors += s.busyErrors;
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
