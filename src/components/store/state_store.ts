/**
 * A versioned store of FSM snapshots with pub/sub and backpressure.
 *
 * Every write makes a new frozen {@link Snapshot} whose version is one more
 * than the last. Subscribers read deliveries from a bounded queue through an
 * async iterator; what happens when a queue is full is the subscriber's
 * {@link BackpressurePolicy}. Loss is never silent: each {@link Delivery}
 * says how many snapshots were dropped just before it.
 *
 * Writes are synchronous and return the snapshot, except while a `block`
 * subscriber's queue is full: then the write waits (FIFO behind earlier
 * waiting writes) and returns a promise. With no subscriber, a write
 * allocates one frozen object and no promise.
 * @module
 */
import { ConflictError, TimeoutError, ValidationError } from "../../errors.ts";
import { type Context, EMPTY_CONTEXT, sealContext } from "./_json.ts";
import { Ring } from "./_ring.ts";
import {
  BACKPRESSURE_POLICIES,
  type Counters,
  type Hub,
  type SubscribeOptions,
  Subscriber,
  type SubscriberMetrics,
  type Subscription,
} from "./subscription.ts";

export type { Context, JsonValue } from "./_json.ts";
export {
  BACKPRESSURE_POLICIES,
  type BackpressurePolicy,
  type Delivery,
  type SubscribeOptions,
  type SubscriberMetrics,
  type Subscription,
  SubscriptionOverflowError,
  type SubscriptionStatus,
} from "./subscription.ts";

/** One immutable version of the FSM state. */
export interface Snapshot {
  /** 0 for the initial snapshot (or `initialVersion`), then +1 for every write. */
  readonly version: number;
  /** The FSM state name. */
  readonly state: string;
  /** Why the state was entered (free text). */
  readonly reason: string;
  /** Frozen JSON data that travels with the state. */
  readonly context: Context;
  /** When it was written, in epoch milliseconds (from the store's clock). */
  readonly at: number;
}

/** What a caller writes; the store adds `version` and `at`. */
export interface SnapshotInput {
  /** The FSM state name (non-empty). */
  state: string;
  /** Why; default `""`. */
  reason?: string;
  /**
   * JSON data; default `{}` for `set`. The store freezes it deeply, so pass
   * a copy if you keep mutating yours.
   */
  context?: Context;
}

/** Options of {@link StateStore.set}. */
export interface WriteOptions {
  /**
   * Compare-and-set: write only if the store is still at this version,
   * otherwise throw `ConflictError`. Checked when the write commits.
   */
  expectedVersion?: number;
}

/** Options of {@link StateStore.transition}. */
export interface TransitionOptions extends WriteOptions {
  /** The new context; default: keep the current one. */
  context?: Context;
}

/** Counters of a store, totals over its life. */
export interface StoreMetrics {
  /** The current version. */
  version: number;
  /** Committed writes (`set` and `transition`). */
  sets: number;
  /** Calls of `get()`. */
  gets: number;
  /** Writes refused for a stale `expectedVersion`. */
  conflicts: number;
  /** Writes that gave up waiting for a full `block` queue. */
  timeouts: number;
  /** Subscribers now. */
  subscribers: number;
  /** Subscriptions ever opened. */
  subscribed: number;
  /** Snapshots taken by consumers, all subscribers. */
  delivered: number;
  /** Snapshots dropped by policies, all subscribers. */
  dropped: number;
  /** Writes waiting for a `block` queue now. */
  waiting: number;
}

/** Options of the {@link StateStore} constructor. */
export interface StateStoreOptions {
  /** The version-0 snapshot's content; default `{ state: "INIT" }`. */
  initial?: SnapshotInput;
  /** How many snapshots `history()` keeps; default 100. */
  historyLimit?: number;
  /** Milliseconds clock for `at`; default `Date.now`. */
  clock?: () => number;
  /**
   * The version of the initial snapshot; default 0. A store reloaded from
   * disk starts where it left off, so its versions keep increasing.
   */
  initialVersion?: number;
}

/**
 * A deliberate defect planted in a store, so a test (or the `store` target's
 * `defect` option) can watch an invariant catch it. `"none"` breaks nothing.
 *
 * - `leak-in-store`: leaving subscribers stay in the store's lists (skipped
 *   when offering, but reachable forever).
 * - `block-drops`: `block` never makes a writer wait; a full queue silently
 *   discards the snapshot (no drop counted, no `missed` reported).
 * - `reuse-version`: every 50th write gets the current version again.
 * - `lossy-cas`: every 5th stale `expectedVersion` is let through, so a
 *   compare-and-set overwrites a write it never saw.
 * - `stuck-waiter`: a write that timed out waiting for a `block` queue is
 *   never taken off the wait queue, which is served in order: every later
 *   write waits behind it until it times out too, so the store never
 *   recovers from one exhaustion, drained or not.
 */
