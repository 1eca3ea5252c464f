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
  | { type: "go" }
  | { type: "invariants"; names: string[] }
  | { type: "close" };

/** Counts of one batch, per op. */
export interface OpBatch {
  /** Counts by outcome, in OUTCOMES order. */
  counts: number[];
  /** Encoded histogram of the batch, or null when no latency was recorded. */
  histogram: string | null;
}

/** Worker → main. */
export type FromWorker =
  | { type: "warm"; heap: number }
  | { type: "batch"; ops: OpBatch[]; errors: ErrorSample[]; heap: number }
  | {
    type: "done";
    heap: number;
    /** The target's counters over the measured load (warmup excluded). */
    counters: Record<string, number>;
  }
  | { type: "invariants"; results: InvariantResult[] }
  | { type: "closed" }
  | { type: "fatal"; message: string };
