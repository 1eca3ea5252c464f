/**
 * The `store` target: how the engine loads a {@link StateStore}.
 *
 * Each worker opens its own store (Workers share no memory), so
 * "concurrent" writers are the worker's async tasks interleaving at `await`
 * points; `cas_set` yields between its read and its write so they race.
 * Subscribers opened from `options` consume deliveries in the background
 * while ops run, and record every delivery so the invariants can prove that
 * nothing was lost, repeated or reordered without being reported.
 *
 * Background consumers run only when the worker's event loop gets a turn.
 * The engine gives it one every 20 ms when ops are synchronous, so a fast
 * writer starves them; `yield_every: N` makes every N-th write await one
 * event-loop turn (`setImmediate`, about 4 µs) so they keep up, or fall
 * behind only as far as they are slow.
 * @module
 */
import { z } from "zod";
import { ConflictError, TimeoutError } from "../../errors.ts";
import { Problems } from "../../invariants.ts";
import { findGc, yieldTurn } from "../../runtime.ts";
import type {
  InvariantResult,
  Op,
  Rng,
  Target,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import { decodeBinary, decodeJson, encodeBinary, encodeJson } from "./codec.ts";
import {
  checkDrift,
  checkNoDrops,
  compareCounts,
  DeliveryRecorder,
  sameValue,
  VersionLog,
} from "./_invariants.ts";
import {
  BACKPRESSURE_POLICIES,
  breakStore,
  type Context,
  type Delivery,
  type JsonValue,
  type Snapshot,
  StateStore,
  type StateStoreDefect,
  storeInternals,
  type Subscription,
  SubscriptionOverflowError,
} from "./state_store.ts";

/** Consumer behaviours a scenario can give its subscribers. */
export type ConsumerKind = "eager" | "slow" | "stalled";

/**
 * Deliberate defects, so a test (or a scenario) can watch each invariant
 * fail. The store's own ({@link StateStoreDefect}: `leak-in-store`,
 * `block-drops`, `reuse-version`, `lossy-cas`, `stuck-waiter`) are planted
 * inside the `StateStore`; the rest break the harness around it: consumers
 * that silently lose or repeat deliveries, a target that keeps every
 * subscription alive, a decoder that forgets the `reason` field.
 */
export type StoreDefect =
  | StateStoreDefect
  | "lossy-delivery"
  | "duplicate-delivery"
  | "leak-subscribers"
  | "lossy-codec";

/** Every {@link StoreDefect}. */
export const STORE_DEFECTS: readonly StoreDefect[] = [
  "none",
  "lossy-delivery",
  "duplicate-delivery",
  "leak-subscribers",
  "leak-in-store",
  "block-drops",
  "reuse-version",
  "lossy-cas",
  "stuck-waiter",
  "lossy-codec",
];

/** What the target reads from its runtime; tests pass their own. */
export interface StoreSeams {
  /** Bytes of JS heap in use; default `Deno.memoryUsage().heapUsed`. */
  heapUsed: () => number;
  /** A full GC; default `globalThis.gc` (undefined without `--expose-gc`). */
  gc: (() => void) | undefined;
  /** A monotonic clock in ms, for the drift check; default `performance.now`. */
  now: () => number;
}

const storeOptions = z.strictObject({
  subscribers: z.int().min(0).max(100_000).default(0)
    .describe("subscribers each worker opens before the load"),
  capacity: z.int().min(1).max(1_000_000).default(64)
    .describe("queue bound of every subscriber"),
  policy: z.enum(BACKPRESSURE_POLICIES).default("drop-oldest")
    .describe("backpressure policy of every subscriber"),
  timeout_ms: z.number().min(0).max(600_000).default(1000)
    .describe("block policy: how long a write waits for room"),
  consumer: z.enum(["eager", "slow", "stalled"]).default("eager")
    .describe("eager reads at once; slow sleeps; stalled reads only on drain"),
  slow_ms: z.number().min(0).max(10_000).default(1)
    .describe("slow consumer: sleep after every slow_every deliveries"),
  slow_every: z.int().min(1).default(1)
    .describe("slow consumer: deliveries between sleeps"),
  yield_every: z.int().min(0).max(1_000_000).default(0)
    .describe(
      "every N-th set or transition awaits one event-loop turn, so background consumers run (0: only when the engine yields, every 20 ms)",
    ),
  throwing_subscribers: z.int().min(0).default(0)
    .describe(
      "of the subscribers, how many throw in their loop (then resubscribe)",
    ),
  throw_every: z.int().min(1).default(16)
    .describe("a throwing subscriber throws after this many deliveries"),
  context_keys: z.int().min(0).max(10_000).default(0)
    .describe("keys in the context of each set (0: no context)"),
  context_bytes: z.int().min(0).max(1 << 20).default(100)
    .describe("bytes of each context value"),
  history: z.int().min(1).max(1_000_000).default(100)
    .describe("snapshots the store keeps for history()"),
  leak_tolerance_mb: z.number().positive().default(1.5)
    .describe(
      "no_subscriber_leak: heap growth allowed after unsubscribe, close and GC",
    ),
  drift_tolerance: z.number().min(1).default(3)
    .describe(
      "no_drift: how many times slower a write may be in the last third of the run than in the first",
    ),
  defect: z.enum(STORE_DEFECTS).default("none")
    .describe("a deliberate defect, to see the invariants fail"),
});

/** The `store` target's options, parsed. */
export type StoreOptions = z.output<typeof storeOptions>;

const noParams = z.strictObject({});
const writeParams = z.strictObject({
  context: z.boolean().default(true)
    .describe("attach a context of options.context_keys keys"),
});
const casParams = z.strictObject({
  retries: z.int().min(0).max(10_000).default(0)
    .describe("retries after a conflict before the op fails with it"),
  yield: z.boolean().default(true)
    .describe("await between the read and the write, so writers race"),
  backoff: z.boolean().default(true)
    .describe("after a conflict, yield a random 0..2^attempt (max 64) turns"),
});
const formatParams = z.strictObject({
  format: z.enum(["json", "binary"]).default("binary"),
});
const decodeParams = z.strictObject({
  format: z.enum(["json", "binary"]).default("binary"),
  verify: z.boolean().default(true)
    .describe("compare the decoded snapshot with the original"),
});
const subscribeParams = z.strictObject({
  max: z.int().min(1).max(100_000).default(100)
    .describe("pool size; beyond it the oldest churn subscriber leaves"),
});
const historyParams = z.strictObject({
  n: z.int().min(1).default(10),
});

const STATES = ["BOOTING", "IDLE", "ACTIVE", "ERROR_STATE", "SHUTDOWN"];
const NEXT: Readonly<Record<string, readonly string[]>> = {
  BOOTING: ["IDLE", "ERROR_STATE"],
  IDLE: ["ACTIVE", "SHUTDOWN"],
  ACTIVE: ["IDLE", "ERROR_STATE"],
  ERROR_STATE: ["IDLE", "SHUTDOWN"],
  SHUTDOWN: ["BOOTING"],
};

const INVARIANTS = {
  versions_monotonic:
    "every write got a new version, each exactly once, with no gap; history strictly increases",
  cas_no_lost_updates:
    "every successful cas_set landed right after the version it read",
  delivery_exact:
    "per subscriber: received = offered - reported drops; gaps only where drops were reported; no duplicates; order kept",
  block_no_drops: "subscribers under policy block dropped nothing",
  metrics_match:
    "store metrics (sets, gets, conflicts, timeouts, subscribed, delivered, dropped) equal the counted ops",
  codec_round_trip: "every decoded snapshot equals the one encoded",
  recovers:
    "after the load and a drain, a write commits at once and reaches every subscriber",
  no_subscriber_leak:
    "after unsubscribe (store still open) and again after close, no subscription is reachable after GC and the store's lists are empty; after close the heap is back within tolerance",
  no_drift:
    "writes in the last third of the run are at most drift_tolerance times slower than in the first third (medians)",
} as const;

const COUNTERS = {
  delivered: "snapshots subscribers' consumers took",
  dropped:
    "snapshots dropped by backpressure policies (each reported to its subscriber)",
  cas_retries: "cas_set attempts that hit a conflict and tried again",
  overflows:
    "subscriptions under policy error ended by an overflow (they resubscribe)",
} as const;

/** Names of the `store` target's invariants. */
export type StoreInvariant = keyof typeof INVARIANTS;

/**
 * The `store` target with its runtime seams replaced (tests); the engine
 * uses {@link storeTarget}.
 *
 * @example
 * ```ts
 * // A heap that never moves, and a clock that runs 1 ms per call.
 * let now = 0;
 * const target = createStoreTarget({ heapUsed: () => 1e6, now: () => ++now });
 * console.log(target.name, Object.keys(target.counters ?? {}).length); // store 4
 * ```
 */
export function createStoreTarget(seams: Partial<StoreSeams> = {}): Target {
  const resolved: StoreSeams = {
    heapUsed: seams.heapUsed ?? (() => Deno.memoryUsage().heapUsed),
    gc: "gc" in seams ? seams.gc : findGc(),
    now: seams.now ?? (() => performance.now()),
  };
  return {
    ...TARGET,
    open(options: unknown, worker: WorkerInfo): Promise<TargetInstance> {
      const parsed = storeOptions.parse(options ?? {});
      return Promise.resolve(
        new StoreInstance(parsed, worker, resolved).instance(),
      );
    },
  };
}

const TARGET: Omit<Target, "open"> = {
  name: "store",
  description:
    "versioned FSM snapshots with compare-and-set, pub/sub with backpressure, JSON/binary codecs",
  options: storeOptions,
  ops: {
    get: { description: "read the current snapshot", params: noParams },
    set: { description: "write the next snapshot", params: writeParams },
    cas_set: {
      description: "read, yield, then write with expectedVersion (retrying)",
      params: casParams,
    },
    transition: {
      description: "move to a next FSM state, keeping the context",
      params: noParams,
    },
    subscribe: {
      description: "open a churn subscriber (the oldest leaves beyond max)",
      params: subscribeParams,
    },
    unsubscribe: {
      description: "close a random churn subscriber",
      params: noParams,
    },
    churn: {
      description: "subscribe, take what arrived, unsubscribe",
      params: noParams,
    },
    drain: {
      description: "stalled subscribers read everything queued",
      params: noParams,
    },
    encode: {
      description: "encode the current snapshot",
      params: formatParams,
    },
    decode: {
      description: "decode the current snapshot's encoding",
      params: decodeParams,
    },
    history: {
      description: "read the newest n snapshots",
      params: historyParams,
    },
    metrics: { description: "read the store's metrics", params: noParams },
  },
  invariants: INVARIANTS,
  counters: COUNTERS,
};

/**
 * The engine's view of the state store.
 *
 * @example
 * ```ts
 * import { SeededRng } from "../../engine/rng.ts";
 *
 * const worker = {
 *   index: 0,
 *   count: 1,
 *   concurrency: 1,
 *   seed: 1,
 *   runDir: "/tmp",
 *   shared: undefined,
 * };
 * const options = storeTarget.options?.parse({ subscribers: 4 });
 * const instance = await storeTarget.open(options, worker);
 * await instance.ops.set({ context: false }, new SeededRng(1));
 * const [delivery] = await instance.invariants!(["delivery_exact"]);
 * console.log(delivery.ok, instance.counters!().delivered); // true 4
 * await instance.close();
 * ```
 */
export const storeTarget: Target = createStoreTarget();

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

const REF_RING = 1024;
const DEFECT_EVERY = 50;
/** no_drift takes a time mark every this many writes. */
const MARK_EVERY = 4096;

class StoreInstance {
  readonly #o: StoreOptions;
  readonly #seams: StoreSeams;
  readonly #store: StateStore;
  readonly #fixed: Consumer[] = [];
  readonly #pool: Consumer[] = [];
  readonly #versions: VersionLog;
  readonly #cas = new Problems();
  readonly #delivery = new Problems();
  readonly #codec = new Problems();
  readonly #block = new Problems();
  readonly #sleepers = new Set<() => void>();
  /** Consumers that left and are checked once their loop ends. */
  readonly #retiring = new Set<Promise<void>>();
  /** WeakRefs to the newest subscriptions, for no_subscriber_leak. */
  readonly #refs: WeakRef<Subscription>[] = [];
  #refNext = 0;
  readonly #leaked: Subscription[] = [];
  /** Context values are built from it, fresh for every write. */
  readonly #base: string;
  readonly #keys: string[];
  readonly #baselineHeap: number;
  readonly #marks: number[] = [];
  #sinceTurn = 0;
  #closing = false;
  #defectTick = 0;
  #seq = 0;
  #encoded: { version: number; json?: string; binary?: Uint8Array } = {
    version: -1,
  };
  /** Counts kept independently of the store, for metrics_match. */
  #count = {
    sets: 0,
    gets: 0,
    conflicts: 0,
    timeouts: 0,
    subscribed: 0,
    delivered: 0,
    dropped: 0,
  };
  #probeDetail = "";
  #casWrites = 0;
  #casRetries = 0;
  #decodes = 0;
  #blockSubscribers = 0;
  #overflows = 0;
  #crashes = 0;

  constructor(options: StoreOptions, worker: WorkerInfo, seams: StoreSeams) {
    this.#o = options;
    this.#seams = seams;
    this.#baselineHeap = this.#heapAfterGc();
    this.#store = new StateStore({
      initial: { state: "BOOTING", reason: `worker ${worker.index}` },
      historyLimit: options.history,
    });
    if (isStateStoreDefect(options.defect)) {
      breakStore(this.#store, options.defect);
    }
    this.#versions = new VersionLog(this.#store.version);
    this.#keys = Array.from(
      { length: options.context_keys },
      (_, i) => `key_${i}`,
    );
    this.#base = makeBase(options.context_bytes, worker.seed);
    for (let i = 0; i < options.subscribers; i++) {
      const throwing = i < options.throwing_subscribers;
      this.#fixed.push(this.#subscribe(options.consumer, throwing, true));
    }
  }

  instance(): TargetInstance {
    const ops: Record<string, Op> = {
      get: () => this.#get(),
      set: (params) => this.#set(params as z.output<typeof writeParams>),
      cas_set: (params, rng) =>
        this.#casSet(params as z.output<typeof casParams>, rng),
      transition: () => this.#transition(),
      subscribe: (params) =>
        this.#subscribeOp(params as z.output<typeof subscribeParams>),
      unsubscribe: (_params, rng) => this.#unsubscribeOp(rng),
      churn: () => this.#churn(),
      drain: () => this.#drain(),
      encode: (params) => this.#encode(params as z.output<typeof formatParams>),
      decode: (params) => this.#decode(params as z.output<typeof decodeParams>),
      history: (params) =>
        this.#store.history((params as z.output<typeof historyParams>).n)
          .length,
      metrics: () => this.#store.metrics(),
    };
    return {
      ops,
      invariants: (names) => this.#invariants(names),
      counters: () => this.#counters(),
      close: () => this.#close(),
    };
  }

  #counters(): Record<keyof typeof COUNTERS, number> {
    const m = this.#store.metrics();
    return {
      delivered: m.delivered,
      dropped: m.dropped,
      cas_retries: this.#casRetries,
      overflows: this.#overflows,
    };
  }

  // ---- ops ----------------------------------------------------------------

  #get(): Snapshot {
    this.#count.gets++;
    return this.#store.get();
  }

  #set(params: z.output<typeof writeParams>): Snapshot | Promise<Snapshot> {
    const context = params.context ? this.#context() : undefined;
    const state = STATES[this.#seq % STATES.length];
    let result: Snapshot | Promise<Snapshot>;
    try {
      result = this.#store.set({ state, reason: "set", context });
    } catch (error) {
      throw this.#failed(error);
    }
    return this.#turn(this.#settle(result));
  }

  async #casSet(
    params: z.output<typeof casParams>,
    rng: Rng,
  ): Promise<Snapshot> {
    for (let attempt = 0;; attempt++) {
      const read = this.#get();
      if (params.yield) await null;
      let written: Snapshot;
      try {
        const result = this.#store.set(
          { state: read.state, reason: "cas", context: read.context },
          { expectedVersion: read.version },
        );
        written = result instanceof Promise ? await result : result;
      } catch (error) {
        this.#failed(error);
        if (!(error instanceof ConflictError) || attempt >= params.retries) {
          throw error;
        }
        this.#casRetries++;
        if (params.backoff) {
          // Exponential backoff with full jitter, in turns of the event
          // loop's microtask queue (other writers run meanwhile).
          const turns = rng.int(0, Math.min(2 ** attempt, 64));
          for (let i = 0; i < turns; i++) await null;
        }
        continue;
      }
      this.#written(written);
      this.#casWrites++;
      if (written.version !== read.version + 1) {
        this.#cas.add(
          `cas_set read version ${read.version} but wrote ${written.version}`,
        );
      }
      return written;
    }
  }

  #transition(): Snapshot | Promise<Snapshot> {
    const current = this.#get();
    const choices = NEXT[current.state] ?? NEXT.IDLE;
    const next = choices[current.version % choices.length];
    let result: Snapshot | Promise<Snapshot>;
    try {
      result = this.#store.transition(next, `from ${current.state}`);
    } catch (error) {
      throw this.#failed(error);
    }
    return this.#turn(this.#settle(result));
  }

  #subscribeOp(params: z.output<typeof subscribeParams>): number {
    const consumer = this.#subscribe(this.#o.consumer, false, false);
    this.#pool.push(consumer);
    while (this.#pool.length > params.max) {
      this.#leave(this.#pool.shift() as Consumer);
    }
    return consumer.sub.id;
  }

  #unsubscribeOp(rng: Rng): boolean {
    if (this.#pool.length === 0) return false;
    const i = rng.int(0, this.#pool.length - 1);
    const consumer = this.#pool[i];
    this.#pool[i] = this.#pool[this.#pool.length - 1];
    this.#pool.pop();
    this.#leave(consumer);
    return true;
  }

  #churn(): number {
    const consumer = this.#subscribe("stalled", false, false);
    const taken = this.#drainOne(consumer);
    this.#leave(consumer);
    return taken;
  }

  #drain(): number {
    let taken = 0;
    for (const c of this.#fixed) {
      if (c.kind === "stalled") taken += this.#drainOne(c);
    }
    for (const c of this.#pool) {
      if (c.kind === "stalled") taken += this.#drainOne(c);
    }
    return taken;
  }

  #encode(params: z.output<typeof formatParams>): number {
    const snapshot = this.#get();
    switch (params.format) {
      case "json":
        return encodeJson(snapshot).length;
      case "binary":
        return encodeBinary(snapshot).length;
      default: {
        const never: never = params.format;
        throw new TypeError(`Unknown format "${never}"`);
      }
    }
  }

  #decode(params: z.output<typeof decodeParams>): Snapshot {
    const original = this.#get();
    const cache = this.#encoded.version === original.version
      ? this.#encoded
      : (this.#encoded = { version: original.version });
    let decoded: Snapshot;
    switch (params.format) {
      case "json":
        decoded = decodeJson(cache.json ??= encodeJson(original));
        break;
      case "binary":
        decoded = decodeBinary(cache.binary ??= encodeBinary(original));
        break;
      default: {
        const never: never = params.format;
        throw new TypeError(`Unknown format "${never}"`);
      }
    }
    if (this.#o.defect === "lossy-codec") decoded = forgetReason(decoded);
    this.#decodes++;
    if (params.verify && !sameValue(decoded, original)) {
      this.#codec.add(
        `${params.format} round trip of version ${original.version} changed it`,
      );
    }
    return decoded;
  }

  // ---- writes -------------------------------------------------------------

  #settle(result: Snapshot | Promise<Snapshot>): Snapshot | Promise<Snapshot> {
    if (!(result instanceof Promise)) {
      this.#written(result);
      return result;
    }
    return result.then(
      (snapshot) => {
        this.#written(snapshot);
        return snapshot;
      },
      (error) => {
        throw this.#failed(error);
      },
    );
  }

  /** Every `yield_every`-th write waits for one event-loop turn. */
  #turn(result: Snapshot | Promise<Snapshot>): Snapshot | Promise<Snapshot> {
    const every = this.#o.yield_every;
    if (every === 0 || ++this.#sinceTurn < every) return result;
    this.#sinceTurn = 0;
    return yieldTurn().then(() => result);
  }

  #written(snapshot: Snapshot): void {
    this.#count.sets++;
    this.#versions.record(snapshot.version);
    if (this.#versions.count % MARK_EVERY === 0) {
      this.#marks.push(this.#seams.now());
    }
  }

  #failed(error: unknown): unknown {
    if (error instanceof ConflictError) this.#count.conflicts++;
    else if (error instanceof TimeoutError) this.#count.timeouts++;
    return error;
  }

  /**
   * A new context of `context_keys` keys, each value a fresh string of
   * `context_bytes` bytes (its own copy, so the memory is really used).
   */
  #context(): Context | undefined {
    const keys = this.#keys;
    if (keys.length === 0) return undefined;
    const seq = this.#seq++;
    const head = `${seq}.`;
    const base = this.#base;
    const bytes = base.length;
    const context: Record<string, JsonValue> = {};
    for (let k = 0; k < keys.length; k++) {
      // Slicing a concatenation copies it into one new flat string.
      context[keys[k]] = (head + keys[k] + base).slice(0, bytes);
    }
    context.seq = seq;
    return context;
  }

  // ---- subscribers --------------------------------------------------------

  #subscribe(kind: ConsumerKind, throwing: boolean, fixed: boolean): Consumer {
    const sub = this.#store.subscribe({
      capacity: this.#o.capacity,
      policy: this.#o.policy,
      timeoutMs: this.#o.timeout_ms,
    });
    this.#count.subscribed++;
    this.#refs[this.#refNext] = new WeakRef(sub);
    this.#refNext = (this.#refNext + 1) % REF_RING;
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

  /** Every consumer, whatever its kind, reads what is queued now. */
  #drainAll(): void {
    for (const c of this.#consumers()) this.#drainOne(c);
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

  // ---- invariants ---------------------------------------------------------

  async #invariants(names: readonly string[]): Promise<InvariantResult[]> {
    const want = new Set(names);
    const results = new Map<string, InvariantResult>();
    await settle();
    await Promise.all(this.#retiring);
    if (want.has("recovers")) {
      const problems = await this.#probe();
      results.set("recovers", result("recovers", problems, this.#probeDetail));
    }
    for (const r of this.#check()) if (want.has(r.name)) results.set(r.name, r);
    if (want.has("no_subscriber_leak")) {
      const [problems, detail] = await this.#cleanup();
      results.set(
        "no_subscriber_leak",
        result("no_subscriber_leak", problems, detail),
      );
    }
    // The engine asks for names in scenario order.
    return names.map((name) =>
      results.get(name) ?? {
        name,
        ok: false,
        detail: `unknown invariant "${name}" for target store`,
      }
    );
  }

  /**
   * Finishes every consumer (reads what is queued, checks its totals) and
   * evaluates the invariants that need no waiting. Synchronous on purpose:
   * no suspended frame keeps a subscription alive for the leak check.
   */
  #check(): InvariantResult[] {
    for (const c of this.#consumers()) {
      this.#drainOne(c);
      const open = c.sub.status === "open";
      this.#retire(c, open ? this.#store.version : undefined);
    }
    const store = this.#store.metrics();
    const counted: Record<string, number> = { ...this.#count };
    const drift = checkDrift(
      this.#marks,
      MARK_EVERY,
      this.#o.drift_tolerance,
    );
    const driftProblems = new Problems();
    if (!drift.ok) driftProblems.add(drift.detail);
    return [
      result(
        "versions_monotonic",
        this.#versions.check(
          store.version,
          this.#store.history().map((s) => s.version),
        ),
        `${this.#versions.count} writes, versions ${this.#versions.initial} -> ${store.version}, each once`,
      ),
      result(
        "cas_no_lost_updates",
        this.#cas,
        `${this.#casWrites} cas writes, each at read version + 1 (${this.#casRetries} retries)`,
      ),
      result(
        "delivery_exact",
        this.#delivery,
        `${this.#count.subscribed} subscribers, ${this.#count.delivered} received, ${store.dropped} dropped and reported, ${this.#overflows} overflows, ${this.#crashes} crashes`,
      ),
      result(
        "block_no_drops",
        this.#block,
        this.#blockSubscribers > 0
          ? `${this.#blockSubscribers} block subscribers each got every version in turn, 0 dropped; ${store.timeouts} writes timed out waiting instead`
          : `no block subscribers (policy ${this.#o.policy})`,
      ),
      result(
        "metrics_match",
        compareCounts(store as unknown as Record<string, number>, counted),
        Object.entries(counted).map(([k, v]) => `${k} ${v}`).join(", "),
      ),
      result(
        "codec_round_trip",
        this.#codec,
        `${this.#decodes} decodes equalled their original`,
      ),
      result("no_drift", driftProblems, drift.detail),
    ];
  }

  /** recovers: drain, write once, and see it commit at once and arrive. */
  async #probe(): Promise<Problems> {
    const problems = new Problems();
    this.#drainAll();
    if (this.#store.closed) {
      problems.add("the store was closed before the probe");
      return problems;
    }
    const waiting = this.#store.metrics().waiting;
    if (waiting > 0) {
      problems.add(`after the load, ${waiting} writes are still waiting`);
    }
    const result = this.#store.set({ state: "IDLE", reason: "probe" });
    if (result instanceof Promise) {
      problems.add("after draining, a write still had to wait");
    }
    let snapshot: Snapshot;
    try {
      snapshot = await this.#settle(result);
    } catch (error) {
      problems.add(`the probe write failed: ${error}`);
      return problems;
    }
    await settle();
    this.#drainAll();
    this.#probeDetail = this.#probeReached(snapshot.version, problems);
    return problems;
  }

  #probeReached(version: number, problems: Problems): string {
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
    return `a write after draining committed at once (version ${version}) and reached all ${reached} subscribers`;
  }

  /**
   * no_subscriber_leak, in two steps. First every consumer unsubscribes and
   * the target drops its own references while the store stays open: after
   * GC none of the newest subscriptions may be reachable and the store's
   * lists must be empty (a store that keeps leavers is caught here, before
   * `close()` would empty its lists). Then the store closes: again nothing
   * reachable, and the heap back within tolerance of its start.
   */
  async #cleanup(): Promise<[Problems, string]> {
    const problems = new Problems();
    const gc = this.#seams.gc;
    if (gc === undefined) {
      problems.add("cannot check: run with --v8-flags=--expose-gc");
      return [problems, ""];
    }
    await this.#unsubscribeAll();
    await settle();
    gc();
    await settle();
    gc();
    const inside = storeInternals(this.#store);
    const open = await this.#reachable();
    if (open > 0) {
      problems.add(
        `${open} of the last ${this.#refs.length} subscriptions are still reachable after unsubscribe and GC (store open)`,
      );
    }
    if (inside.subscribers > 0 || inside.blockSubscribers > 0) {
      problems.add(
        `after every subscriber left, the store still lists ${inside.subscribers} subscribers (${inside.blockSubscribers} under block)`,
      );
    }
    if (inside.waiters > 0) {
      problems.add(`${inside.waiters} writes still wait after the load`);
    }
    this.#store.close();
    this.#encoded = { version: -1 };
    await settle();
    const closed = await this.#reachable();
    if (closed > 0) {
      problems.add(
        `${closed} of the last ${this.#refs.length} subscriptions are still reachable after close and GC`,
      );
    }
    // What the target itself must keep until the invariants are read: a
    // bit per write, a time mark per 4096 writes.
    const own = this.#versions.bytes + this.#marks.length * 8;
    const growth = this.#heapAfterGc() - this.#baselineHeap - own;
    const tolerance = this.#o.leak_tolerance_mb * 1024 * 1024;
    if (growth > tolerance) {
      problems.add(
        `heap is ${mb(growth)} above its start after close and GC (tolerance ${
          mb(tolerance)
        }, not counting the target's own ${mb(own)})`,
      );
    }
    return [
      problems,
      `0 of the last ${this.#refs.length} subscriptions reachable after unsubscribe (store open, its lists empty) and after close; heap ${
        mb(growth)
      } from start (tolerance ${mb(tolerance)})`,
    ];
  }

  /**
   * How many of the newest subscriptions are still reachable after GC. A
   * WeakRef read keeps its target alive until the current job ends, and a
   * finishing `return()` may hold one for a turn, so this collects over a few
   * turns; a real leak stays reachable through all of them.
   */
  async #reachable(): Promise<number> {
    let alive = 0;
    for (let round = 0; round < 5; round++) {
      await settle();
      this.#seams.gc?.();
      alive = 0;
      for (const ref of this.#refs) if (ref.deref() !== undefined) alive++;
      if (alive === 0) break;
    }
    return alive;
  }

  /**
   * Unsubscribes every consumer, wakes sleeping ones, waits for their loops
   * and drops the target's references to them. The store stays open.
   */
  async #unsubscribeAll(): Promise<void> {
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

  async #close(): Promise<void> {
    await this.#unsubscribeAll();
    this.#store.close();
    this.#encoded = { version: -1 };
    this.#leaked.length = 0;
  }

  #heapAfterGc(): number {
    this.#seams.gc?.();
    return this.#seams.heapUsed();
  }
}

function isStateStoreDefect(defect: StoreDefect): defect is StateStoreDefect {
  switch (defect) {
    case "none":
    case "leak-in-store":
    case "block-drops":
    case "reuse-version":
    case "lossy-cas":
    case "stuck-waiter":
      return true;
    case "lossy-delivery":
    case "duplicate-delivery":
    case "leak-subscribers":
    case "lossy-codec":
      return false;
    default: {
      const never: never = defect;
      throw new TypeError(`Unknown defect "${never}"`);
    }
  }
}

/**
 * The `lossy-codec` defect: a decoder that forgets a field (the seed's DTO
 * converters' classic bug), so `reason` always reads back empty.
 */
function forgetReason(snapshot: Snapshot): Snapshot {
  return Object.freeze({ ...snapshot, reason: "" });
}

function result(
  name: StoreInvariant,
  problems: Problems,
  ok: string,
): InvariantResult {
  return {
    name,
    ok: problems.ok,
    detail: problems.ok ? ok : problems.summary(),
  };
}

/** A flat string of `bytes` pseudo-random characters from `seed`. */
function makeBase(bytes: number, seed: number): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let s = "";
  for (let b = 0; b < bytes; b++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) & 63];
  }
  return s;
}

/** Lets queued microtasks and due timers run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
