/**
 * Repositories bound to one transaction: accounts, entities (aggregates
 * stored as JSON, with optimistic versions), the transition log, the outbox
 * and the consumers' inbox. Get them from a transaction
 * (`tx.entities`, ...), never construct them yourself.
 * @module
 */
import type { SQLInputValue, StatementSync } from "node:sqlite";
import { ConflictError, ValidationError } from "../../errors.ts";

/** Where repositories get their (cached) prepared statements. */
export interface StatementSource {
  /** A prepared statement for `sql`; throws once the transaction ended. */
  statement(sql: string): StatementSync;
}

type Row = Record<string, unknown>;

/** A money account. */
export interface Account {
  /** Account number. */
  id: number;
  /** Balance in the smallest currency unit. */
  balance: number;
  /** Starts at 1; each write adds 1. */
  version: number;
}

/** A new account. */
export interface NewAccount {
  /** Account number. */
  id: number;
  /** Opening balance. */
  balance: number;
}

/** Sum, minimum and count of all balances. */
export interface AccountTotals {
  /** Number of accounts. */
  count: number;
  /** Sum of balances (0 without accounts). */
  sum: number;
  /** Smallest balance (0 without accounts). */
  min: number;
}

/** Both accounts after a transfer. */
export interface TransferResult {
  /** The debited account. */
  from: Account;
  /** The credited account. */
  to: Account;
}

/** Optimistic concurrency for a write. */
export interface RowWriteOptions {
  /** Fail with a ConflictError unless the row still has this version. */
  expectedVersion?: number;
  /** The write time in ms since the epoch; default `Date.now()`. */
  at?: number;
}

/** Read-only view of {@link AccountRepository}. */
export type AccountReader = Pick<AccountRepository, "get" | "list" | "totals">;

/** Accounts of the transaction's database. */
export class AccountRepository {
  #sql: StatementSource;

  /** Internal: use `tx.accounts`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** The account, or undefined. */
  get(id: number): Account | undefined {
    const row = this.#sql.statement(
      "SELECT id, balance, version FROM accounts WHERE id = ?",
    ).get(id);
    return row === undefined ? undefined : toAccount(row);
  }

  /** Every account by id, at most `limit`. */
  list(limit = 1000): Account[] {
    return this.#sql.statement(
      "SELECT id, balance, version FROM accounts ORDER BY id LIMIT ?",
    ).all(limit).map(toAccount);
  }

  /** Count, sum and minimum of all balances. */
  totals(): AccountTotals {
    const row = this.#sql.statement(
      "SELECT count(*) AS count, coalesce(sum(balance), 0) AS sum, coalesce(min(balance), 0) AS min FROM accounts",
    ).get() as unknown as AccountTotals;
    return { count: row.count, sum: row.sum, min: row.min };
  }

  /** Opens an account; a taken id is a ConflictError. */
  insert(account: NewAccount): Account {
    this.insertMany([account]);
    return { id: account.id, balance: account.balance, version: 1 };
  }

  /** Opens many accounts with one prepared statement; returns the count. */
  insertMany(accounts: Iterable<NewAccount>): number {
    const statement = this.#sql.statement(
      "INSERT INTO accounts (id, balance, version) VALUES (?, ?, 1)",
    );
    let count = 0;
    let id = 0;
    try {
      for (const account of accounts) {
        id = account.id;
        statement.run(id, account.balance);
        count++;
      }
    } catch (error) {
      throw conflictOr(error, `account ${id}`);
    }
    return count;
  }

  /** Sets a balance; returns the new version. */
  setBalance(
    id: number,
    balance: number,
    options: RowWriteOptions = {},
  ): number {
    const row = this.#sql.statement(
      "UPDATE accounts SET balance = ?1, version = version + 1 WHERE id = ?2 AND (?3 IS NULL OR version = ?3) RETURNING version",
    ).get(balance, id, options.expectedVersion ?? null);
    if (row !== undefined) return row.version as number;
    const found = this.get(id);
    if (found === undefined) {
      throw new ValidationError(
        `Cannot update account ${id}: it does not exist`,
      );
    }
    throw new ConflictError(
      `Cannot update account ${id}: expected version ${options.expectedVersion}, found ${found.version}`,
    );
  }

  /**
   * Moves `amount` from one account to another: reads both, checks funds,
   * writes both. Bad input or missing funds is a ValidationError.
   */
  transfer(from: number, to: number, amount: number): TransferResult {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new ValidationError(
        `Cannot transfer ${amount}: the amount must be a whole number above 0`,
      );
    }
    if (from === to) {
      throw new ValidationError(
        `Cannot transfer from account ${from} to itself`,
      );
    }
    const source = this.#existing(from);
    const target = this.#existing(to);
    if (source.balance < amount) {
      throw new ValidationError(
        `Cannot transfer ${amount} from account ${from}: balance is ${source.balance}`,
      );
    }
    const debited = source.balance - amount;
    const credited = target.balance + amount;
    return {
      from: {
        id: from,
        balance: debited,
        version: this.setBalance(from, debited),
      },
      to: { id: to, balance: credited, version: this.setBalance(to, credited) },
    };
  }

  #existing(id: number): Account {
    const account = this.get(id);
    if (account === undefined) {
      throw new ValidationError(`Cannot use account ${id}: it does not exist`);
    }
    return account;
  }
}

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

