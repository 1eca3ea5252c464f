/**
 * Subscriptions to a {@link StateStore}: each subscriber's bounded queue, its
 * backpressure policy, and the async iterator a consumer reads deliveries
 * from. The store offers every commit to its subscribers through the small
 * {@link Hub} it hands each one; nothing here reaches into the store.
 * @module
 */
import { DeliveryQueue } from "./_ring.ts";
import type { Snapshot } from "./state_store.ts";

/** What a subscriber's full queue does with the next snapshot. */
export type BackpressurePolicy =
  | "block"
  | "drop-oldest"
  | "drop-newest"
  | "error";

/**
 * Every backpressure policy.
 *
 * @example
 * ```ts
 * const input: string = "drop-newest";
 * const policy = BACKPRESSURE_POLICIES.find((p) => p === input) ?? "block";
 * console.log(policy); // drop-newest
 * ```
 */
export const BACKPRESSURE_POLICIES: readonly BackpressurePolicy[] = [
  "block",
  "drop-oldest",
  "drop-newest",
  "error",
];

/** Options of {@link StateStore.subscribe}. */
export interface SubscribeOptions {
  /** Queue bound; default 64. */
  capacity?: number;
  /**
   * When the queue is full: `block` makes writers wait (up to `timeoutMs`,
   * then `TimeoutError`) and never drops; `drop-oldest` evicts the oldest
   * queued snapshot; `drop-newest` discards the incoming one; `error` ends
   * the subscription with {@link SubscriptionOverflowError} after the
   * consumer has read what was queued. Default `drop-oldest`.
   */
  policy?: BackpressurePolicy;
  /** Only snapshots it returns true for are offered. A throw ends this subscription. */
  filter?: (snapshot: Snapshot) => boolean;
  /** `block` only: how long a write waits for room; default 1000 ms. */
  timeoutMs?: number;
  /** Offer the current snapshot first; default false. */
  replay?: boolean;
}

/** One snapshot handed to a subscriber. */
export interface Delivery {
  /** The snapshot's version. */
  readonly version: number;
  /** The snapshot. */
  readonly snapshot: Snapshot;
  /** Snapshots offered to this subscriber and dropped just before this one. */
  readonly missed: number;
}

/** Where a subscription is in its life. */
export type SubscriptionStatus =
  | "open"
  | "ending"
  | "failing"
  | "ended"
  | "failed";

/** Counters of one subscriber. */
export interface SubscriberMetrics {
  /** The subscription id (unique in its store). */
  id: number;
  /** Its backpressure policy. */
  policy: BackpressurePolicy;
  /** Its queue bound. */
  capacity: number;
  /** Its life stage. */
  status: SubscriptionStatus;
  /** Snapshots offered (passed the filter while subscribed). */
  offered: number;
  /** Snapshots the consumer took. */
  delivered: number;
  /** Snapshots dropped by the policy. */
  dropped: number;
  /** Queued snapshots discarded because the consumer unsubscribed. */
  discarded: number;
  /** Snapshots queued now. */
  queued: number;
  /** The deepest the queue has been. */
  maxQueueDepth: number;
  /** Store version minus the version of the last snapshot taken. */
  lag: number;
}

/**
 * A live subscription: an async iterator of deliveries that unsubscribes
 * when the loop ends early (`break`, `throw`) or on `await using`.
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 * const store = new StateStore();
 * {
 *   await using sub = store.subscribe({ capacity: 16, policy: "drop-oldest" });
 *   store.set({ state: "ACTIVE" });
 *   const { value } = await sub.next();
 *   console.log(value?.version, value?.missed); // 1 0
 * }
 * store.close();
 * ```
 */
export interface Subscription
  extends AsyncIterable<Delivery>, AsyncDisposable, Disposable {
  /** Unique in its store. */
  readonly id: number;
  /** Its backpressure policy. */
  readonly policy: BackpressurePolicy;
  /** Its queue bound. */
  readonly capacity: number;
  /** Its life stage. */
  readonly status: SubscriptionStatus;
  /** Snapshots dropped by the policy so far (the total of `missed`, plus drops not yet followed by a delivery). */
  readonly dropped: number;
  /** The store version when it subscribed. */
  readonly startVersion: number;
  /**
   * Waits for the next delivery. Resolves `done` once the subscription has
   * ended and its queue is drained; rejects once with the reason when it
   * failed (overflow under `error`, a throwing filter).
   */
  next(): Promise<IteratorResult<Delivery, undefined>>;
  /** Unsubscribes and resolves `done`. */
  return(): Promise<IteratorResult<Delivery, undefined>>;
  /** Takes the next queued delivery without waiting, if there is one. */
  poll(): Delivery | undefined;
  /** Leaves the store; queued snapshots are discarded. Idempotent. */
  unsubscribe(): void;
  /** This subscriber's counters. */
  metrics(): SubscriberMetrics;
  /** Iterates deliveries (the subscription is its own iterator). */
  [Symbol.asyncIterator](): Subscription;
}

