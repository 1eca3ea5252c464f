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
import {
  type Check,
  checkEach,
  type CheckResult,
  Problems,
} from "../../invariants.ts";
import { findGc, yieldTurn } from "../../runtime.ts";
import type {
  InvariantResult,
  Op,
  Rng,
  Target,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import { ContextMaker } from "./_contexts.ts";
import { isStateStoreDefect, STORE_DEFECTS } from "./_defects.ts";
import { checkDrift, compareCounts, VersionLog } from "./_invariants.ts";
import { LeakProbe } from "./_leak_probe.ts";
import { FORMATS, RoundTrips } from "./_round_trip.ts";
import { CONSUMER_KINDS, settle, Subscribers } from "./_subscribers.ts";
import {
  BACKPRESSURE_POLICIES,
  breakStore,
  type Snapshot,
  StateStore,
} from "./state_store.ts";

export type { StoreDefect } from "./_defects.ts";
export type { ConsumerKind } from "./_subscribers.ts";

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
  consumer: z.enum(CONSUMER_KINDS).default("eager")
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
  format: z.enum(FORMATS).default("binary"),
});
const decodeParams = z.strictObject({
  format: z.enum(FORMATS).default("binary"),
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

/** no_drift takes a time mark every this many writes. */
const MARK_EVERY = 4096;

class StoreInstance {
  readonly #o: StoreOptions;
  readonly #seams: StoreSeams;
  readonly #leaks: LeakProbe;
  readonly #store: StateStore;
  readonly #subscribers: Subscribers;
  readonly #versions: VersionLog;
  readonly #contexts: ContextMaker;
  readonly #roundTrips: RoundTrips;
  readonly #cas = new Problems();
  readonly #marks: number[] = [];
  #sinceTurn = 0;
  /** Counts kept independently of the store, for metrics_match. */
  #count = { sets: 0, gets: 0, conflicts: 0, timeouts: 0 };
  #casWrites = 0;
  #casRetries = 0;

  constructor(options: StoreOptions, worker: WorkerInfo, seams: StoreSeams) {
    this.#o = options;
    this.#seams = seams;
    this.#leaks = new LeakProbe(seams, options.leak_tolerance_mb);
    this.#store = new StateStore({
      initial: { state: "BOOTING", reason: `worker ${worker.index}` },
      historyLimit: options.history,
    });
    if (isStateStoreDefect(options.defect)) {
      breakStore(this.#store, options.defect);
    }
    this.#versions = new VersionLog(this.#store.version);
    this.#contexts = new ContextMaker(
      options.context_keys,
      options.context_bytes,
      worker.seed,
    );
    this.#roundTrips = new RoundTrips(options.defect === "lossy-codec");
    this.#subscribers = new Subscribers(this.#store, {
      ...options,
      onSubscribe: (sub) => this.#leaks.watch(sub),
    });
  }

  instance(): TargetInstance {
    const subscribers = this.#subscribers;
    const ops: Record<string, Op> = {
      get: () => this.#get(),
      set: (params) => this.#set(params as z.output<typeof writeParams>),
      cas_set: (params, rng) =>
        this.#casSet(params as z.output<typeof casParams>, rng),
      transition: () => this.#transition(),
      subscribe: (params) =>
        subscribers.join((params as z.output<typeof subscribeParams>).max),
      unsubscribe: (_params, rng) => subscribers.leaveOne(rng),
      churn: () => subscribers.churn(),
      drain: () => subscribers.drainStalled(),
      encode: (params) =>
        this.#roundTrips.encode(
          this.#get(),
          (params as z.output<typeof formatParams>).format,
        ),
      decode: (params) => {
        const { format, verify } = params as z.output<typeof decodeParams>;
        return this.#roundTrips.decode(this.#get(), format, verify);
      },
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
      overflows: this.#subscribers.overflows,
    };
  }

  // ---- ops ----------------------------------------------------------------

  #get(): Snapshot {
    this.#count.gets++;
    return this.#store.get();
  }

  #set(params: z.output<typeof writeParams>): Snapshot | Promise<Snapshot> {
    const context = params.context ? this.#contexts.next() : undefined;
    const state = STATES[this.#contexts.made % STATES.length];
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

  // ---- invariants ---------------------------------------------------------

  async #invariants(names: readonly string[]): Promise<InvariantResult[]> {
    await settle();
    await this.#subscribers.retired();
    // What needs no waiting is judged at once, after the probe (which must
    // see the consumers still open) and before the leak check (which
    // unsubscribes them and closes the store).
    let finished: Record<Finished, CheckResult> | undefined;
    const after = (name: Finished): Check => () =>
      (finished ??= this.#finish())[name];
    const checks: Record<StoreInvariant, Check> = {
      recovers: () => this.#recovers(),
      versions_monotonic: after("versions_monotonic"),
      cas_no_lost_updates: after("cas_no_lost_updates"),
      delivery_exact: after("delivery_exact"),
      block_no_drops: after("block_no_drops"),
      metrics_match: after("metrics_match"),
      codec_round_trip: after("codec_round_trip"),
      no_drift: after("no_drift"),
      no_subscriber_leak: () => {
        finished ??= this.#finish();
        return this.#leaks.check({
          store: this.#store,
          unsubscribeAll: () => this.#subscribers.unsubscribeAll(),
          release: () => this.#roundTrips.release(),
          // A bit per write, a time mark per 4096 writes.
          ownBytes: () => this.#versions.bytes + this.#marks.length * 8,
        });
      },
    };
    return await checkEach(names, checks);
  }

  /**
   * Finishes every consumer (reads what is queued, checks its totals) and
   * judges the invariants that need no waiting. Synchronous on purpose: no
   * suspended frame keeps a subscription alive for the leak check.
   */
  #finish(): Record<Finished, CheckResult> {
    this.#subscribers.finish();
    const store = this.#store.metrics();
    const counted: Record<string, number> = {
      ...this.#count,
      ...this.#subscribers.counts(),
    };
    return {
      versions_monotonic: this.#versions.check(
        store.version,
        this.#store.history().map((s) => s.version),
      ).result(
        `${this.#versions.count} writes, versions ${this.#versions.initial} -> ${store.version}, each once`,
      ),
      cas_no_lost_updates: this.#cas.result(
        `${this.#casWrites} cas writes, each at read version + 1 (${this.#casRetries} retries)`,
      ),
      delivery_exact: this.#subscribers.deliveryResult(store.dropped),
      block_no_drops: this.#subscribers.blockResult(store.timeouts),
      metrics_match: compareCounts(
        store as unknown as Record<string, number>,
        counted,
      ).result(
        Object.entries(counted).map(([k, v]) => `${k} ${v}`).join(", "),
      ),
      codec_round_trip: this.#roundTrips.result(),
      no_drift: checkDrift(this.#marks, MARK_EVERY, this.#o.drift_tolerance),
    };
  }

  /** recovers: drain, write once, and see it commit at once and arrive. */
  async #recovers(): Promise<CheckResult> {
    const problems = new Problems();
    this.#subscribers.drainAll();
    if (this.#store.closed) {
      problems.add("the store was closed before the probe");
      return problems.result("");
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
      return problems.result("");
    }
    await settle();
    this.#subscribers.drainAll();
    const version = snapshot.version;
    const reached = this.#subscribers.reached(version, problems);
    return problems.result(
      `a write after draining committed at once (version ${version}) and reached all ${reached} subscribers`,
    );
  }

  async #close(): Promise<void> {
    await this.#subscribers.close();
    this.#store.close();
    this.#roundTrips.release();
  }
}

/** The invariants judged together, once every consumer has finished. */
type Finished = Exclude<StoreInvariant, "recovers" | "no_subscriber_leak">;