/** One row of the transition log. */
export interface TransitionRecord {
  /** Log row id (increasing). */
  id: number;
  /** The entity that moved. */
  entityId: string;
  /** Transition name. */
  name: string;
  /** State before; null for a creation. */
  from: string | null;
  /** State after. */
  to: string;
  /** The entity's version after this transition. */
  version: number;
  /** Who applied it, if known. */
  actor: string | null;
  /** The transition's params. */
  params: unknown;
  /** When, ms since the epoch. */
  at: number;
}

/** A transition to log. */
export interface NewTransition {
  /** The entity that moved. */
  entityId: string;
  /** Transition name. */
  name: string;
  /** State before; null for a creation. */
  from: string | null;
  /** State after. */
  to: string;
  /** The entity's version after this transition. */
  version: number;
  /** Who applied it. */
  actor?: string;
  /** JSON-serializable params; default `{}`. */
  params?: unknown;
  /** When; default `Date.now()`. */
  at?: number;
}

/** Which log rows to count; fields left out match anything. */
export interface TransitionFilter {
  /** Only this entity. */
  entityId?: string;
  /** Only this transition name. */
  name?: string;
  /** Only this actor. */
  actor?: string;
}

/** Read-only view of {@link TransitionRepository}. */
export type TransitionReader = Pick<
  TransitionRepository,
  "forEntity" | "count"
>;

/** The transition log of the transaction's database. */
export class TransitionRepository {
  #sql: StatementSource;

  /** Internal: use `tx.transitions`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** Appends a row; returns its id. */
  append(entry: NewTransition): number {
    const result = this.#sql.statement(
      "INSERT INTO transitions (entity_id, name, from_state, to_state, version, actor, params, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(
      entry.entityId,
      entry.name,
      entry.from,
      entry.to,
      entry.version,
      entry.actor ?? null,
      JSON.stringify(entry.params ?? {}),
      entry.at ?? Date.now(),
    );
    return Number(result.lastInsertRowid);
  }

  /** An entity's log, oldest first. */
  forEntity(entityId: string): TransitionRecord[] {
    return this.#sql.statement(
      "SELECT id, entity_id, name, from_state, to_state, version, actor, params, at FROM transitions WHERE entity_id = ? ORDER BY version, id",
    ).all(entityId).map(toTransition);
  }

  /** Number of rows matching the filter. */
  count(filter: TransitionFilter = {}): number {
    const clauses: string[] = [];
    const values: SQLInputValue[] = [];
    if (filter.entityId !== undefined) {
      clauses.push("entity_id = ?");
      values.push(filter.entityId);
    }
    if (filter.name !== undefined) {
      clauses.push("name = ?");
      values.push(filter.name);
    }
    if (filter.actor !== undefined) {
      clauses.push("actor = ?");
      values.push(filter.actor);
    }
    const where = clauses.length === 0 ? "" : ` WHERE ${clauses.join(" AND ")}`;
    return this.#sql.statement(`SELECT count(*) AS n FROM transitions${where}`)
      .get(...values)?.n as number;
  }
}

/** A message waiting in (or delivered from) the outbox. */
export interface OutboxMessage<T = unknown> {
  /** Message id, unique for the database's life: consumers dedupe by it. */
  id: number;
  /** Where it goes, e.g. `"order.transitioned"`. */
  topic: string;
  /** Ordering/partition key, e.g. the entity id. */
  key: string;
  /** The transition log row it announces, if any. */
  transitionId: number | null;
  /** The message body. */
  payload: T;
  /** When it was written. */
  createdAt: number;
  /** When a relay marked it delivered; null while pending. */
  deliveredAt: number | null;
}

