/**
 * The context: a map of keys, each one a versioned {@link StateStore} whose
 * snapshot context holds the key's JSON value, plus a store-wide sequence
 * that counts every committed write. Optionally written through to SQLite
 * (the unit of work, WAL) and loaded back at start.
 *
 * Every method that changes or reads the map is synchronous, so a
 * compare-and-set is atomic and a {@link ContextStore.snapshot} sees one
 * moment; only the write-through to SQLite awaits.
 * @module
 */
import { type JsonValue, type Snapshot, StateStore } from "../store/mod.ts";
import { type Migration, openDatabase, type UnitOfWork } from "../uow/mod.ts";
import {
  type ContextDefect,
  LOST_WRITE_EVERY,
  STALE_VERSION_EVERY,
} from "./_defects.ts";

/** One key as a dump and a read see it. */
export interface ContextEntry {
  /** The key. */
  key: string;
  /** Its JSON value. */
  value: JsonValue;
  /** Its version: 1 for the first write, then +1 per write or delete. */
  version: number;
}

/** Every live key at one moment, sorted by key. */
export interface ContextSnapshot {
  /** The store-wide sequence at that moment (committed writes and deletes). */
  version: number;
  /** The live keys. */
  entries: ContextEntry[];
}

/** One row to write through to SQLite (`value` null for a delete). */
export interface ContextRow {
  key: string;
  value: string | null;
  version: number;
  seq: number;
}

/** What a write asks to hold before it commits. */
export interface WriteConditions {
  /** `expected_version` of the body: stale → `conflict` (HTTP 409). */
  expected?: number;
  /** `If-Match`: a version or `*` (exists); stale → `precondition` (412). */
  ifMatch?: number | "*";
}

/** The outcome of {@link ContextStore.put} and {@link ContextStore.delete}. */
export type WriteResult =
  | {
    kind: "ok";
    /** The version the client is told. */
    version: number;
    /** The key did not exist (or was deleted) before. */
    created: boolean;
    /** What to write through, when the store is durable and it was stored. */
    row: ContextRow | undefined;
  }
  | { kind: "conflict" | "precondition" | "missing"; current: number };

interface Entry {
  store: StateStore;
  /** False once deleted: the key's store stays as a tombstone. */
  live: boolean;
  /** The GET response body for the current version, built on first read. */
  body: string | undefined;
}

/** The SQLite schema of a context database. */
export const CONTEXT_MIGRATIONS: readonly Migration[] = [{
  version: 1,
  name: "context",
  sql: `CREATE TABLE context (
    key TEXT PRIMARY KEY,
    value TEXT,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL
  ) STRICT;`,
}];

const UPSERT = `INSERT INTO context (key, value, version, seq)
  VALUES (?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET
    value = excluded.value, version = excluded.version, seq = excluded.seq
  WHERE excluded.version > context.version`;

/** A key's state name while it holds a value, and after a delete. */
const SET = "SET";
const DELETED = "DELETED";

/** The keyed, versioned context the server serves. */
export class ContextStore {
  #entries = new Map<string, Entry>();
  #live = 0;
  #seq = 0;
  #db: UnitOfWork | undefined;
  #defect: ContextDefect;
  #puts = 0;

  private constructor(db: UnitOfWork | undefined, defect: ContextDefect) {
    this.#db = db;
    this.#defect = defect;
  }

  /**
   * An empty store, or with `db` the context saved in that SQLite file
   * (created when missing).
   */
  static async open(
    db: string | undefined,
    defect: ContextDefect = "none",
  ): Promise<ContextStore> {
    if (db === undefined) return new ContextStore(undefined, defect);
    let uow: UnitOfWork | undefined;
    try {
      uow = await openDatabase(db, { migrations: CONTEXT_MIGRATIONS });
      const store = new ContextStore(uow, defect);
      await uow.read((tx) => {
        const rows = tx.statement(
          "SELECT key, value, version, seq FROM context",
        ).all();
        for (const row of rows) store.#load(row as unknown as ContextRow);
      });
      return store;
    } catch (error) {
      await uow?.close();
      throw new Error(
        `Cannot load the context from "${db}": ${
          (error as Error).message
        } (hint: give --db a file of its own, or a new one)`,
        { cause: error },
      );
    }
  }

  /** Whether writes go through to SQLite. */
  get durable(): boolean {
    return this.#db !== undefined;
  }

  /** Live keys. */
  get size(): number {
    return this.#live;
  }

  /** The store-wide sequence: committed writes and deletes so far. */
  get version(): number {
    return this.#seq;
  }

