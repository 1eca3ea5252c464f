/**
 * Messages between the main thread and worker threads. Results travel in
 * batches (every ~250 ms), never one message per op; histograms travel
 * encoded so they merge exactly.
 * @module
 */
import type { InvariantResult } from "../target.ts";
import type { ErrorSample } from "../stats/mod.ts";
import type { Plan } from "../scenario/mod.ts";

/** Index of each slot in the shared control array. */
export const CONTROL = {
  /** Non-zero once the main thread asks every task to stop. */
  stop: 0,
} as const;

/** Main → worker. */
export type ToWorker =
  | {
    type: "init";
    plan: Plan;
    index: number;
    runDir: string;
    shared: unknown;
    /** Int32Array over a SharedArrayBuffer: see {@link CONTROL}. */
    control: SharedArrayBuffer;
    /** Int32Array: iterations claimed so far (shared-iterations). */
    claimed: SharedArrayBuffer;
  }
  | {
    type: "go";
    /**
     * Measurement's start as `performance.timeOrigin + performance.now()`
     * on the main thread: every worker lays its arrivals from this one
     * instant (each thread's own clock has its own origin).
     */
    origin: number;
  }
  | { type: "invariants"; names: string[] }
  | { type: "close" };

/**
 * The op names of a mix, each once in order of first appearance, and the
 * index into `names` (the op's slot) of every mix entry. Workers keep and
 * send results per slot, and the main thread keeps them so: an op named by
 * many mix entries (other params, other weights) has one histogram and one
 * set of counts, so memory follows the target's ops, not the mix's length.
 */
export interface OpSlots {
  /** Distinct op names, in order of first appearance in the mix. */
  names: string[];
  /** Slot of each mix entry, by the entry's index. */
  slotOf: Int32Array;
}

/** The {@link OpSlots} of a mix; a `Map`, so any op name is an own key. */
export function opSlots(
  mix: readonly { op: string; name?: string }[],
): OpSlots {
  const slots = new Map<string, number>();
  const slotOf = new Int32Array(mix.length);
  mix.forEach((entry, k) => {
    // Filed under the entry's name (a plan from an older caller: the op).
    const name = entry.name ?? entry.op;
    let slot = slots.get(name);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(name, slot);
    }
    slotOf[k] = slot;
  });
  return { names: [...slots.keys()], slotOf };
}

/** Counts of one batch, for one op name (see {@link OpSlots}). */
export interface OpBatch {
  /** Counts by outcome, in OUTCOMES order. */
  counts: number[];
  /** Encoded histogram of the batch, or null when no latency was recorded. */
  histogram: string | null;
}

/** Open-model results of one batch, beside the per-op ones. */
export interface OpenBatch {
  /** Encoded service-time histogram per op name, by slot, or null. */
  service: (string | null)[];
  /** Arrivals started in the batch. */
  started: number;
  /** Arrivals dropped in the batch: `max_in_flight` ops were running. */
  dropped: number;
  /** The most an arrival started behind schedule in the batch, ms. */
  lag: number;
}

/** Worker → main. */
export type FromWorker =
  | { type: "warm"; heap: number }
  | {
    type: "batch";
    /** One per op name, by slot (see {@link OpSlots}). */
    ops: OpBatch[];
    /** Open model only. */
    open?: OpenBatch;
    errors: ErrorSample[];
    heap: number;
  }
  | {
    type: "done";
    heap: number;
    /**
     * The target's counters as read after warmup (`start`) and after the
     * load (`end`); the main thread sums each worker's increase, or takes
     * the largest `end` of a peak counter (`Target.peakCounters`).
     */
    counters: { start: Record<string, number>; end: Record<string, number> };
  }
  | { type: "invariants"; results: InvariantResult[] }
  | { type: "closed" }
  | { type: "fatal"; message: string };
