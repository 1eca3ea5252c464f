/**
 * The workflow that joins the three components the way a service does: a
 * transition checked by the FSM registry, committed atomically by the unit of
 * work (entity state + transition-log row + outbox row), then published to a
 * state store — after the commit, never for a rollback.
 * @module
 */
import { ConflictError, ValidationError } from "../../errors.ts";
import type { Metadata, TransitionRegistry, UserRef } from "../fsm/mod.ts";
import type { Context, JsonValue, Snapshot } from "../store/mod.ts";
import { StateStore } from "../store/mod.ts";
import type { Transaction, UnitOfWork } from "../uow/mod.ts";

/** One committed change of an entity: creation or a transition. */
export interface Commit {
  /** The entity that moved. */
  entityId: string;
  /** Its type (the registry's entity). */
  kind: string;
  /** The transition's name; `"create"` for a creation. */
  name: string;
  /** State before; null for a creation. */
  from: string | null;
  /** State after. */
  to: string;
  /** The entity's version after this commit (1 for a creation). */
  version: number;
  /** Id of the transition-log row. */
  transitionId: number;
  /** Id of the outbox row (consumers dedupe by it). */
  messageId: number;
  /** Who applied it. */
  actor: string;
  /** When, ms since the epoch. */
  at: number;
}

/** What the outbox carries for each commit. */
export interface CommitMessage {
  /** The entity that moved. */
  entityId: string;
  /** The transition's name. */
  name: string;
  /** State before; null for a creation. */
  from: string | null;
  /** State after. */
  to: string;
  /** The entity's version after the commit. */
  version: number;
  /** What the transition's `apply` returned (JSON). */
  data: unknown;
}

/** Options of the {@link Workflow} constructor. */
export interface WorkflowOptions {
  /** The connection transitions commit through. */
  uow: UnitOfWork;
  /** Checks and applies transitions. */
  registry: TransitionRegistry;
  /** Recorded in the log and passed to hooks as the user; default `"workflow"`. */
  actor?: string;
  /** Snapshots each entity's store keeps; default 16. */
  historyLimit?: number;
  /** Clock for `at`; default `Date.now`. */
  now?: () => number;
}

/** Options of {@link Workflow.create}. */
export interface CreateOptions {
  /** The entity's type; a registry entity. */
  kind: string;
  /** Its first state. */
  state: string;
  /** Its JSON data; default `{}`. */
  data?: Record<string, unknown>;
}

/** Options of {@link Workflow.applyTransition} and {@link Workflow.stage}. */
export interface ApplyOptions {
  /** The transition's params, checked by its schema. */
  params?: unknown;
  /** Fail with a ConflictError unless the entity is still at this version. */
  expectedVersion?: number;
  /** Passed to the transition's hooks. */
  metadata?: Metadata;
  /**
   * Extra work in the same transaction, after the workflow's writes. If it
   * throws, everything rolls back and nothing is published.
   */
  within?: (tx: Transaction, commit: Commit) => unknown;
}

/**
 * Applies registry transitions to entities stored by a unit of work, and
 * publishes each committed change to the entity's {@link StateStore}.
 *
 * @example
 * ```ts
 * import { defineTransition, TransitionRegistry } from "../fsm/mod.ts";
 * import { openDatabase } from "../uow/mod.ts";
 * import { Workflow } from "./workflow.ts";
 *
 * const registry = new TransitionRegistry();
 * registry.register(defineTransition({
 *   entity: "order", name: "pay", from: "created", to: "paid", apply: () => ({}),
 * }));
 * await using uow = await openDatabase(":memory:");
 * using workflow = new Workflow({ uow, registry, actor: "api" });
 * await workflow.create("o-1", { kind: "order", state: "created" });
 * const commit = await workflow.applyTransition("o-1", "pay");
 * console.log(commit.version, workflow.store("o-1").get().state); // 2 "paid"
 * ```
 */
export class Workflow implements Disposable {
  #uow: UnitOfWork;
  #registry: TransitionRegistry;
  #actor: string;
  #user: UserRef;
  #historyLimit: number;
  #now: () => number;
  #stores = new Map<string, StateStore>();
  #published = 0;

  /** Creates a workflow over one connection. */
  constructor(options: WorkflowOptions) {
    this.#uow = options.uow;
    this.#registry = options.registry;
    this.#actor = options.actor ?? "workflow";
    this.#user = Object.freeze({ id: this.#actor });
    this.#historyLimit = options.historyLimit ?? 16;
    this.#now = options.now ?? Date.now;
  }

  /** Who this workflow records as the actor. */
  get actor(): string {
    return this.#actor;
  }

  /** Snapshots published since the workflow was created. */
  get published(): number {
    return this.#published;
  }

  /** Entity ids with a store, i.e. with at least one published snapshot. */
  entities(): IterableIterator<string> {
    return this.#stores.keys();
  }

  /**
   * The entity's store of published snapshots (created empty, at version 0
   * in state `INIT`, on first use). Each published commit is one `set`.
   */
  store(entityId: string): StateStore {
    let store = this.#stores.get(entityId);
    if (store === undefined) {
      store = new StateStore({
        historyLimit: this.#historyLimit,
        clock: this.#now,
      });
      this.#stores.set(entityId, store);
    }
    return store;
  }

