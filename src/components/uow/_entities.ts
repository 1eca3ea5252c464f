/**
 * The entities repository: aggregates stored as JSON, with optimistic
 * versions.
 * @module
 */
import { ConflictError, ValidationError } from "../../errors.ts";
import {
  conflictOr,
  type Row,
  type RowWriteOptions,
  type StatementSource,
} from "./_repository.ts";

/** A versioned aggregate whose data is stored as JSON. */
export interface StoredEntity<T = unknown> {
  /** Unique id. */
  id: string;
  /** Aggregate type, e.g. `"order"`. */
  kind: string;
  /** Lifecycle state. */
  state: string;
  /** Starts at 1; each update adds 1. */
  version: number;
  /** The aggregate's data (JSON-serializable). */
  data: T;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Last write time, ms since the epoch. */
  updatedAt: number;
}

/** A new entity; it starts at version 1. */
export interface NewEntity<T = unknown> {
  /** Unique id. */
  id: string;
  /** Aggregate type. */
  kind: string;
  /** Initial state. */
  state: string;
  /** JSON-serializable data. */
  data: T;
  /** Creation time; default `Date.now()`. */
  createdAt?: number;
}

/** What an update changes; a field left out keeps its value. */
export interface EntityChanges<T = unknown> {
  /** New state. */
  state?: string;
  /** New data (replaces the old JSON whole). */
  data?: T;
}

/** An indexed range query over one kind's creation times. */
export interface EntityRange {
  /** Aggregate type. */
  kind: string;
  /** Earliest `createdAt`, inclusive; default no bound. */
  from?: number;
  /** Latest `createdAt`, inclusive; default no bound. */
  to?: number;
  /** At most this many, oldest first; default 100. */
  limit?: number;
}

/** Read-only view of {@link EntityRepository}. */
export type EntityReader = Pick<EntityRepository, "get" | "list" | "count">;

/** Entities of the transaction's database. */
export class EntityRepository {
  #sql: StatementSource;

  /** Internal: use `tx.entities`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** The entity with its data parsed, or undefined. */
  get<T = unknown>(id: string): StoredEntity<T> | undefined {
    const row = this.#sql.statement(
      "SELECT id, kind, state, version, data, created_at, updated_at FROM entities WHERE id = ?",
    ).get(id);
    return row === undefined ? undefined : toStoredEntity<T>(row);
  }

  /** Entities of a kind created in `[from, to]`, via the (kind, created_at) index. */
  list<T = unknown>(range: EntityRange): StoredEntity<T>[] {
    const rows = this.#sql.statement(
      "SELECT id, kind, state, version, data, created_at, updated_at FROM entities WHERE kind = ? AND created_at BETWEEN ? AND ? ORDER BY created_at LIMIT ?",
    ).all(
      range.kind,
      range.from ?? Number.MIN_SAFE_INTEGER,
      range.to ?? Number.MAX_SAFE_INTEGER,
      range.limit ?? 100,
    );
    return rows.map((row) => toStoredEntity<T>(row));
  }

  /** Number of entities, of one kind or all. */
  count(kind?: string): number {
    const row = kind === undefined
      ? this.#sql.statement("SELECT count(*) AS n FROM entities").get()
      : this.#sql.statement("SELECT count(*) AS n FROM entities WHERE kind = ?")
        .get(kind);
    return row?.n as number;
  }

  /** Inserts at version 1; a taken id is a ConflictError. */
  insert<T>(entity: NewEntity<T>): StoredEntity<T> {
    const at = entity.createdAt ?? Date.now();
    this.insertMany([{ ...entity, createdAt: at }]);
    return { ...entity, version: 1, createdAt: at, updatedAt: at };
  }

  /** Inserts many with one prepared statement; returns the count. */
  insertMany<T>(entities: Iterable<NewEntity<T>>): number {
    const statement = this.#sql.statement(
      "INSERT INTO entities (id, kind, state, version, data, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
    );
    const now = Date.now();
    let count = 0;
    let id = "";
    try {
      for (const entity of entities) {
        id = entity.id;
        const at = entity.createdAt ?? now;
        const data = JSON.stringify(entity.data);
        statement.run(id, entity.kind, entity.state, data, at, at);
        count++;
      }
    } catch (error) {
      throw conflictOr(error, `entity "${id}"`);
    }
    return count;
  }

  /**
   * Writes state and/or data and adds 1 to the version; returns the new
   * version. With `expectedVersion`, a newer row is a ConflictError.
   */
  update<T>(
    id: string,
    changes: EntityChanges<T>,
    options: RowWriteOptions = {},
  ): number {
    const row = this.#sql.statement(
      "UPDATE entities SET state = coalesce(?1, state), data = coalesce(?2, data), version = version + 1, updated_at = ?3 WHERE id = ?4 AND (?5 IS NULL OR version = ?5) RETURNING version",
    ).get(
      changes.state ?? null,
      changes.data === undefined ? null : JSON.stringify(changes.data),
      options.at ?? Date.now(),
      id,
      options.expectedVersion ?? null,
    );
    if (row !== undefined) return row.version as number;
    const found = this.get(id);
    if (found === undefined) {
      throw new ValidationError(
        `Cannot update entity "${id}": it does not exist`,
      );
    }
    throw new ConflictError(
      `Cannot update entity "${id}": expected version ${options.expectedVersion}, found ${found.version}`,
    );
  }

  /** Deletes the entity; returns whether it existed. */
  remove(id: string): boolean {
    return this.#sql.statement("DELETE FROM entities WHERE id = ?").run(id)
      .changes === 1;
  }
}

function toStoredEntity<T>(row: Row): StoredEntity<T> {
  return {
    id: row.id as string,
    kind: row.kind as string,
    state: row.state as string,
    version: row.version as number,
    data: JSON.parse(row.data as string) as T,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}
