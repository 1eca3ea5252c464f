/**
 * The `no_subscriber_leak` invariant of the `store` target: WeakRefs to
 * the newest subscriptions and the heap at the start, checked once every
 * consumer has left and again once the store has closed. Private to the
 * folder.
 * @module
 */
import { type CheckResult, Problems } from "../../invariants.ts";
import {
  type StateStore,
  storeInternals,
  type Subscription,
} from "./state_store.ts";
import { settle } from "./_subscribers.ts";

/** How many of the newest subscriptions the probe watches. */
const REF_RING = 1024;

/** What the probe reads from its runtime; tests pass their own. */
export interface LeakSeams {
  /** Bytes of JS heap in use. */
  heapUsed: () => number;
  /** A full GC, or undefined without `--expose-gc` (then it cannot check). */
  gc: (() => void) | undefined;
}

/** The target the probe checks, at the end of a run. */
export interface LeakSubject {
  /** The store whose subscriptions were watched. */
  readonly store: StateStore;
  /** Unsubscribes every consumer and drops the references to them. */
  unsubscribeAll(): Promise<void>;
  /** Drops what the target keeps of the store's snapshots (after close). */
  release(): void;
  /** Bytes the target must keep until its invariants are read. */
  ownBytes(): number;
}

/** Watches subscriptions for `no_subscriber_leak`. */
export class LeakProbe {
  readonly #seams: LeakSeams;
  readonly #tolerance: number;
  readonly #baseline: number;
  readonly #refs: WeakRef<Subscription>[] = [];
  #next = 0;

  /**
   * Takes the heap after a GC as the baseline; after close it may grow by
   * at most `toleranceMb`.
   */
  constructor(seams: LeakSeams, toleranceMb: number) {
    this.#seams = seams;
    this.#tolerance = toleranceMb * 1024 * 1024;
    this.#baseline = this.#heapAfterGc();
  }

  /** Watches `sub` (one of the newest {@link REF_RING}). */
  watch(sub: Subscription): void {
    this.#refs[this.#next] = new WeakRef(sub);
    this.#next = (this.#next + 1) % REF_RING;
  }

  /**
   * `no_subscriber_leak`, in two steps. First every consumer unsubscribes
   * and the target drops its own references while the store stays open:
   * after GC none of the newest subscriptions may be reachable and the
   * store's lists must be empty (a store that keeps leavers is caught here,
   * before `close()` would empty its lists). Then the store closes: again
   * nothing reachable, and the heap back within tolerance of its start.
   */
  async check(subject: LeakSubject): Promise<CheckResult> {
    const problems = new Problems();
    const gc = this.#seams.gc;
    if (gc === undefined) {
      problems.add("cannot check: run with --v8-flags=--expose-gc");
      return problems.result("");
    }
    const store = subject.store;
    await subject.unsubscribeAll();
    await settle();
    gc();
    await settle();
    gc();
    const inside = storeInternals(store);
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
    store.close();
    subject.release();
    await settle();
    const closed = await this.#reachable();
    if (closed > 0) {
      problems.add(
        `${closed} of the last ${this.#refs.length} subscriptions are still reachable after close and GC`,
      );
    }
    const own = subject.ownBytes();
    const growth = this.#heapAfterGc() - this.#baseline - own;
    const tolerance = this.#tolerance;
    if (growth > tolerance) {
      problems.add(
        `heap is ${mb(growth)} above its start after close and GC (tolerance ${
          mb(tolerance)
        }, not counting the target's own ${mb(own)})`,
      );
    }
    return problems.result(
      `0 of the last ${this.#refs.length} subscriptions reachable after unsubscribe (store open, its lists empty) and after close; heap ${
        mb(growth)
      } from start (tolerance ${mb(tolerance)})`,
    );
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

  #heapAfterGc(): number {
    this.#seams.gc?.();
    return this.#seams.heapUsed();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
