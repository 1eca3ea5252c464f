/**
 * The load engine: executors on Deno Workers, seeded op mixes, faults,
 * batched exact histograms, memory/CPU sampling, invariants.
 * @module
 */
export {
  type Progress,
  type RunOptions,
  runPlan,
  type RunResult,
  type RunStatus,
} from "./run.ts";
export { SeededRng } from "./rng.ts";
export { serveWorker } from "./_worker_runtime.ts";