/**
 * A subscription under policy `error` overflowed its queue. Its consumer
 * gets this from `next()` after reading what was queued.
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 * const store = new StateStore();
 * const sub = store.subscribe({ capacity: 1, policy: "error" });
 * store.set({ state: "A" }); // queued
 * store.set({ state: "B" }); // overflows: the subscription fails
 * try {
 *   for await (const d of sub) console.log(d.version); // 1
 * } catch (error) {
 *   console.log(error instanceof SubscriptionOverflowError); // true
 * }
 * store.close();
 * ```
 */
export class SubscriptionOverflowError extends Error {
  /** The overflowing subscription's id. */
  readonly subscription: number;
  /** Creates the error. */
  constructor(subscription: number, capacity: number) {
    super(
      `Subscription ${subscription} overflowed: its queue is full at capacity ${capacity} (policy "error")`,
    );
    this.name = "SubscriptionOverflowError";
    this.subscription = subscription;
  }
}

/** The store-wide counters a subscriber updates. */
export interface Counters {
  sets: number;
  gets: number;
  conflicts: number;
  timeouts: number;
  subscribed: number;
  delivered: number;
  dropped: number;
}

/** What a subscriber may ask of its store. */
export interface Hub {
  readonly counters: Counters;
  /** Whether the store carries the `block-drops` defect. */
  blockDrops: boolean;
  version(): number;
  room(): void;
  leave(subscriber: Subscriber): void;
}

type Resolve = (result: IteratorResult<Delivery, undefined>) => void;
type Reject = (error: unknown) => void;

const DONE: IteratorResult<Delivery, undefined> = Object.freeze({
  done: true,
  value: undefined,
});

/** What a new subscriber is set up with. */
export interface SubscriberInit {
  id: number;
  capacity: number;
  policy: BackpressurePolicy;
  timeoutMs: number;
  filter: ((snapshot: Snapshot) => boolean) | undefined;
  startVersion: number;
}

/** The store-side half of a subscription, and the consumer's iterator. */
export class Subscriber implements Subscription {
  readonly id: number;
  readonly policy: BackpressurePolicy;
  readonly capacity: number;
  readonly timeoutMs: number;
  readonly startVersion: number;
  #filter: ((snapshot: Snapshot) => boolean) | undefined;
  #hub: Hub;
  #queue: DeliveryQueue<Snapshot>;
  /** Drops not yet attached to a queued item (drop-newest, or emptied queue). */
  #carry = 0;
  #resolve: Resolve | undefined;
  #reject: Reject | undefined;
  #status: SubscriptionStatus = "open";
  #error: unknown;
  #offered = 0;
  #delivered = 0;
  #dropped = 0;
  #discarded = 0;
  #maxDepth = 0;
  #lastTaken: number;

  constructor(hub: Hub, init: SubscriberInit) {
    this.#hub = hub;
    this.id = init.id;
    this.policy = init.policy;
    this.capacity = init.capacity;
    this.timeoutMs = init.timeoutMs;
    this.#filter = init.filter;
    this.startVersion = init.startVersion;
    this.#lastTaken = init.startVersion;
    this.#queue = new DeliveryQueue(init.capacity);
  }

