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
// Types only here: the module loads when a database opens (openDatabase), so
// `tensile validate` and `--version` never load SQLite.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BusyError } from "../../errors.ts";
import {
  Backoff,
  type BusyPolicy,
  busyPolicy,
  isBusyError,
  sleep,
} from "./_busy.ts";
import {
  type Scope,
  ScopedTransaction,
  StatementCache,
} from "./_transaction.ts";
import { WalGuard, type WalPolicy, walPolicy } from "./_wal.ts";
import { type Migration, MIGRATIONS } from "./migrations.ts";
import type {
  AccountReader,
  AccountRepository,
  EntityReader,
  EntityRepository,
  InboxReader,
  InboxRepository,
  OutboxReader,
  OutboxRepository,
  TransitionReader,
  TransitionRepository,
} from "./repositories.ts";

export {
  backoffDelay,
  type BusyPolicy,
  DEFAULT_BUSY_POLICY,
  isBusyError,
} from "./_busy.ts";
export {
  DEFAULT_WAL_POLICY,
  WAL_CHECK_COMMITS,
  WAL_CHECK_MS,
  type WalPolicy,
} from "./_wal.ts";

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
  const { DatabaseSync } = await import("node:sqlite");
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