  /** The GET body `{"key","value","version"}` of a live key. */
  body(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || !entry.live) return undefined;
    if (entry.body === undefined) {
      const snapshot = entry.store.get();
      entry.body = JSON.stringify({
        key,
        value: snapshot.context.value,
        version: snapshot.version,
      });
    }
    return entry.body;
  }

  /**
   * Writes `value` under `key` if `conditions` hold. Throws the store's
   * `ValidationError` for a value JSON cannot carry exactly.
   */
  put(key: string, value: JsonValue, conditions: WriteConditions): WriteResult {
    let entry = this.#entries.get(key);
    const current = entry?.live ? entry.store.version : 0;
    const refused = refusal(current, conditions);
    if (refused !== undefined) return refused;
    const created = current === 0;
    const tick = this.#defect === "none" ? 0 : ++this.#puts;
    if (this.#defect === "lost_write" && tick % LOST_WRITE_EVERY === 0) {
      // Acknowledged, never stored.
      const version = (entry?.store.version ?? 0) + 1;
      return { kind: "ok", version, created, row: undefined };
    }
    const fresh = entry === undefined;
    if (entry === undefined) {
      entry = {
        store: new StateStore({ initial: { state: DELETED }, historyLimit: 1 }),
        live: false,
        body: undefined,
      };
    }
    // A new context object each write: the store seals (checks and freezes)
    // it, and throws before anything changed when the value is not JSON.
    const snapshot = entry.store.set({
      state: SET,
      context: { value },
    }) as Snapshot; // no `block` subscriber, so never a promise
    if (fresh) this.#entries.set(key, entry);
    if (!entry.live) this.#live++;
    entry.live = true;
    entry.body = undefined;
    const seq = ++this.#seq;
    const version = this.#defect === "stale_version" && !created &&
        tick % STALE_VERSION_EVERY === 0
      ? snapshot.version - 1
      : snapshot.version;
    const row = this.#db === undefined ? undefined : {
      key,
      value: JSON.stringify(snapshot.context.value),
      version: snapshot.version,
      seq,
    };
    return { kind: "ok", version, created, row };
  }

  /** Deletes a live key if `conditions` hold (`missing` when it is not live). */
  delete(key: string, conditions: WriteConditions): WriteResult {
    const entry = this.#entries.get(key);
    if (entry === undefined || !entry.live) {
      return { kind: "missing", current: 0 };
    }
    const refused = refusal(entry.store.version, conditions);
    if (refused !== undefined) return refused;
    const snapshot = entry.store.set({ state: DELETED }) as Snapshot;
    entry.live = false;
    entry.body = undefined;
    this.#live--;
    const seq = ++this.#seq;
    const row = this.#db === undefined
      ? undefined
      : { key, value: null, version: snapshot.version, seq };
    return { kind: "ok", version: snapshot.version, created: false, row };
  }

  /**
   * Commits `row` to SQLite. Rows of one key may arrive out of order; an
   * older version never overwrites a newer one.
   */
  async persist(row: ContextRow): Promise<void> {
    const db = this.#db;
    if (db === undefined) return;
    await db.run((tx) => {
      tx.statement(UPSERT).run(row.key, row.value, row.version, row.seq);
    });
  }

  /** Live keys starting with `prefix`, sorted, at most `limit`. */
  keys(prefix: string, limit: number): string[] {
    const out: string[] = [];
    for (const [key, entry] of this.#entries) {
      if (entry.live && key.startsWith(prefix)) out.push(key);
    }
    out.sort(byCodeUnit);
    if (out.length > limit) out.length = limit;
    return out;
  }

  /** Every live key with its value and version, at this one moment. */
  snapshot(): ContextSnapshot {
    const entries: ContextEntry[] = [];
    for (const [key, entry] of this.#entries) {
      if (!entry.live) continue;
      const snapshot = entry.store.get();
      entries.push({
        key,
        value: snapshot.context.value,
        version: snapshot.version,
      });
    }
    entries.sort((a, b) => byCodeUnit(a.key, b.key));
    return { version: this.#seq, entries };
  }

  /** Closes the SQLite connection (after its queued writes). */
  async close(): Promise<void> {
    for (const entry of this.#entries.values()) entry.store.close();
    await this.#db?.close();
  }

  #load(row: ContextRow): void {
    const live = row.value !== null;
    const store = new StateStore({
      initial: live
        ? { state: SET, context: { value: JSON.parse(row.value as string) } }
        : { state: DELETED },
      initialVersion: row.version,
      historyLimit: 1,
    });
    this.#entries.set(row.key, { store, live, body: undefined });
    if (live) this.#live++;
    if (row.seq > this.#seq) this.#seq = row.seq;
  }
}

/** Why a write may not commit on a key at `current` (0: absent). */
function refusal(
  current: number,
  conditions: WriteConditions,
): WriteResult | undefined {
  const { expected, ifMatch } = conditions;
  if (expected !== undefined && expected !== current) {
    return { kind: "conflict", current };
  }
  if (
    ifMatch !== undefined &&
    (ifMatch === "*" ? current === 0 : ifMatch !== current)
  ) {
    return { kind: "precondition", current };
  }
  return undefined;
}

/** Sorts by UTF-16 code units, as JavaScript compares strings. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
