/**
 * The transaction a unit of work hands to its callback: repositories bound
 * to it, and prepared statements cached per connection.
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  AccountRepository,
  EntityRepository,
  InboxRepository,
  OutboxRepository,
  type StatementSource,
  TransitionRepository,
} from "./repositories.ts";
import type { Transaction } from "./unit_of_work.ts";

/** The one implementation of {@link Transaction}. Internal. */
export class ScopedTransaction implements Transaction, StatementSource {
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
export interface Scope {
  open: boolean;
  hooks?: (() => unknown)[];
}

/** Prepared statements of one connection, by SQL text. Internal. */
export class StatementCache {
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