  /**
   * Creates an entity at version 1 with its creation logged and announced
   * in the outbox, in one transaction; publishes it after the commit.
   */
  create(entityId: string, options: CreateOptions): Promise<Commit> {
    return this.#uow.run((tx) => {
      const commit = this.stageCreate(tx, entityId, options);
      tx.afterCommit(() => this.publish(commit));
      return commit;
    });
  }

  /**
   * Applies transition `name` to an entity: loads it, checks and runs the
   * transition with the registry, and writes the new state, a log row and an
   * outbox row in one transaction; publishes the snapshot after the commit.
   *
   * Throws the registry's ValidationErrors for a transition it refuses, a
   * ConflictError for a stale `expectedVersion`, a BusyError when the
   * database stays locked; none of them leaves a row or a snapshot behind.
   */
  applyTransition(
    entityId: string,
    name: string,
    options: ApplyOptions = {},
  ): Promise<Commit> {
    return this.#uow.run(async (tx) => {
      const commit = await this.stage(tx, entityId, { ...options, name });
      tx.afterCommit(() => this.publish(commit));
      return commit;
    });
  }

  /**
   * The writes of {@link applyTransition} inside a transaction you hold,
   * without publishing: call {@link publish} from `tx.afterCommit`.
   */
  async stage(
    tx: Transaction,
    entityId: string,
    options: ApplyOptions & { name: string },
  ): Promise<Commit> {
    const { name } = options;
    const row = tx.entities.get<Record<string, unknown>>(entityId);
    if (row === undefined) {
      throw new ValidationError(
        `Cannot apply "${name}" to entity "${entityId}": it does not exist`,
      );
    }
    if (
      options.expectedVersion !== undefined &&
      row.version !== options.expectedVersion
    ) {
      throw new ConflictError(
        `Cannot apply "${name}" to entity "${entityId}": expected version ${options.expectedVersion}, found ${row.version}`,
      );
    }
    const at = this.#now();
    const moving = { id: entityId, type: row.kind, state: row.state };
    const result = await this.#registry.execute(moving, name, {
      params: options.params,
      user: this.#user,
      metadata: options.metadata,
      timestamp: at,
    });
    const data = isRecord(result.data)
      ? { ...row.data, ...result.data }
      : row.data;
    const version = tx.entities.update(entityId, { state: result.to, data }, {
      expectedVersion: row.version,
      at,
    });
    const commit = this.#log(tx, {
      entityId,
      kind: row.kind,
      name,
      from: result.from,
      to: result.to,
      version,
      at,
      data: result.data ?? null,
      params: options.params ?? {},
    });
    if (options.within !== undefined) {
      const done = options.within(tx, commit);
      if (done instanceof Promise) await done;
    }
    return commit;
  }

  /** The writes of {@link create} inside a transaction you hold. */
  stageCreate(
    tx: Transaction,
    entityId: string,
    options: CreateOptions,
  ): Commit {
    if (this.#registry.listTransitions(options.kind).length === 0) {
      throw new ValidationError(
        `Cannot create entity "${entityId}": the registry has no transitions for "${options.kind}"`,
      );
    }
    const at = this.#now();
    tx.entities.insert({
      id: entityId,
      kind: options.kind,
      state: options.state,
      data: options.data ?? {},
      createdAt: at,
    });
    return this.#log(tx, {
      entityId,
      kind: options.kind,
      name: "create",
      from: null,
      to: options.state,
      version: 1,
      at,
      data: options.data ?? {},
      params: {},
    });
  }

  /**
   * Sets the commit's snapshot in the entity's store: state, the transition
   * as reason, and the commit's ids and version as context.
   */
  publish(commit: Commit): Snapshot | Promise<Snapshot> {
    const context: Context = {
      entityId: commit.entityId,
      version: commit.version,
      transitionId: commit.transitionId,
      messageId: commit.messageId,
      from: commit.from,
      actor: commit.actor,
    };
    const written = this.store(commit.entityId).set({
      state: commit.to,
      reason: commit.name,
      context,
    });
    this.#published++;
    return written;
  }

  /** Closes every store (their subscribers end). */
  close(): void {
    for (const store of this.#stores.values()) store.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #log(
    tx: Transaction,
    entry: Omit<Commit, "transitionId" | "messageId" | "actor"> & {
      data: unknown;
      params: unknown;
    },
  ): Commit {
    const transitionId = tx.transitions.append({
      entityId: entry.entityId,
      name: entry.name,
      from: entry.from,
      to: entry.to,
      version: entry.version,
      actor: this.#actor,
      params: entry.params,
      at: entry.at,
    });
    const message: CommitMessage = {
      entityId: entry.entityId,
      name: entry.name,
      from: entry.from,
      to: entry.to,
      version: entry.version,
      data: entry.data,
    };
    const messageId = tx.outbox.add({
      topic: `${entry.kind}.${entry.name}`,
      key: entry.entityId,
      payload: message,
      transitionId,
      at: entry.at,
    });
    return {
      entityId: entry.entityId,
      kind: entry.kind,
      name: entry.name,
      from: entry.from,
      to: entry.to,
      version: entry.version,
      transitionId,
      messageId,
      actor: this.#actor,
      at: entry.at,
    };
  }
}

function isRecord(value: unknown): value is Record<string, JsonValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
