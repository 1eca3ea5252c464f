/**
 * A SQLite unit of work on the built-in `node:sqlite`: one connection, WAL by
 * default, `BEGIN IMMEDIATE` transactions with repositories bound to them,
 * bounded busy retries with exponential backoff and jitter, and prepared
 * statements cached per connection.
 *
 * `DatabaseSync` is synchronous, so a connection runs one transaction at a
 * time: tasks that share a connection queue on an async lock and never
 * interleave inside one transaction. Use one connection per worker thread.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { BusyError } from "../../errors.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import {
  type AccountReader,
  AccountRepository,
  type EntityReader,
  EntityRepository,
  type InboxReader,
  InboxRepository,
  type OutboxReader,
  OutboxRepository,
  type StatementSource,
  type TransitionReader,
  TransitionRepository,
} from "./repositories.ts";

/** SQLite `journal_mode`. `wal` lets readers run while one writer commits. */
export type JournalMode =
  | "wal"
  | "delete"
  | "truncate"
  | "persist"
  | "memory"
  | "off";

/** SQLite `synchronous`. `normal` is durable across process crashes in WAL. */
export type Synchronous = "off" | "normal" | "full" | "extra";

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

/**
 * How a connection keeps a WAL file bounded. SQLite's automatic checkpoints
 * (PASSIVE, every 1000 pages) copy pages back into the database but cannot
 * restart the WAL while readers hold snapshots in it, so under sustained
 * reads and writes from several connections the WAL grows without bound
 * (1.4 GB in 10 s against an 89 MB database was seen). Two things bound it:
 * a size limit SQLite truncates the WAL to whenever it restarts, and a
 * checkpoint that restarts it: `PRAGMA wal_checkpoint(TRUNCATE)`, run by a
 * connection right after one of its commits once the file has reached
 * `checkpointAt`. It never blocks: it takes the locks it needs if they are
 * free at that instant, else copies what it can and counts as busy, to be
 * tried again at the next look (every {@link WAL_CHECK_COMMITS} commits or
 * {@link WAL_CHECK_MS} ms, whichever comes first).
 */
export interface WalPolicy {
  /**
   * `PRAGMA journal_size_limit` in bytes: the size SQLite truncates the WAL
   * file to when it restarts it; -1 for none (the file keeps its high-water
   * size).
   */
  sizeLimit: number;
  /**
   * The WAL file size in bytes at which this connection runs a TRUNCATE
   * checkpoint after a commit; 0 never. One connection per database file is
   * enough; more only compete for the same locks.
   */
  checkpointAt: number;
}

/** Bytes in a mebibyte. */
const MiB = 1024 * 1024;

/** The WAL policy used when {@link OpenOptions.wal} leaves a field out. */
export const DEFAULT_WAL_POLICY: Readonly<WalPolicy> = Object.freeze({
  sizeLimit: 16 * MiB,
  checkpointAt: 16 * MiB,
});

/** A connection with a WAL checkpoint policy looks at the WAL this often. */
export const WAL_CHECK_COMMITS = 16;
/** ... and at least this often (ms) while it commits. */
export const WAL_CHECK_MS = 50;

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** Default `"wal"` (an in-memory database stays `"memory"`). */
  journalMode?: JournalMode;
  /** Default `"normal"`. */
  synchronous?: Synchronous;
  /** Busy retry policy; fields left out take {@link DEFAULT_BUSY_POLICY}. */
  busy?: Partial<BusyPolicy>;
  /**
   * How the WAL file is kept bounded (WAL mode only); fields left out take
   * {@link DEFAULT_WAL_POLICY}.
   */
  wal?: Partial<WalPolicy>;
  /**
   * SQLite's own blocking wait on a lock, in ms. Default 0: the connection
   * never blocks the event loop and busy waits are async backoff instead.
   */
  busyTimeoutMs?: number;
  /** Schema steps to apply; default {@link MIGRATIONS}. */
  migrations?: readonly Migration[];
  /** Enforce foreign keys; default true. */
  foreignKeys?: boolean;
  /** Source of backoff jitter in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Waits out one backoff delay; default a `setTimeout`. A test seam. */
  sleep?: (ms: number) => Promise<void>;
}

