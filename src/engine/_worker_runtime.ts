/**
 * The worker side of a run: opens the target, runs `concurrency` async tasks
 * through warmup and measured load, and posts results in batches.
 *
 * The per-op loop is the hot path: no allocation for a synchronous op, one
 * `performance.now()` per op (each op's end is the next op's start, so the
 * few nanoseconds of bookkeeping between ops count toward the next op).
 * @module
 */
import { outcomeOf, OUTCOMES } from "../errors.ts";
import {
  type Budget,
  fixedBudget,
  type Schedule,
  schedule,
  type WorkerArrivals,
} from "../executors/mod.ts";
import { findGc, yieldTurn } from "../runtime.ts";
import type { ErrorSample } from "../stats/mod.ts";
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  initHistograms,
  recordMs,
} from "../stats/mod.ts";
import type { Plan } from "../scenario/mod.ts";
import type { Op, Rng, Target, TargetInstance } from "../target.ts";
import {
  CONTROL,
  type FromWorker,
  opSlots,
  type ToWorker,
} from "./_protocol.ts";
import { SeededRng } from "./rng.ts";

const OUTCOME_COUNT = OUTCOMES.length;
const INJECTED = OUTCOMES.indexOf("injected");
const OUTCOME_INDEX: Record<string, number> = Object.fromEntries(
  OUTCOMES.map((outcome, index) => [outcome, index]),
);
const FLUSH_MS = 250;
/** Tasks give the event loop a turn this often, so timers and peers run. */
const YIELD_MS = 20;
const MAX_SAMPLES = 20;
/** How often a ramp's idle task looks whether it is wanted again. */
const RAMP_POLL_MS = 10;

interface Post {
  (message: FromWorker): void;
}

/** Serves one worker thread: call from the worker entry module. */
export function serveWorker(targets: Readonly<Record<string, Target>>): void {
  const scope = self as unknown as {
    onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
    postMessage(message: FromWorker): void;
    close(): void;
  };
  const post: Post = (message) => scope.postMessage(message);
  let session: Session | undefined;
  scope.onmessage = async (event) => {
    const message = event.data;
    try {
      switch (message.type) {
        case "init":
          session = await Session.open(targets, message, post);
          await session.warmup();
          break;
        case "go":
          await session!.measure(message.origin);
          break;
        case "invariants":
          post({
            type: "invariants",
            results: await session!.invariants(message.names),
          });
          break;
        case "close":
          await session?.close();
          post({ type: "closed" });
          scope.onmessage = null;
          break;
        default: {
          const never: never = message;
          throw new TypeError(`Unknown message ${JSON.stringify(never)}`);
        }
      }
    } catch (error) {
      post({
        type: "fatal",
        message: error instanceof Error
          ? `${error.name}: ${error.message}`
          : String(error),
      });
    }
  };
}

function heapUsed(): number {
  findGc()?.();
  return Deno.memoryUsage().heapUsed;
}

/** Ops with their parsed params, weights folded into a lookup table. */
interface Mix {
  fns: Op[];
  params: unknown[];
  /** Cumulative weights, normalized to end at 1. */
  cumulative: Float64Array;
}

class Session {
  #plan: Plan;
  #instance: TargetInstance;
  #post: Post;
  #control: Int32Array;
  #claimed: Int32Array;
  #index: number;
  /** The worker's index in the whole run (differs in a shard): seeds. */
  #global: number;
  #mix: Mix;
  /** Op names, each once: results are kept per name (see `opSlots`). */
  #names: string[];
  /** The slot (index into `#names`) of each mix entry. */
  #slotOf: Int32Array;
  /** One histogram per op name. */
  #histograms: Histogram[];
  /** Outcome counts per op name: `slot * OUTCOME_COUNT + outcome`. */
  #counts: Float64Array;
  #samples = new Map<string, ErrorSample>();
  // No batch leaves before measurement starts: warmup results are discarded.
  #flushAt = Infinity;
  #countersAtStart: Record<string, number> = {};
  /** Open model only: one service-time histogram per op name. */
  #service: Histogram[] | undefined;
  /** Open model: arrivals started, dropped, the most one started late (ms). */
  #started = 0;
  #dropped = 0;
  #lag = 0;
  /** Open model: ops started and not yet settled, and who waits for none. */
  #inFlight = 0;
  #idle: (() => void) | undefined;

