/**
 * The transition log repository: one row per applied transition.
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { Row, StatementSource } from "./_repository.ts";

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