/** A message to add to the outbox. */
export interface NewMessage<T = unknown> {
  /** Where it goes. */
  topic: string;
  /** Ordering/partition key. */
  key: string;
  /** JSON-serializable body. */
  payload: T;
  /** The transition log row it announces. */
  transitionId?: number;
  /** When; default `Date.now()`. */
  at?: number;
}

/** Read-only view of {@link OutboxRepository}. */
export type OutboxReader = Pick<OutboxRepository, "pending" | "count">;

/** The outbox of the transaction's database. */
export class OutboxRepository {
  #sql: StatementSource;

  /** Internal: use `tx.outbox`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** Adds a message; returns its id. */
  add<T>(message: NewMessage<T>): number {
    const result = this.#sql.statement(
      "INSERT INTO outbox (topic, key, transition_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
    ).run(
      message.topic,
      message.key,
      message.transitionId ?? null,
      JSON.stringify(message.payload),
      message.at ?? Date.now(),
    );
    return Number(result.lastInsertRowid);
  }

  /** Undelivered messages, oldest first. */
  pending<T = unknown>(limit = 100): OutboxMessage<T>[] {
    return this.#sql.statement(
      "SELECT id, topic, key, transition_id, payload, created_at, delivered_at FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?",
    ).all(limit).map((row) => toMessage<T>(row));
  }

  /** Marks messages delivered; returns how many were still pending. */
  markDelivered(ids: readonly number[], at: number = Date.now()): number {
    const statement = this.#sql.statement(
      "UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL",
    );
    let changed = 0;
    for (const id of ids) changed += Number(statement.run(at, id).changes);
    return changed;
  }

  /** Number of messages, all or only (un)delivered ones. */
  count(filter: { delivered?: boolean } = {}): number {
    const where = filter.delivered === undefined
      ? ""
      : filter.delivered
      ? " WHERE delivered_at IS NOT NULL"
      : " WHERE delivered_at IS NULL";
    return this.#sql.statement(`SELECT count(*) AS n FROM outbox${where}`).get()
      ?.n as number;
  }
}

/** Read-only view of {@link InboxRepository}. */
export type InboxReader = Pick<InboxRepository, "has" | "count">;

/** Message ids each consumer has processed, to drop redeliveries. */
export class InboxRepository {
  #sql: StatementSource;

  /** Internal: use `tx.inbox`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** Records a message id; false when the consumer had already seen it. */
  markSeen(
    consumer: string,
    messageId: number,
    at: number = Date.now(),
  ): boolean {
    return this.#sql.statement(
      "INSERT OR IGNORE INTO inbox (consumer, message_id, received_at) VALUES (?, ?, ?)",
    ).run(consumer, messageId, at).changes === 1;
  }

  /** Whether the consumer has seen the message id. */
  has(consumer: string, messageId: number): boolean {
    return this.#sql.statement(
      "SELECT 1 FROM inbox WHERE consumer = ? AND message_id = ?",
    ).get(consumer, messageId) !== undefined;
  }

  /** Number of ids a consumer has seen. */
  count(consumer: string): number {
    return this.#sql.statement(
      "SELECT count(*) AS n FROM inbox WHERE consumer = ?",
    ).get(consumer)?.n as number;
  }
}

function toAccount(row: Row): Account {
  return {
    id: row.id as number,
    balance: row.balance as number,
    version: row.version as number,
  };
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

function toTransition(row: Row): TransitionRecord {
  return {
    id: row.id as number,
    entityId: row.entity_id as string,
    name: row.name as string,
    from: row.from_state as string | null,
    to: row.to_state as string,
    version: row.version as number,
    actor: row.actor as string | null,
    params: JSON.parse(row.params as string),
    at: row.at as number,
  };
}

function toMessage<T>(row: Row): OutboxMessage<T> {
  return {
    id: row.id as number,
    topic: row.topic as string,
    key: row.key as string,
    transitionId: row.transition_id as number | null,
    payload: JSON.parse(row.payload as string) as T,
    createdAt: row.created_at as number,
    deliveredAt: row.delivered_at as number | null,
  };
}

/** A UNIQUE violation becomes a ConflictError; anything else passes. */
function conflictOr(error: unknown, what: string): unknown {
  if (
    error instanceof Error && error.message.includes("UNIQUE constraint failed")
  ) {
    return new ConflictError(`Cannot insert ${what}: it already exists`, {
      cause: error,
    });
  }
  return error;
}
