/**
 * The `store` target's subscribers: consumers that take deliveries in the
 * background while ops run and record every one, so `delivery_exact` and
 * `block_no_drops` can prove that nothing was lost, repeated or reordered
 * without being reported. Fixed subscribers live through the run (and
 * reconnect after a crash or an overflow); churn ones come and go with the
 * `subscribe`, `unsubscribe` and `churn` ops. Private to the folder.
 * @module
 */
import { type CheckResult, Problems } from "../../invariants.ts";
import type { Rng } from "../../target.ts";
import { DEFECT_EVERY, type StoreDefect } from "./_defects.ts";
import { checkNoDrops, DeliveryRecorder } from "./_invariants.ts";
import {
  type BackpressurePolicy,
  type Delivery,
  type StateStore,
  type Subscription,
  SubscriptionOverflowError,
} from "./state_store.ts";

/** Consumer behaviours a scenario can give its subscribers. */
export type ConsumerKind = "eager" | "slow" | "stalled";

/** Every {@link ConsumerKind}. */
export const CONSUMER_KINDS = [
  "eager",
  "slow",
  "stalled",
] as const satisfies readonly ConsumerKind[];

/** The `store` target's options that shape its subscribers. */
export interface SubscriberOptions {
  /** Fixed subscribers opened before the load. */
  subscribers: number;
  /** Queue bound of every subscriber. */
  capacity: number;
  /** Backpressure policy of every subscriber. */
  policy: BackpressurePolicy;
  /** `block` policy: how long a write waits for room. */
  timeout_ms: number;
  /** How every consumer reads. */
  consumer: ConsumerKind;
  /** Slow consumers sleep this long... */
  slow_ms: number;
  /** ...after every this many deliveries. */
  slow_every: number;
  /** Of the fixed subscribers, how many throw in their loop. */
  throwing_subscribers: number;
  /** A throwing subscriber throws after this many deliveries. */
  throw_every: number;
  /** A deliberate defect (only the consumers' own act here). */
  defect: StoreDefect;
  /** Sees every subscription opened, fixed or churn. */
  onSubscribe: (sub: Subscription) => void;
}

/** What the subscribers counted, independently of the store's metrics. */
export interface SubscriberCounts {
  /** Subscriptions opened. */
  subscribed: number;
  /** Deliveries the consumers took. */
  delivered: number;
  /** Drops the finished subscriptions reported. */
  dropped: number;
}

/** One consumer of one subscription, recording what it receives. */
interface Consumer {
  readonly sub: Subscription;
  readonly recorder: DeliveryRecorder;
  readonly kind: ConsumerKind;
  /** Throws in its loop after this many deliveries (0: never). */
  readonly throwEvery: number;
  /** Fixed subscribers are replaced when their loop ends; churn ones are not. */
  readonly fixed: boolean;
  loop: Promise<void> | undefined;
  retired: boolean;
}

class ConsumerCrash extends Error {
  constructor() {
    super("subscriber threw on purpose");
    this.name = "ConsumerCrash";
  }
}