export type StateStoreDefect =
  | "none"
  | "leak-in-store"
  | "block-drops"
  | "reuse-version"
  | "lossy-cas"
  | "stuck-waiter";

/** Every {@link StateStoreDefect}. */
export const STATE_STORE_DEFECTS: readonly StateStoreDefect[] = [
  "none",
  "leak-in-store",
  "block-drops",
  "reuse-version",
  "lossy-cas",
  "stuck-waiter",
];

/** Sizes of a store's internal lists, for leak checks. */
export interface StoreInternals {
  /** Subscribers a commit offers to. */
  subscribers: number;
  /** Of those, the ones under `block` (checked before every write). */
  blockSubscribers: number;
  /** Writes waiting for room. */
  waiters: number;
  /** Snapshots kept for `history()`. */
  history: number;
}

let plantDefect: (store: StateStore, defect: StateStoreDefect) => void;
let readInternals: (store: StateStore) => StoreInternals;

/**
 * Plants a deliberate defect in `store` (tests and the `store` target's
 * `defect` option only; not exported from `mod.ts`).
 */
export function breakStore(store: StateStore, defect: StateStoreDefect): void {
  plantDefect(store, defect);
}

/** The sizes of `store`'s internal lists (not exported from `mod.ts`). */
export function storeInternals(store: StateStore): StoreInternals {
  return readInternals(store);
}

interface Waiter {
  /** Timed out but left in the queue (the `stuck-waiter` defect). */
  stuck: boolean;
  state: string;
  reason: string;
  context: Context | undefined;
  expected: number | undefined;
  resolve: (snapshot: Snapshot) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A versioned, observable store of FSM snapshots.
 *
 * @example
 * ```ts
 * import { ConflictError } from "../../errors.ts";
 *
 * const store = new StateStore({ initial: { state: "IDLE" } });
 * const s1 = store.set({ state: "ACTIVE", reason: "start" }) as Snapshot;
 * store.transition("IDLE", "done"); // version 2, keeps the context
 * try {
 *   store.set({ state: "ERROR" }, { expectedVersion: s1.version }); // stale
 * } catch (error) {
 *   console.log(error instanceof ConflictError); // true
 * }
 * console.log(store.get().version, store.metrics().conflicts); // 2 1
 * store.close();
 * ```
 */
export class StateStore implements Disposable, AsyncDisposable {
  #current: Snapshot;
  #history: Ring<Snapshot>;
  #clock: () => number;
  #subs: readonly Subscriber[] = [];
  #blockSubs: readonly Subscriber[] = [];
  #waiters: Waiter[] = [];
  #pumpQueued = false;
  #closed = false;
  /** True while a commit offers its snapshot (filters run then). */
  #offering = false;
  #nextId = 1;
  #counters: Counters = {
    sets: 0,
    gets: 0,
    conflicts: 0,
    timeouts: 0,
    subscribed: 0,
    delivered: 0,
    dropped: 0,
  };
  #hub: Hub;
  #defect: StateStoreDefect = "none";
  /** Whether #defect is not "none" (one boolean on the hot path). */
  #broken = false;
  #defectTick = 0;

  static {
    plantDefect = (store, defect) => {
      store.#defect = defect;
      store.#broken = defect !== "none";
      store.#hub.blockDrops = defect === "block-drops";
    };
    readInternals = (store) => ({
      subscribers: store.#subs.length,
      blockSubscribers: store.#blockSubs.length,
      waiters: store.#waiters.length,
      history: store.#history.size,
    });
  }

