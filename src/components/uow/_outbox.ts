/**
 * The outbox (messages committed with the state change) and the
 * consumers' inbox (what each consumer has processed).
 * @module
 */
import type { Row, StatementSource } from "./_repository.ts";

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