/** Options of the {@link UnitOfWork} constructor. */
export interface UnitOfWorkOptions {
  /** The path shown in errors; default the connection's file. */
  path?: string;
  /**
   * Run a TRUNCATE checkpoint after a commit once the WAL file (`path` +
   * `-wal`) has reached this many bytes (see {@link WalPolicy}); default 0,
   * never. Only for a connection in WAL mode.
   */
  walCheckpointAt?: number;
  /** Busy retry policy; fields left out take {@link DEFAULT_BUSY_POLICY}. */
  busy?: Partial<BusyPolicy>;
  /** Source of backoff jitter in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Waits out one backoff delay; default a `setTimeout`. A test seam. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Counters of one connection since it opened. Busy counters include the
 * pragmas and migrations of {@link openDatabase}.
 */
export interface UnitOfWorkStats {
  /** Write transactions committed. */
  commits: number;
  /** Read transactions that ended normally. */
  reads: number;
  /**
   * Transactions rolled back because their work threw, or a lock outlasted
   * the retries (read or write). A read rerun after a lock is not counted.
   */
  rollbacks: number;
  /** Rollbacks caused by a ConflictError. */
  conflicts: number;
  /** Backoff sleeps after "database is locked". */
  busyRetries: number;
  /**
   * Units of work that met "database is locked" at least once (retried,
   * whether or not they then succeeded): transactions, and the pragmas of
   * an open counted as one.
   */
  busyRetried: number;
  /** BusyErrors thrown after the retries ran out. */
  busyErrors: number;
  /** Total time spent in busy backoff, in ms. */
  busyWaitMs: number;
  /** Prepared statements cached on this connection. */
  statements: number;
  /** WAL checkpoints this connection ran that restarted the WAL. */
  checkpoints: number;
  /** WAL checkpoints it tried that readers or a writer kept from finishing. */
  checkpointsBusy: number;
  /** The largest WAL file size this connection saw, in bytes (0 unless it checks). */
  walBytesPeak: number;
}

/** What `PRAGMA integrity_check` and `PRAGMA foreign_key_check` found. */
export interface IntegrityReport {
  /** True when both checks found nothing. */
  ok: boolean;
  /** One line per problem; empty when `ok`. */
  problems: string[];
}

/** The repositories of a transaction opened by {@link UnitOfWork.read}. */
export interface ReadTransaction {
  /** Money accounts. */
  readonly accounts: AccountReader;
  /** Versioned aggregates stored as JSON. */
  readonly entities: EntityReader;
  /** The transition log. */
  readonly transitions: TransitionReader;
  /** Messages to publish. */
  readonly outbox: OutboxReader;
  /** Message ids consumers have seen. */
  readonly inbox: InboxReader;
  /** A cached prepared statement for SQL of your own. */
  statement(sql: string): StatementSync;
}

/**
 * A transaction opened by {@link UnitOfWork.run}, with its repositories.
 * It ends when the callback settles; using it afterwards throws.
 */
export interface Transaction extends ReadTransaction {
  /** Money accounts. */
  readonly accounts: AccountRepository;
  /** Versioned aggregates stored as JSON. */
  readonly entities: EntityRepository;
  /** The transition log. */
  readonly transitions: TransitionRepository;
  /** Messages to publish. */
  readonly outbox: OutboxRepository;
  /** Message ids consumers have seen. */
  readonly inbox: InboxRepository;
  /** True until the transaction commits or rolls back. */
  readonly active: boolean;
  /**
   * Runs `hook` after this transaction commits; never after a rollback. Use
   * it to publish what was committed. Hooks run once the connection is
   * released, so a slow (async) hook never holds up the next transaction;
   * hooks of one connection still run one after another in commit order,
   * and `run()` resolves once its own hooks have. A slow hook therefore
   * delays the hooks (and the `run()` results) of later commits, not their
   * writes. A hook that throws makes `run()` throw, but the commit stands.
   */
  afterCommit(hook: () => unknown): void;
}

/** The one implementation of {@link Transaction}. Internal. */
class ScopedTransaction implements Transaction, StatementSource {
  #cache: StatementCache;
  #scope: Scope;
  #accounts?: AccountRepository;
  #entities?: EntityRepository;
  #transitions?: TransitionRepository;
  #outbox?: OutboxRepository;
  #inbox?: InboxRepository;

