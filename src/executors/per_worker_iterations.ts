/**
 * `per-worker-iterations`: every worker runs `iterations`, split evenly over
 * its tasks up front, so each worker does the same work whatever its speed.
 * @module
 */
import { z } from "zod";
import {
  COMMON_PLAN,
  fixedBudget,
  IterationsOption,
  resolveIterations,
  scaleIterations,
  shardByWorkers,
} from "./_common.ts";
import type { ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  iterations: IterationsOption,
});

const PLAN = z.object({
  executor: z.literal("per-worker-iterations"),
  ...COMMON_PLAN,
  /** Iterations per worker, split evenly over its tasks. */
  iterations: z.number().int(),
});

/** The `per-worker-iterations` executor. */
export const perWorkerIterations: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "per-worker-iterations",
  options: OPTIONS,
  plan: PLAN,
  scale: scaleIterations,
  resolve: (load, report) =>
    resolveIterations("per-worker-iterations", load, report),
  plannedOps: (load) => load.iterations * load.workers,
  plannedMs: () => undefined,
  schedule: (load) => ({
    deadline: Infinity,
    budget: (task) => fixedBudget(load.iterations, load.concurrency, task),
  }),
  // Each worker runs `iterations`: a shard's workers bring theirs.
  shard: shardByWorkers,
};