  get status(): SubscriptionStatus {
    return this.#status;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the queue is at capacity (a `block` writer must wait). */
  get full(): boolean {
    return this.#queue.full;
  }

  /** Store side: a new snapshot was committed. */
  offer(snapshot: Snapshot): void {
    // A filter earlier in this commit may have ended this subscription.
    if (this.#status !== "open") return;
    const filter = this.#filter;
    if (filter !== undefined) {
      let pass: boolean;
      try {
        pass = filter(snapshot);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (!pass) return;
    }
    this.#offered++;
    const resolve = this.#resolve;
    if (resolve !== undefined) {
      // The consumer waits on an empty queue: hand over directly.
      this.#resolve = this.#reject = undefined;
      const missed = this.#carry;
      this.#carry = 0;
      resolve({ done: false, value: this.#deliver(snapshot, missed) });
      return;
    }
    const queue = this.#queue;
    if (!queue.full) {
      queue.push(snapshot, this.#carry);
      this.#carry = 0;
      if (queue.size > this.#maxDepth) this.#maxDepth = queue.size;
      return;
    }
    switch (this.policy) {
      case "drop-oldest": {
        const carried = queue.headMissed() + 1;
        queue.shift();
        this.#countDrop();
        if (queue.size > 0) queue.addHeadMissed(carried);
        else this.#carry += carried;
        queue.push(snapshot, this.#carry);
        this.#carry = 0;
        return;
      }
      case "drop-newest":
        this.#carry++;
        this.#countDrop();
        return;
      case "error":
        this.#carry++;
        this.#countDrop();
        this.#fail(new SubscriptionOverflowError(this.id, this.capacity));
        return;
      case "block":
        // The planted defect: discard it without a word.
        if (this.#hub.blockDrops) return;
        // The store waits for room before committing, so this is a bug.
        throw new Error(
          `Subscription ${this.id} is full under policy "block" at commit`,
        );
      default: {
        const never: never = this.policy;
        throw new TypeError(`Unknown policy "${never}"`);
      }
    }
  }

  /** Store side: the store closed; the consumer drains, then ends. */
  end(): void {
    if (this.#status !== "open") return;
    this.#status = this.#queue.size > 0 ? "ending" : "ended";
    this.#filter = undefined;
    this.#wake();
  }

  poll(): Delivery | undefined {
    const queue = this.#queue;
    if (queue.size === 0) return undefined;
    const wasFull = queue.full;
    const missed = queue.headMissed();
    const snapshot = queue.shift();
    const delivery = this.#deliver(snapshot, missed);
    if (queue.size === 0) {
      if (this.#status === "ending") this.#status = "ended";
    }
    if (wasFull && this.policy === "block") this.#hub.room();
    return delivery;
  }

  next(): Promise<IteratorResult<Delivery, undefined>> {
    const delivery = this.poll();
    if (delivery !== undefined) {
      return Promise.resolve({ done: false, value: delivery });
    }
    switch (this.#status) {
      case "open":
        if (this.#resolve !== undefined) {
          return Promise.reject(
            new TypeError(
              `Cannot read subscription ${this.id}: a previous next() is still pending`,
            ),
          );
        }
        return new Promise((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      case "ending":
      case "ended":
        this.#status = "ended";
        return Promise.resolve(DONE);
      case "failing": {
        this.#status = "failed";
        return Promise.reject(this.#error);
      }
      case "failed":
        return Promise.resolve(DONE);
      default: {
        const never: never = this.#status;
        throw new TypeError(`Unknown status "${never}"`);
      }
    }
  }

  return(): Promise<IteratorResult<Delivery, undefined>> {
    this.unsubscribe();
    return Promise.resolve(DONE);
  }

  unsubscribe(): void {
    if (this.#status === "open") this.#hub.leave(this);
    this.#discarded += this.#queue.size;
    this.#queue.clear();
    this.#filter = undefined;
    if (this.#status !== "failed") this.#status = "ended";
    this.#wake();
  }

  metrics(): SubscriberMetrics {
    return {
      id: this.id,
      policy: this.policy,
      capacity: this.capacity,
      status: this.#status,
      offered: this.#offered,
      delivered: this.#delivered,
      dropped: this.#dropped,
      discarded: this.#discarded,
      queued: this.#queue.size,
      maxQueueDepth: this.#maxDepth,
      lag: this.#hub.version() - this.#lastTaken,
    };
  }

  [Symbol.asyncIterator](): Subscription {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.unsubscribe();
    return Promise.resolve();
  }

  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  #deliver(snapshot: Snapshot, missed: number): Delivery {
    this.#delivered++;
    this.#hub.counters.delivered++;
    this.#lastTaken = snapshot.version;
    return { version: snapshot.version, snapshot, missed };
  }

  #countDrop(): void {
    this.#dropped++;
    this.#hub.counters.dropped++;
  }

  #fail(error: unknown): void {
    if (this.#status !== "open") return;
    this.#error = error;
    this.#filter = undefined;
    this.#hub.leave(this);
    const reject = this.#reject;
    if (reject === undefined) {
      // Queued snapshots are read first; the next next() after them rejects.
      this.#status = "failing";
      return;
    }
    // The consumer waits on an empty queue: it learns now.
    this.#resolve = this.#reject = undefined;
    this.#status = "failed";
    reject(error);
  }

  /** Settles a pending next() after the subscription stopped being open. */
  #wake(): void {
    const resolve = this.#resolve;
    if (resolve === undefined || this.#queue.size > 0) return;
    this.#resolve = this.#reject = undefined;
    if (this.#status === "ending") this.#status = "ended";
    resolve(DONE);
  }
}
