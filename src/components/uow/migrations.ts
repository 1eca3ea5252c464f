/**
 * Versioned schema migrations for the unit of work. The applied version is
 * kept in SQLite's `PRAGMA user_version`; {@link openDatabase} applies the
 * pending ones in one `BEGIN IMMEDIATE` transaction.
 * @module
 */

/** One schema step. Versions start at 1 and increase by 1. */
export interface Migration {
  /** The `user_version` this migration brings the database to. */
  version: number;
  /** A short name, shown in errors. */
  name: string;
  /** The DDL to run (several statements allowed). */
  sql: string;
}

/**
 * The built-in schema: accounts, entities (aggregates as JSON), the
 * transition log, the outbox and the consumers' inbox (dedupe by message id).
 *
 * @example
 * ```ts
 * import { MIGRATIONS } from "./migrations.ts";
 * console.log(MIGRATIONS.at(-1)?.version);
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "accounts and entities",
    sql: `
      CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        balance INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
      ) STRICT;
      CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX entities_kind_created ON entities (kind, created_at);`,
  },
  {
    version: 2,
    name: "transition log, outbox and inbox",
    sql: `
      CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        entity_id TEXT NOT NULL,
        name TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        version INTEGER NOT NULL,
        actor TEXT,
        params TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX transitions_entity ON transitions (entity_id, version);
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        key TEXT NOT NULL,
        transition_id INTEGER REFERENCES transitions (id),
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivered_at INTEGER
      ) STRICT;
      CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
      CREATE INDEX outbox_transition ON outbox (transition_id);
      CREATE TABLE inbox (
        consumer TEXT NOT NULL,
        message_id INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (consumer, message_id)
      ) STRICT, WITHOUT ROWID;`,
  },
];