  constructor(cache: StatementCache, scope: Scope) {
    this.#cache = cache;
    this.#scope = scope;
  }

  /** Money accounts. */
  get accounts(): AccountRepository {
    return this.#accounts ??= new AccountRepository(this);
  }

  /** Versioned aggregates stored as JSON. */
  get entities(): EntityRepository {
    return this.#entities ??= new EntityRepository(this);
  }

  /** The transition log. */
  get transitions(): TransitionRepository {
    return this.#transitions ??= new TransitionRepository(this);
  }

  /** Messages to publish. */
  get outbox(): OutboxRepository {
    return this.#outbox ??= new OutboxRepository(this);
  }

  /** Message ids consumers have seen. */
  get inbox(): InboxRepository {
    return this.#inbox ??= new InboxRepository(this);
  }

  /** True until the transaction commits or rolls back. */
  get active(): boolean {
    return this.#scope.open;
  }

  afterCommit(hook: () => unknown): void {
    if (!this.#scope.open) {
      throw new Error(
        "Cannot add an afterCommit hook: the transaction has already ended",
      );
    }
    (this.#scope.hooks ??= []).push(hook);
  }

  /** A cached prepared statement, usable only while the transaction is open. */
  statement(sql: string): StatementSync {
    if (!this.#scope.open) {
      throw new Error(
        "Cannot use the transaction: it has already committed or rolled back",
      );
    }
    return this.#cache.get(sql);
  }
}

/** A transaction's life, shared by it and its UnitOfWork. Internal. */
interface Scope {
  open: boolean;
  hooks?: (() => unknown)[];
}

/** Prepared statements of one connection, by SQL text. Internal. */
class StatementCache {
  #db: DatabaseSync;
  #map = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get size(): number {
    return this.#map.size;
  }

  get(sql: string): StatementSync {
    let statement = this.#map.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#map.set(sql, statement);
    }
    return statement;
  }

  clear(): void {
    this.#map.clear();
  }
}

/** What a busy retry was for, for its BusyError. */
interface RetryLabel {
  /** Verb phrase: "begin a transaction". */
  action: string;
  /** The database path. */
  path: string;
}