  private constructor(
    plan: Plan,
    instance: TargetInstance,
    init: Extract<ToWorker, { type: "init" }>,
    post: Post,
    mix: Mix,
  ) {
    this.#plan = plan;
    this.#instance = instance;
    this.#post = post;
    this.#index = init.index;
    this.#global = plan.shard?.workers[init.index] ?? init.index;
    this.#control = new Int32Array(init.control);
    this.#claimed = new Int32Array(init.claimed);
    this.#mix = mix;
    const { names, slotOf } = opSlots(plan.mix);
    this.#names = names;
    this.#slotOf = slotOf;
    this.#histograms = names.map(() => createHistogram());
    this.#counts = new Float64Array(names.length * OUTCOME_COUNT);
  }

  static async open(
    targets: Readonly<Record<string, Target>>,
    init: Extract<ToWorker, { type: "init" }>,
    post: Post,
  ): Promise<Session> {
    await initHistograms();
    const { plan } = init;
    const target = Object.hasOwn(targets, plan.target)
      ? targets[plan.target]
      : undefined;
    if (!target) throw new TypeError(`Unknown target "${plan.target}"`);
    const options = target.options?.parse(plan.options) ?? plan.options;
    const instance = await target.open(options, {
      index: init.index,
      count: plan.load.workers,
      concurrency: plan.load.concurrency,
      seed: plan.load.seed,
      runDir: init.runDir,
      shared: init.shared,
    });
    const total = plan.mix.reduce((sum, entry) => sum + entry.weight, 0);
    let running = 0;
    const mix: Mix = {
      fns: plan.mix.map((entry) => {
        const fn = Object.hasOwn(instance.ops, entry.op)
          ? instance.ops[entry.op]
          : undefined;
        if (!fn) throw new TypeError(`Target has no op "${entry.op}"`);
        return fn;
      }),
      params: plan.mix.map((entry) =>
        (Object.hasOwn(target.ops, entry.op)
          ? target.ops[entry.op].params?.parse(entry.params)
          : undefined) ?? entry.params
      ),
      cumulative: Float64Array.from(plan.mix, (entry) => {
        running += entry.weight;
        return running / total;
      }),
    };
    return new Session(plan, instance, init, post, mix);
  }

  async warmup(): Promise<void> {
    const { warmup, concurrency } = this.#plan.load;
    if (warmup > 0) {
      await this.#runTasks((task) => fixedBudget(warmup, concurrency, task), 1);
    }
    for (const histogram of this.#histograms) histogram.reset();
    this.#counts.fill(0);
    this.#samples.clear();
    this.#countersAtStart = this.#instance.counters?.() ?? {};
    this.#post({ type: "warm", heap: heapUsed() });
  }

  /** The measured load; `origin` is its start on the main thread's clock. */
  async measure(origin: number): Promise<void> {
    const { budget, deadline, arrivals, ramp } = schedule(this.#plan.load, {
      claimed: this.#claimed,
      now: performance.now(),
      worker: this.#index,
      ...(this.#plan.shard ? { shard: this.#plan.shard } : {}),
    });
    this.#flushAt = performance.now() + FLUSH_MS;
    if (arrivals) {
      this.#service = this.#names.map(() => createHistogram());
      await this.#runOpen(arrivals, origin - performance.timeOrigin);
    } else if (ramp) {
      await this.#runRamp(ramp, deadline);
    } else {
      await this.#runTasks(budget, 2, deadline);
    }
    this.#flush();
    const counters = {
      start: this.#countersAtStart,
      end: this.#instance.counters?.() ?? {},
    };
    this.#post({ type: "done", heap: heapUsed(), counters });
  }

  /** Runs every task to completion; stream 1 is warmup, 2 is measured. */
  #runTasks(
    budget: (task: number) => Budget,
    stream: number,
    deadline = Infinity,
  ): Promise<void[]> {
    const { concurrency, seed } = this.#plan.load;
    return Promise.all(
      Array.from(
        { length: concurrency },
        (_, task) =>
          this.#runTask(
            new SeededRng(seed, stream, this.#global, task),
            budget(task),
            deadline,
          ),
      ),
    );
  }