  /** Creates a store holding the version-0 snapshot. */
  constructor(options: StateStoreOptions = {}) {
    const limit = options.historyLimit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(
        `Cannot create store: historyLimit must be an integer >= 1, got ${limit}`,
      );
    }
    const version = options.initialVersion ?? 0;
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new RangeError(
        `Cannot create store: initialVersion must be an integer >= 0, got ${version}`,
      );
    }
    this.#clock = options.clock ?? Date.now;
    const initial = options.initial ?? { state: "INIT" };
    checkState(initial.state, "initial snapshot");
    this.#current = Object.freeze({
      version,
      state: initial.state,
      reason: initial.reason ?? "",
      context: initial.context === undefined
        ? EMPTY_CONTEXT
        : sealContext(initial.context, "initial snapshot"),
      at: this.#clock() + 0, // + 0 turns -0 into 0, which JSON can carry
    });
    this.#history = new Ring(limit);
    this.#history.push(this.#current);
    const counters = this.#counters;
    this.#hub = {
      counters,
      blockDrops: false,
      version: () => this.#current.version,
      room: () => this.#queuePump(),
      leave: (subscriber) => this.#leave(subscriber),
    };
  }

  /** The current version (not counted as a get). */
  get version(): number {
    return this.#current.version;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The current snapshot. */
  get(): Snapshot {
    this.#counters.gets++;
    return this.#current;
  }

  /**
   * Writes the next snapshot (version + 1) and offers it to subscribers.
   * Returns a promise only while a `block` subscriber's queue is full, so
   * `await` it unless no subscriber uses `block`.
   * Throws `ValidationError` for a bad input, `ConflictError` when
   * `expectedVersion` is stale, `TimeoutError` when a `block` queue stays
   * full; a refused write changes nothing.
   */
  set(
    next: SnapshotInput,
    options?: WriteOptions,
  ): Snapshot | Promise<Snapshot> {
    const what = this.#check(next?.state);
    const context = next.context === undefined
      ? EMPTY_CONTEXT
      : sealContext(next.context, what);
    return this.#write(
      next.state,
      next.reason ?? "",
      context,
      options?.expectedVersion,
    );
  }

  /**
   * Moves to `state` for `reason`: the next snapshot keeps the current
   * context unless `options.context` replaces it. Same return and errors
   * as {@link set}.
   */
  transition(
    state: string,
    reason: string,
    options?: TransitionOptions,
  ): Snapshot | Promise<Snapshot> {
    const what = this.#check(state);
    const context = options?.context === undefined
      ? undefined
      : sealContext(options.context, what);
    return this.#write(state, reason, context, options?.expectedVersion);
  }

  /**
   * The newest `n` snapshots (default: all kept), oldest first. Throws
   * `RangeError` unless `n` is an integer >= 0.
   */
  history(n: number = this.#history.limit): Snapshot[] {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot read history: n must be an integer >= 0, got ${
          typeof n === "number" ? n : JSON.stringify(n) ?? String(n)
        }`,
      );
    }
    return this.#history.last(n);
  }

  /**
   * Opens a subscription. Snapshots written from now on are offered to it
   * (those its `filter` accepts). Throws `RangeError` for bad options.
   */
  subscribe(options: SubscribeOptions = {}): Subscription {
    if (this.#closed) {
      throw new Error("Cannot subscribe: the store is closed");
    }
    const capacity = options.capacity ?? 64;
    const policy = options.policy ?? "drop-oldest";
    const timeoutMs = options.timeoutMs ?? 1000;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot subscribe: capacity must be an integer >= 1, got ${capacity}`,
      );
    }
    if (!BACKPRESSURE_POLICIES.includes(policy)) {
      throw new RangeError(
        `Cannot subscribe: unknown policy "${policy}" (expected one of ${
          BACKPRESSURE_POLICIES.join(", ")
        })`,
      );
    }
    if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(
        `Cannot subscribe: timeoutMs must be a finite number >= 0, got ${timeoutMs}`,
      );
    }
    const sub = new Subscriber(this.#hub, {
      id: this.#nextId++,
      capacity,
      policy,
      timeoutMs,
      filter: options.filter,
      startVersion: this.#current.version - (options.replay ? 1 : 0),
    });
    this.#subs = [...this.#subs, sub];
    if (policy === "block") this.#blockSubs = [...this.#blockSubs, sub];
    this.#counters.subscribed++;
    if (options.replay) sub.offer(this.#current);
    return sub;
  }

  /** Store-wide counters. */
  metrics(): StoreMetrics {
    const c = this.#counters;
    return {
      version: this.#current.version,
      sets: c.sets,
      gets: c.gets,
      conflicts: c.conflicts,
      timeouts: c.timeouts,
      subscribers: this.#subs.length,
      subscribed: c.subscribed,
      delivered: c.delivered,
      dropped: c.dropped,
      waiting: this.#waiters.length,
    };
  }

  /** Counters of every current subscriber. */
  subscriberMetrics(): SubscriberMetrics[] {
    return this.#subs.map((sub) => sub.metrics());
  }

  /**
   * Ends every subscription (each consumer still reads what was queued,
   * then its loop ends), rejects waiting writes, and drops the history.
   * Later writes and subscribes throw. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const subs = this.#subs;
    this.#subs = [];
    this.#blockSubs = [];
    for (const sub of subs) sub.end();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(
        new Error(`Cannot set state "${w.state}": the store was closed`),
      );
    }
    this.#history.clear();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  #check(state: unknown): string {
    if (this.#closed) {
      throw new Error(`Cannot set state "${state}": the store is closed`);
    }
    if (this.#offering) {
      throw new Error(
        `Cannot set state "${state}": a subscriber filter may not write to the store`,
      );
    }
    return checkState(state, "snapshot");
  }

  #write(
    state: string,
    reason: string,
    context: Context | undefined,
    expected: number | undefined,
  ): Snapshot | Promise<Snapshot> {
    if (this.#waiters.length === 0 && !this.#blocked()) {
      return this.#commit(state, reason, context, expected);
    }
    return new Promise<Snapshot>((resolve, reject) => {
      const waiter: Waiter = {
        stuck: false,
        state,
        reason,
        context,
        expected,
        resolve,
        reject,
        timer: undefined,
      };
      const ms = this.#blockTimeout();
      waiter.timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i < 0) return;
        if (this.#defect === "stuck-waiter") waiter.stuck = true;
        else this.#waiters.splice(i, 1);
        this.#counters.timeouts++;
        reject(
          new TimeoutError(
            `Cannot set state "${state}": a block subscriber's queue stayed full for ${ms} ms`,
          ),
        );
        // A write ahead of others gave up: those behind it may now fit.
        this.#queuePump();
      }, ms);
      this.#waiters.push(waiter);
      if (!this.#blocked()) this.#queuePump();
    });
  }

  #commit(
    state: string,
    reason: string,
    context: Context | undefined,
    expected: number | undefined,
  ): Snapshot {
    const current = this.#current;
    if (
      expected !== undefined && expected !== current.version &&
      !(this.#broken && this.#defective("lossy-cas", 5))
    ) {
      this.#counters.conflicts++;
      throw new ConflictError(
        `Cannot set state "${state}": expected version ${expected}, but the store is at ${current.version}`,
      );
    }
    const snapshot: Snapshot = Object.freeze({
      version: this.#broken && this.#defective("reuse-version", 50)
        ? current.version
        : current.version + 1,
      state,
      reason,
      context: context ?? current.context,
      at: this.#clock() + 0,
    });
    this.#current = snapshot;
    this.#counters.sets++;
    this.#history.push(snapshot);
    const subs = this.#subs;
    if (subs.length > 0) {
      this.#offering = true;
      try {
        for (let i = 0; i < subs.length; i++) subs[i].offer(snapshot);
      } finally {
        this.#offering = false;
      }
    }
    return snapshot;
  }

  /** Whether the planted defect is `defect` and strikes this time (1 in `every`). */
  #defective(defect: StateStoreDefect, every: number): boolean {
    return this.#defect === defect && ++this.#defectTick % every === 0;
  }

  #blocked(): boolean {
    if (this.#broken && this.#defect === "block-drops") return false;
    const subs = this.#blockSubs;
    for (let i = 0; i < subs.length; i++) {
      if (subs[i].full) return true;
    }
    return false;
  }

  /** The shortest `timeoutMs` among full block subscribers (waits behind others use it too). */
  #blockTimeout(): number {
    let ms = Infinity;
    for (const sub of this.#blockSubs) {
      if (sub.full && sub.timeoutMs < ms) ms = sub.timeoutMs;
    }
    if (ms === Infinity) {
      for (const sub of this.#blockSubs) ms = Math.min(ms, sub.timeoutMs);
    }
    return ms === Infinity ? 0 : ms;
  }

  #queuePump(): void {
    if (this.#pumpQueued || this.#waiters.length === 0) return;
    this.#pumpQueued = true;
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpQueued = false;
    while (this.#waiters.length > 0 && !this.#blocked()) {
      if (this.#waiters[0].stuck) return;
      const w = this.#waiters.shift() as Waiter;
      clearTimeout(w.timer);
      let snapshot: Snapshot;
      try {
        snapshot = this.#commit(w.state, w.reason, w.context, w.expected);
      } catch (error) {
        w.reject(error);
        continue;
      }
      w.resolve(snapshot);
    }
  }

  #leave(sub: Subscriber): void {
    if (this.#defect === "leak-in-store") return;
    const i = this.#subs.indexOf(sub);
    if (i < 0) return;
    this.#subs = this.#subs.toSpliced(i, 1);
    if (sub.policy === "block") {
      this.#blockSubs = this.#blockSubs.filter((s) => s !== sub);
      this.#queuePump();
    }
  }
}

function checkState(state: unknown, what: string): string {
  if (typeof state !== "string" || state.length === 0) {
    throw new ValidationError(
      `Cannot write ${what}: state must be a non-empty string, got ${
        typeof state === "string" ? '""' : String(state)
      }`,
    );
  }
  return `state "${state}"`;
}