/** The default {@link OpenOptions.sleep}. */
function sleep(ms: number): Promise<void> {
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
class Backoff {
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

/** Runs every hook in order; then throws the first error, if any. */
async function runHooks(hooks: (() => unknown)[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const hook of hooks) {
    try {
      const done = hook();
      if (done instanceof Promise) await done;
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure !== undefined) throw failure.error;
}

/** The size of a file in bytes; 0 when it is not there. */
function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/**
 * Looks at the WAL file's size every few commits and runs a TRUNCATE
 * checkpoint once it has reached a bound (see {@link WalPolicy}). Internal.
 */
class WalGuard {
  #file: string;
  #at: number;
  #commits = 0;
  #lookAt = 0;
  checkpoints = 0;
  busy = 0;
  peak = 0;

  constructor(file: string, checkpointAt: number) {
    this.#file = file;
    this.#at = checkpointAt;
  }

  /** Called after each commit, while the connection is still held. */
  afterCommit(cache: StatementCache): void {
    const now = performance.now();
    if (++this.#commits < WAL_CHECK_COMMITS && now < this.#lookAt) return;
    this.#commits = 0;
    this.#lookAt = now + WAL_CHECK_MS;
    const size = fileSize(this.#file);
    if (size > this.peak) this.peak = size;
    if (size < this.#at) return;
    try {
      // Without a busy handler (timeout 0) this never waits: if a writer or
      // a reader of the WAL is in the way it copies what it can and answers
      // busy = 1.
      const row = cache.get("PRAGMA wal_checkpoint(TRUNCATE)").get();
      if (row?.busy === 0) {
        this.checkpoints++;
        return;
      }
    } catch (error) {
      if (!isBusyError(error)) throw error;
    }
    // Blocked: try again after this connection's next commit.
    this.busy++;
    this.#lookAt = 0;
  }
}

/** Connections of this module (this thread) not yet closed. */
let openCount = 0;

/**
 * How many {@link UnitOfWork} connections this thread (module instance) has
 * open: one per constructed UnitOfWork, until it closes. A check for leaked
 * connections after a load.
 *
 * @example
 * ```ts
 * import { openConnections, openDatabase } from "./unit_of_work.ts";
 * const before = openConnections();
 * {
 *   await using uow = await openDatabase(":memory:");
 *   console.log(openConnections() - before); // 1
 * }
 * console.log(openConnections() - before); // 0
 * ```
 */
export function openConnections(): number {
  return openCount;
}

/** Lets {@link openDatabase} share a connection's backoff. */
let backoffOf: (uow: UnitOfWork) => Backoff;
/** Lets {@link openDatabase} bound the WAL once the journal mode is known. */
let guardWal: (uow: UnitOfWork, checkpointAt: number) => void;

/** SQLITE_CORRUPT or SQLITE_NOTADB. */
function isCorruptError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (typeof errcode === "number") {
    return (errcode & 0xff) === 11 || (errcode & 0xff) === 26;
  }
  return /malformed|not a database/.test(error.message);
}

/**
 * One SQLite connection as a unit of work. Create it with
 * {@link openDatabase}; close it with `await using` or {@link close}.
 */
export class UnitOfWork implements AsyncDisposable, Disposable {
  #db: DatabaseSync;
  #path: string;
  #cache: StatementCache;
  #backoff: Backoff;
  #locked = false;
  #waiters: (() => void)[] = [];
  #closing?: Promise<void>;
  /** Settles after the hooks of the latest commit; hooks chain on it. */
  #hooksTail: Promise<void> = Promise.resolve();
  #wal?: WalGuard;
  #commits = 0;
  #reads = 0;
  #rollbacks = 0;
  #conflicts = 0;
  #busyErrors = 0;

  static {
    backoffOf = (uow) => uow.#backoff;
    guardWal = (uow, checkpointAt) => {
      uow.#wal = checkpointAt > 0
        ? new WalGuard(`${uow.#path}-wal`, checkpointAt)
        : undefined;
    };
  }

  /**
   * Wraps a connection you opened yourself; {@link openDatabase} also sets
   * pragmas and migrates. Give SQLite a `timeout` of 0 so that locks come
   * back as errors to retry rather than blocking the thread.
   */
  constructor(db: DatabaseSync, options: UnitOfWorkOptions = {}) {
    this.#db = db;
    this.#path = options.path ?? db.location() ?? ":memory:";
    this.#cache = new StatementCache(db);
    this.#backoff = new Backoff(busyPolicy(options.busy), {
      random: options.random ?? Math.random,
      sleep: options.sleep ?? sleep,
    });
    if (db.isOpen) openCount++;
    guardWal(this, options.walCheckpointAt ?? 0);
  }

  /** The path this connection opened (`":memory:"` for a memory db). */
  get path(): string {
    return this.#path;
  }

  /** False once closed. */
  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  /** True while a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.#db.isOpen && this.#db.isTransaction;
  }

  /** The busy policy in force. */
  get busyPolicy(): Readonly<BusyPolicy> {
    return this.#backoff.policy;
  }

  /** A snapshot of this connection's counters. */
  get stats(): UnitOfWorkStats {
    return {
      commits: this.#commits,
      reads: this.#reads,
      rollbacks: this.#rollbacks,
      conflicts: this.#conflicts,
      busyRetries: this.#backoff.retries,
      busyRetried: this.#backoff.retried,
      busyErrors: this.#busyErrors + this.#backoff.errors,
      busyWaitMs: this.#backoff.waitedMs,
      statements: this.#cache.size,
      checkpoints: this.#wal?.checkpoints ?? 0,
      checkpointsBusy: this.#wal?.busy ?? 0,
      walBytesPeak: this.#wal?.peak ?? 0,
    };
  }

  /**
   * Runs `work` in a `BEGIN IMMEDIATE` transaction: commits when it returns,
   * rolls back when it throws (and rethrows). Waits for the connection's
   * previous transaction first. "database is locked" while beginning or
   * committing is retried with backoff; when retries run out, or a statement
   * inside `work` meets a lock, it throws a BusyError. After the commit it
   * releases the connection, then runs the transaction's
   * {@link Transaction.afterCommit} hooks (after those of earlier commits)
   * and resolves once they ran.
   *
   * @example
   * ```ts
   * import { openDatabase } from "./unit_of_work.ts";
   * await using uow = await openDatabase(":memory:");
   * await uow.run((tx) => tx.accounts.insert({ id: 1, balance: 100 }));
   * ```
   */
  async run<T>(work: (tx: Transaction) => T | Promise<T>): Promise<T> {
    await this.#acquire("run a transaction");
    const mark = this.#backoff.retries;
    let result: T;
    let hooks: Promise<void> | undefined;
    try {
      await this.#exec("begin a transaction", "BEGIN IMMEDIATE");
      const scope: Scope = { open: true };
      try {
        result = await work(new ScopedTransaction(this.#cache, scope));
        scope.open = false;
        await this.#exec("commit", "COMMIT");
      } catch (error) {
        scope.open = false;
        throw this.#rollback(error);
      }
      this.#commits++;
      this.#wal?.afterCommit(this.#cache);
      // Chained while the lock is still held, so hooks run in commit order.
      if (scope.hooks !== undefined) hooks = this.#chainHooks(scope.hooks);
    } finally {
      this.#backoff.settle(mark);
      this.#release();
    }
    if (hooks !== undefined) await hooks;
    return result;
  }

  /**
   * Runs `work` in a deferred (read) transaction, so its reads see one
   * snapshot. A lock met while reading rolls back and runs `work` again after
   * a backoff, so keep `work` free of side effects.
   *
   * @example
   * ```ts
   * import { openDatabase } from "./unit_of_work.ts";
   * await using uow = await openDatabase(":memory:");
   * const total = await uow.read((tx) => tx.accounts.totals().sum);
   * ```
   */
  async read<T>(work: (tx: ReadTransaction) => T | Promise<T>): Promise<T> {
    await this.#acquire("read");
    const mark = this.#backoff.retries;
    try {
      for (let attempt = 0;; attempt++) {
        const scope: Scope = { open: true };
        try {
          this.#cache.get("BEGIN DEFERRED").run();
          const result = await work(new ScopedTransaction(this.#cache, scope));
          scope.open = false;
          this.#cache.get("COMMIT").run();
          this.#reads++;
          return result;
        } catch (error) {
          scope.open = false;
          if (!isBusyError(error) || error instanceof BusyError) {
            throw this.#rollback(error);
          }
          this.#undo(); // rerun after a backoff: not a rollback of the work
          if (!await this.#backoff.pause(attempt)) {
            this.#rollbacks++;
            throw this.#backoff.exhausted(
              { action: "read", path: this.#path },
              error,
            );
          }
        }
      }
    } finally {
      this.#backoff.settle(mark);
      this.#release();
    }
  }

  /**
   * Applies the migrations newer than the database's `user_version`, in one
   * `BEGIN IMMEDIATE` transaction; returns the version reached. Connections
   * racing to migrate one file apply each step once.
   *
   * @example
   * ```ts
   * import { openDatabase } from "./unit_of_work.ts";
   * await using uow = await openDatabase(":memory:", { migrations: [] });
   * console.log(await uow.migrate()); // 2
   * ```
   */
  async migrate(
    migrations: readonly Migration[] = MIGRATIONS,
  ): Promise<number> {
    const latest = checkMigrations(migrations);
    const current = await this.read((tx) => userVersion(tx));
    if (current >= latest) return refuseNewer(this.#path, current, latest);
    return await this.run((tx) => {
      const found = userVersion(tx);
      for (const migration of migrations) {
        if (migration.version <= found) continue;
        try {
          this.#db.exec(migration.sql);
        } catch (error) {
          throw new Error(
            `Cannot migrate "${this.#path}" to version ${migration.version} (${migration.name}): ${
              (error as Error).message
            }`,
            { cause: error },
          );
        }
      }
      this.#db.exec(`PRAGMA user_version = ${latest}`);
      return latest;
    });
  }

  /**
   * Runs `PRAGMA integrity_check` (or `quick_check`) and
   * `PRAGMA foreign_key_check`.
   *
   * @example
   * ```ts
   * import { openDatabase } from "./unit_of_work.ts";
   * await using uow = await openDatabase(":memory:");
   * console.log((await uow.integrityCheck()).ok); // true
   * ```
   */
  async integrityCheck(
    options: { quick?: boolean } = {},
  ): Promise<IntegrityReport> {
    const pragma = options.quick ? "quick_check" : "integrity_check";
    try {
      return await this.read((tx) => {
        const problems: string[] = [];
        for (const row of tx.statement(`PRAGMA ${pragma}`).all()) {
          const text = String(Object.values(row)[0]);
          if (text !== "ok") problems.push(text);
        }
        for (const row of tx.statement("PRAGMA foreign_key_check").all()) {
          problems.push(
            `foreign key: row ${row.rowid} of ${row.table} points at a missing ${row.parent} row`,
          );
        }
        return { ok: problems.length === 0, problems };
      });
    } catch (error) {
      // A page too broken to walk fails the check itself.
      if (!isCorruptError(error)) throw error;
      return { ok: false, problems: [(error as Error).message] };
    }
  }

  /**
   * Waits for the running and queued transactions, then closes the
   * connection; tasks that queue after the close are refused. Idempotent:
   * every call (concurrent or later) gets the same settled promise.
   */
  close(): Promise<void> {
    return this.#closing ??= this.#closeAfterQueue();
  }

  async #closeAfterQueue(): Promise<void> {
    if (!this.#db.isOpen) return;
    await this.#acquire("close");
    try {
      this.#closeNow();
    } finally {
      this.#release();
    }
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Closes at once; SQLite rolls back a transaction still open. */
  [Symbol.dispose](): void {
    this.#closeNow();
  }

  #closeNow(): void {
    if (!this.#db.isOpen) return;
    this.#cache.clear();
    this.#db.close();
    openCount--;
  }

  /** Runs `hooks` after those of earlier commits; settles when they ran. */
  #chainHooks(hooks: (() => unknown)[]): Promise<void> {
    const done = this.#hooksTail.then(() => runHooks(hooks));
    this.#hooksTail = done.catch(() => {}); // reported to its own run()
    return done;
  }

  #acquire(action: string): Promise<void> | void {
    if (!this.#db.isOpen) throw this.#closedError(action);
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(
      () => {
        if (!this.#db.isOpen) {
          this.#release();
          throw this.#closedError(action);
        }
      },
    );
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else next(); // hand over without unlocking, so nobody barges in
  }

  #closedError(action: string): Error {
    return new Error(
      `Cannot ${action} on "${this.#path}": the connection is closed`,
    );
  }

  /** Runs one statement, retrying with backoff while the database is locked. */
  #exec(action: string, sql: string): unknown {
    const statement = this.#cache.get(sql);
    return this.#backoff.run(() => statement.run(), {
      action,
      path: this.#path,
    });
  }

  /** Rolls back if a transaction is open; returns the error to throw. */
  #rollback(error: unknown): unknown {
    this.#undo();
    this.#rollbacks++;
    if ((error as { outcome?: unknown } | null)?.outcome === "conflict") {
      this.#conflicts++;
    }
    if (isBusyError(error) && !(error instanceof BusyError)) {
      this.#busyErrors++;
      return new BusyError(
        `Cannot finish a transaction on "${this.#path}": database is locked`,
        { cause: error },
      );
    }
    return error;
  }

  /** Rolls back the open transaction, if any; counts nothing. */
  #undo(): void {
    if (this.#db.isTransaction) {
      try {
        this.#cache.get("ROLLBACK").run();
      } catch {
        // SQLite already rolled back (e.g. after SQLITE_FULL): nothing to undo.
      }
    }
  }
}

/**
 * Opens (creating if needed) a SQLite database, sets its journal mode and
 * synchronous level, and applies pending migrations.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./unit_of_work.ts";
 * await using uow = await openDatabase(":memory:", { synchronous: "full" });
 * const id = await uow.run((tx) =>
 *   tx.entities.insert({ id: "order-1", kind: "order", state: "new", data: { lines: 2 } })
 * );
 * ```
 */
export async function openDatabase(
  path: string,
  options: OpenOptions = {},
): Promise<UnitOfWork> {
  const busy = busyPolicy(options.busy);
  const db = new DatabaseSync(path, {
    timeout: options.busyTimeoutMs ?? 0,
    enableForeignKeyConstraints: options.foreignKeys ?? true,
  });
  const uow = new UnitOfWork(db, {
    path,
    busy,
    random: options.random,
    sleep: options.sleep,
  });
  // Pragmas run outside any transaction, on the connection's own backoff so
  // their retries show in its stats (the pragmas count as one unit of work).
  const backoff = backoffOf(uow);
  try {
    const mark = backoff.retries;
    // Even a pragma can meet a lock: another connection may be recovering
    // the WAL this instant.
    await backoff.run(
      () => db.exec(`PRAGMA synchronous = ${options.synchronous ?? "normal"}`),
      { action: "set synchronous", path },
    );
    const mode = await setJournalMode(db, {
      mode: options.journalMode ?? "wal",
      path,
      backoff,
    });
    if (mode === "wal") {
      const wal = walPolicy(options.wal);
      db.exec(`PRAGMA journal_size_limit = ${wal.sizeLimit}`);
      guardWal(uow, wal.checkpointAt);
    }
    backoff.settle(mark);
    await uow.migrate(options.migrations ?? MIGRATIONS);
  } catch (error) {
    uow[Symbol.dispose]();
    throw error;
  }
  return uow;
}

/**
 * Deletes a database file with its `-wal` and `-shm` companions; files that
 * are not there are fine. Close every connection to it first.
 *
 * @example
 * ```ts
 * import { removeDatabase } from "./unit_of_work.ts";
 * await removeDatabase("scratch.db");
 * ```
 */
export async function removeDatabase(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      await Deno.remove(path + suffix);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** Sets the journal mode; returns the one in force. */
async function setJournalMode(
  db: DatabaseSync,
  options: { mode: JournalMode; path: string; backoff: Backoff },
): Promise<string> {
  const { mode, path, backoff } = options;
  const label = { action: `set journal_mode "${mode}"`, path };
  const current = await backoff.run(
    () => pragmaValue(db, "PRAGMA journal_mode"),
    label,
  );
  if (current === mode || current === "memory") return current;
  const got = await backoff.run(
    () => pragmaValue(db, `PRAGMA journal_mode = ${mode}`),
    label,
  );
  if (got !== mode) {
    throw new Error(
      `Cannot set journal_mode "${mode}" on "${path}": SQLite kept "${got}"`,
    );
  }
  return got;
}

function pragmaValue(db: DatabaseSync, sql: string): string {
  return String(Object.values(db.prepare(sql).get() ?? {})[0]);
}

function userVersion(tx: ReadTransaction): number {
  return Number(tx.statement("PRAGMA user_version").get()?.user_version ?? 0);
}

function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1) {
      throw new RangeError(
        `Cannot migrate: migration "${migration.name}" has version ${migration.version}, expected ${
          i + 1
        }`,
      );
    }
  });
  return migrations.length;
}

function refuseNewer(path: string, current: number, latest: number): number {
  if (current > latest) {
    throw new Error(
      `Cannot open "${path}": schema version ${current} is newer than this build knows (${latest})`,
    );
  }
  return current;
}

/** The full WAL policy, checked. */
function walPolicy(partial: Partial<WalPolicy> = {}): WalPolicy {
  const policy = { ...DEFAULT_WAL_POLICY, ...partial };
  const { sizeLimit, checkpointAt } = policy;
  if (!Number.isInteger(sizeLimit) || sizeLimit < -1) {
    throw new RangeError(
      `Cannot open database: WAL size limit must be a whole number of bytes >= -1, got ${sizeLimit}`,
    );
  }
  if (!(checkpointAt >= 0)) {
    throw new RangeError(
      `Cannot open database: WAL checkpoint size must be >= 0 bytes, got ${checkpointAt}`,
    );
  }
  return policy;
}

/** The full policy, checked. */
function busyPolicy(partial: Partial<BusyPolicy> = {}): BusyPolicy {
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