  async #runTask(rng: Rng, budget: Budget, deadline: number): Promise<void> {
    const { fns, params, cumulative } = this.#mix;
    const slotOf = this.#slotOf;
    const histograms = this.#histograms;
    const counts = this.#counts;
    const control = this.#control;
    const last = cumulative.length - 1;
    const { error_rate: errorRate, latency } = this.#plan.faults;
    const latencyRate = latency?.rate ?? 0;
    let t0 = performance.now();
    // A task yields every YIELD_MS, and at the deadline at the latest: with
    // thousands of tasks, a full slice each past the deadline would add up
    // to minutes.
    let yieldAt = Math.min(t0 + YIELD_MS, deadline);
    for (let n = budget(); n > 0; n = budget()) {
      for (; n > 0; n--) {
        if (Atomics.load(control, CONTROL.stop) !== 0) return;
        const k = last > 0 ? pickEntry(cumulative, last, rng.next()) : 0;
        const slot = slotOf[k];
        let outcome = 0;
        if (errorRate > 0 && rng.next() < errorRate) {
          // The op never ran: no latency to record, and its sample is made
          // from the counts at flush time.
          outcome = INJECTED;
        } else {
          try {
            if (latencyRate > 0 && rng.next() < latencyRate) {
              await sleep(rng.int(latency!.min_ms, latency!.max_ms));
            }
            const result = fns[k](params[k], rng);
            if (result instanceof Promise) await result;
          } catch (error) {
            outcome = this.#failure(slot, error);
          }
        }
        const t1 = performance.now();
        if (outcome !== INJECTED) recordMs(histograms[slot], t1 - t0);
        counts[slot * OUTCOME_COUNT + outcome]++;
        t0 = t1;
        if (t1 >= yieldAt) {
          if (t1 >= deadline) return;
          if (t1 >= this.#flushAt) this.#flush();
          await yieldTurn();
          t0 = performance.now();
          yieldAt = Math.min(t0 + YIELD_MS, deadline);
        }
      }
    }
  }