/** Lets queued microtasks and due timers run (consumer loops among them). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Every subscriber of one store, with what their consumers received. */
export class Subscribers {
  readonly #store: StateStore;
  readonly #o: SubscriberOptions;
  readonly #onSubscribe: (sub: Subscription) => void;
  readonly #fixed: Consumer[] = [];
  readonly #pool: Consumer[] = [];
  readonly #delivery = new Problems();
  readonly #block = new Problems();
  readonly #sleepers = new Set<() => void>();
  /** Consumers that left and are checked once their loop ends. */
  readonly #retiring = new Set<Promise<void>>();
  /** The `leak-subscribers` defect: every subscription, kept. */
  readonly #leaked: Subscription[] = [];
  readonly #count: SubscriberCounts = {
    subscribed: 0,
    delivered: 0,
    dropped: 0,
  };
  #blockSubscribers = 0;
  #overflows = 0;
  #crashes = 0;
  #closing = false;
  #defectTick = 0;

  /** Opens the fixed subscribers of `store`. */
  constructor(store: StateStore, options: SubscriberOptions) {
    this.#store = store;
    this.#o = options;
    this.#onSubscribe = options.onSubscribe;
    for (let i = 0; i < options.subscribers; i++) {
      const throwing = i < options.throwing_subscribers;
      this.#fixed.push(this.#subscribe(options.consumer, throwing, true));
    }
  }

  /** Subscriptions under policy `error` ended by an overflow. */
  get overflows(): number {
    return this.#overflows;
  }

  /** What the consumers counted so far. */
  counts(): SubscriberCounts {
    return { ...this.#count };
  }

  /** The `subscribe` op: a churn subscriber joins; beyond `max` the oldest leaves. */
  join(max: number): number {
    const consumer = this.#subscribe(this.#o.consumer, false, false);
    this.#pool.push(consumer);
    while (this.#pool.length > max) {
      this.#leave(this.#pool.shift() as Consumer);
    }
    return consumer.sub.id;
  }

  /** The `unsubscribe` op: a random churn subscriber leaves. */
  leaveOne(rng: Rng): boolean {
    if (this.#pool.length === 0) return false;
    const i = rng.int(0, this.#pool.length - 1);
    const consumer = this.#pool[i];
    this.#pool[i] = this.#pool[this.#pool.length - 1];
    this.#pool.pop();
    this.#leave(consumer);
    return true;
  }

  /** The `churn` op: subscribe, take what arrived, unsubscribe. */
  churn(): number {
    const consumer = this.#subscribe("stalled", false, false);
    const taken = this.#drainOne(consumer);
    this.#leave(consumer);
    return taken;
  }

  /** The `drain` op: stalled consumers read everything queued. */
  drainStalled(): number {
    let taken = 0;
    for (const c of this.#fixed) {
      if (c.kind === "stalled") taken += this.#drainOne(c);
    }
    for (const c of this.#pool) {
      if (c.kind === "stalled") taken += this.#drainOne(c);
    }
    return taken;
  }

  /** Every consumer, whatever its kind, reads what is queued now. */
  drainAll(): void {
    for (const c of this.#consumers()) this.#drainOne(c);
  }

  /** Resolves once every consumer that left has been checked. */
  async retired(): Promise<void> {
    await Promise.all(this.#retiring);
  }

  /**
   * Finishes every consumer: reads what is queued and checks its totals.
   * Synchronous on purpose: no suspended frame keeps a subscription alive
   * for the leak check.
   */
  finish(): void {
    for (const c of this.#consumers()) {
      this.#drainOne(c);
      const open = c.sub.status === "open";
      this.#retire(c, open ? this.#store.version : undefined);
    }
  }

  /**
   * How many open subscribers last got `version`; each that did not is a
   * problem.
   */
  reached(version: number, problems: Problems): number {
    let reached = 0;
    for (const c of this.#consumers()) {
      if (c.sub.status !== "open") continue;
      if (c.recorder.last === version) reached++;
      else {
        problems.add(
          `subscriber ${c.sub.id} last got version ${c.recorder.last}, not the probe ${version}`,
        );
      }
    }
    return reached;
  }

  /**
   * `delivery_exact`, once finished: per subscriber, received = offered -
   * reported drops, with no duplicate and no reordering. `dropped` is the
   * store's own count.
   */
  deliveryResult(dropped: number): CheckResult {
    return this.#delivery.result(
      `${this.#count.subscribed} subscribers, ${this.#count.delivered} received, ${dropped} dropped and reported, ${this.#overflows} overflows, ${this.#crashes} crashes`,
    );
  }

  /**
   * `block_no_drops`, once finished: subscribers under `block` got every
   * version in turn. `timeouts` is the store's count of writes that gave up.
   */
  blockResult(timeouts: number): CheckResult {
    return this.#block.result(
      this.#blockSubscribers > 0
        ? `${this.#blockSubscribers} block subscribers each got every version in turn, 0 dropped; ${timeouts} writes timed out waiting instead`
        : `no block subscribers (policy ${this.#o.policy})`,
    );
  }

  /**
   * Unsubscribes every consumer, wakes sleeping ones, waits for their loops
   * and drops the references to them. The store stays open.
   */
  async unsubscribeAll(): Promise<void> {
    this.#closing = true;
    const consumers = this.#consumers();
    this.#fixed.length = 0;
    this.#pool.length = 0;
    for (const c of consumers) {
      if (!c.retired) this.#leave(c);
      else c.sub.unsubscribe();
    }
    for (const wake of [...this.#sleepers]) wake();
    const loops = consumers.map((c) => c.loop);
    consumers.length = 0;
    await Promise.all(loops);
    await Promise.all(this.#retiring);
  }

  /** Unsubscribes every consumer and lets go of everything kept. */
  async close(): Promise<void> {
    await this.unsubscribeAll();
    this.#leaked.length = 0;
  }

  #subscribe(kind: ConsumerKind, throwing: boolean, fixed: boolean): Consumer {
    const sub = this.#store.subscribe({
      capacity: this.#o.capacity,
      policy: this.#o.policy,
      timeoutMs: this.#o.timeout_ms,
    });
    this.#count.subscribed++;
    this.#onSubscribe(sub);
    if (this.#o.defect === "leak-subscribers") this.#leaked.push(sub);
    const consumer: Consumer = {
      sub,
      recorder: new DeliveryRecorder(sub.startVersion),
      kind,
      throwEvery: throwing ? this.#o.throw_every : 0,
      fixed,
      loop: undefined,
      retired: false,
    };
    if (kind !== "stalled") consumer.loop = this.#run(consumer);
    return consumer;
  }

  async #run(c: Consumer): Promise<void> {
    const slowMs = c.kind === "slow" ? this.#o.slow_ms : 0;
    const slowEvery = this.#o.slow_every;
    let n = 0;
    try {
      for await (const delivery of c.sub) {
        this.#take(c, delivery);
        n++;
        if (c.throwEvery > 0 && n % c.throwEvery === 0) {
          throw new ConsumerCrash();
        }
        if (slowMs > 0 && n % slowEvery === 0) await this.#sleep(slowMs);
      }
    } catch (error) {
      if (error instanceof SubscriptionOverflowError) this.#overflows++;
      else if (error instanceof ConsumerCrash) this.#crashes++;
      else this.#delivery.add(`subscriber ${c.sub.id} failed: ${error}`);
    }
    if (!c.fixed || c.retired || this.#closing) return;
    // A fixed subscriber that crashed or overflowed reconnects.
    this.#retire(c, undefined);
    const i = this.#fixed.indexOf(c);
    const fresh = this.#subscribe(c.kind, c.throwEvery > 0, true);
    if (i >= 0) this.#fixed[i] = fresh;
  }

  #take(c: Consumer, delivery: Delivery): void {
    switch (this.#o.defect) {
      case "lossy-delivery":
        if (++this.#defectTick % DEFECT_EVERY === 0) return;
        break;
      case "duplicate-delivery":
        if (++this.#defectTick % DEFECT_EVERY === 0) {
          c.recorder.record(delivery.version, delivery.missed);
          this.#count.delivered++;
        }
        break;
      case "none":
      case "leak-subscribers":
      case "leak-in-store":
      case "block-drops":
      case "reuse-version":
      case "lossy-cas":
      case "stuck-waiter":
      case "lossy-codec":
        break;
      default: {
        const never: never = this.#o.defect;
        throw new TypeError(`Unknown defect "${never}"`);
      }
    }
    c.recorder.record(delivery.version, delivery.missed);
    this.#count.delivered++;
  }

  #drainOne(c: Consumer): number {
    let taken = 0;
    for (let d = c.sub.poll(); d !== undefined; d = c.sub.poll()) {
      this.#take(c, d);
      taken++;
    }
    return taken;
  }

  /**
   * Unsubscribes a consumer and checks its totals. A stalled one is drained
   * first; one with a running loop may have a delivery in flight (handed to
   * its pending `next()`), so it is checked once its loop has ended.
   */
  #leave(c: Consumer): void {
    const open = c.sub.status === "open";
    const loop = c.loop;
    if (loop === undefined) this.#drainOne(c);
    const end = open ? this.#store.version : undefined;
    c.sub.unsubscribe();
    if (loop === undefined) {
      this.#retire(c, end);
      return;
    }
    const retired: Promise<void> = loop.then(() => {
      this.#retiring.delete(retired);
      this.#retire(c, end);
    });
    this.#retiring.add(retired);
  }

  #retire(c: Consumer, endVersion: number | undefined): void {
    if (c.retired) return;
    c.retired = true;
    const m = c.sub.metrics();
    this.#count.dropped += m.dropped;
    const id = c.sub.id;
    if (c.sub.policy === "block") {
      this.#blockSubscribers++;
      for (const p of checkNoDrops(c.recorder, m, endVersion)) {
        this.#block.add(`subscriber ${id}: ${p}`);
      }
    }
    const problems = c.recorder.finish(m, endVersion);
    for (const p of problems.first) {
      this.#delivery.add(`subscriber ${id}: ${p}`);
    }
    for (let k = problems.first.length; k < problems.count; k++) {
      this.#delivery.add(`subscriber ${id}: more`);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  #consumers(): Consumer[] {
    return [...this.#fixed, ...this.#pool];
  }
}