  /**
   * A closed-model ramp: every task the ramp may need loops in
   * {@link #runTask} while its index is below the ramp's count, and waits
   * (polling every {@link RAMP_POLL_MS}) while it is not, until the
   * deadline. Its budget reads the clock once more per op; the other
   * closed executors' budgets do not.
   */
  #runRamp(
    ramp: NonNullable<Schedule["ramp"]>,
    deadline: number,
  ): Promise<void[]> {
    const { concurrency, seed } = this.#plan.load;
    const control = this.#control;
    return Promise.all(
      Array.from({ length: concurrency }, async (_, task) => {
        const rng = new SeededRng(seed, 2, this.#global, task);
        const wanted = () =>
          task < ramp.tasks(performance.now() - ramp.start) ? 1 : 0;
        while (
          performance.now() < deadline &&
          Atomics.load(control, CONTROL.stop) === 0
        ) {
          if (wanted() > 0) await this.#runTask(rng, wanted, deadline);
          else await sleep(RAMP_POLL_MS);
        }
      }),
    );
  }

  /**
   * The open model: starts each of this worker's arrivals when the schedule
   * says, whether or not earlier ones finished, up to `maxInFlight` at once
   * (an arrival that finds them all running is dropped and counted). A late
   * arrival (the thread was busy: a synchronous op, GC) starts as soon as it
   * can, and its latency counts from when it was due. Waits use one timer
   * for most of a gap and event-loop turns for the last stretch, so
   * sub-millisecond gaps are kept, not bunched into timer ticks. A
   * synchronous op allocates nothing here; a promise is settled in
   * {@link #settle}. Kept apart from {@link #runTask}, which it does not
   * slow.
   */
  async #runOpen(arrivals: WorkerArrivals, start: number): Promise<void> {
    const { schedule, first, step, count, maxInFlight } = arrivals;
    const { fns, params, cumulative } = this.#mix;
    const slotOf = this.#slotOf;
    const histograms = this.#histograms;
    const service = this.#service!;
    const counts = this.#counts;
    const control = this.#control;
    const last = cumulative.length - 1;
    const { error_rate: errorRate, latency } = this.#plan.faults;
    const latencyRate = latency?.rate ?? 0;
    const rng = new SeededRng(this.#plan.load.seed, 2, this.#global, 0);
    let yieldAt = performance.now() + YIELD_MS;
    for (let j = 0; j < count;) {
      if (Atomics.load(control, CONTROL.stop) !== 0) break;
      const intended = start + schedule.at(first + j * step);
      const now = performance.now();
      if (intended > now) {
        if (now >= this.#flushAt) this.#flush();
        const wait = intended - now;
        // Timers fire late (by a millisecond or more under load), never
        // early: sleep well short of the arrival, then take turns.
        if (wait > 2.5) await sleep(Math.min(Math.floor(wait - 1.5), YIELD_MS));
        else await yieldTurn();
        yieldAt = performance.now() + YIELD_MS;
        continue;
      }
      j++;
      if (now - intended > this.#lag) this.#lag = now - intended;
      const k = last > 0 ? pickEntry(cumulative, last, rng.next()) : 0;
      if (this.#inFlight >= maxInFlight) {
        this.#dropped++;
        continue;
      }
      this.#started++;
      const slot = slotOf[k];
      if (errorRate > 0 && rng.next() < errorRate) {
        counts[slot * OUTCOME_COUNT + INJECTED]++;
        continue;
      }
      let outcome = 0;
      let pending: unknown;
      try {
        pending = latencyRate > 0 && rng.next() < latencyRate
          ? sleep(rng.int(latency!.min_ms, latency!.max_ms)).then(() =>
            fns[k](params[k], rng)
          )
          : fns[k](params[k], rng);
      } catch (error) {
        outcome = this.#failure(slot, error);
      }
      let t1 = now;
      if (pending instanceof Promise) {
        this.#inFlight++;
        this.#settle(pending, slot, intended, now);
      } else {
        t1 = performance.now();
        recordMs(histograms[slot], t1 - intended);
        recordMs(service[slot], t1 - now);
        counts[slot * OUTCOME_COUNT + outcome]++;
      }
      // A backlog (after a stall) is started in turns of YIELD_MS, so
      // settled ops are recorded and batches leave meanwhile.
      if (t1 >= yieldAt) {
        if (t1 >= this.#flushAt) this.#flush();
        await yieldTurn();
        yieldAt = performance.now() + YIELD_MS;
      }
    }
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => this.#idle = resolve);
    }
  }

  /** Records an open-model op that returned a promise, once it settles. */
  async #settle(
    pending: Promise<unknown>,
    slot: number,
    intended: number,
    started: number,
  ): Promise<void> {
    let outcome = 0;
    try {
      await pending;
    } catch (error) {
      outcome = this.#failure(slot, error);
    }
    const t1 = performance.now();
    recordMs(this.#histograms[slot], t1 - intended);
    recordMs(this.#service![slot], t1 - started);
    this.#counts[slot * OUTCOME_COUNT + outcome]++;
    if (--this.#inFlight === 0) this.#idle?.();
  }

  #failure(slot: number, error: unknown): number {
    const outcome = outcomeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    this.#sample(slot, outcome, message);
    return OUTCOME_INDEX[outcome];
  }

  #sample(
    slot: number,
    outcome: ErrorSample["outcome"],
    message: string,
  ): void {
    const key = `${slot}\u0000${outcome}\u0000${message}`;
    const seen = this.#samples.get(key);
    if (seen) seen.count++;
    else if (this.#samples.size < MAX_SAMPLES) {
      this.#samples.set(key, {
        op: this.#names[slot],
        outcome,
        message: message.slice(0, 300),
        count: 1,
      });
    }
  }

  #flush(): void {
    this.#names.forEach((op, slot) => {
      const injected = this.#counts[slot * OUTCOME_COUNT + INJECTED];
      if (injected > 0) {
        this.#samples.set(`${slot}\u0000injected`, {
          op,
          outcome: "injected",
          message: "injected fault (faults.error_rate)",
          count: injected,
        });
      }
    });
    const ops = this.#histograms.map((histogram, slot) => {
      const counts = Array.from(
        this.#counts.subarray(
          slot * OUTCOME_COUNT,
          (slot + 1) * OUTCOME_COUNT,
        ),
      );
      const encoded = histogram.totalCount > 0
        ? encodeHistogram(histogram)
        : null;
      histogram.reset();
      return { counts, histogram: encoded };
    });
    this.#counts.fill(0);
    const errors = [...this.#samples.values()];
    this.#samples.clear();
    this.#flushAt = performance.now() + FLUSH_MS;
    const open = this.#service && {
      service: this.#service.map((histogram) => {
        const encoded = histogram.totalCount > 0
          ? encodeHistogram(histogram)
          : null;
        histogram.reset();
        return encoded;
      }),
      started: this.#started,
      dropped: this.#dropped,
      lag: this.#lag,
    };
    this.#started = this.#dropped = this.#lag = 0;
    this.#post({
      type: "batch",
      ops,
      ...(open ? { open } : {}),
      errors,
      heap: Deno.memoryUsage().heapUsed,
    });
  }

  invariants(names: string[]) {
    return this.#instance.invariants?.(names) ?? Promise.resolve([]);
  }

  async close(): Promise<void> {
    for (const histogram of this.#histograms) histogram.destroy();
    for (const histogram of this.#service ?? []) histogram.destroy();
    await this.#instance.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The mix entry a draw `r` in [0, 1) picks: the first whose cumulative
 * weight exceeds it, by binary search, so a long mix costs log2(entries)
 * steps per op. Small and monomorphic, so V8 inlines it into the op loops.
 */
function pickEntry(cumulative: Float64Array, last: number, r: number): number {
  let k = 0;
  let hi = last;
  while (k < hi) {
    const mid = (k + hi) >>> 1;
    if (cumulative[mid] <= r) k = mid + 1;
    else hi = mid;
  }
  return k;
}
