/**
 * `shared-iterations`: a total of `iterations` shared by every task of every
 * worker; a task that finishes early takes more, so the count is exact and
 * the slowest worker does less.
 * @module
 */
import { z } from "zod";
import {
  COMMON_PLAN,
  IterationsOption,
  resolveIterations,
  scaleIterations,
  shardWorkers,
} from "./_common.ts";
import type { Budget, ExecutorSpec } from "./mod.ts";

const OPTIONS = z.strictObject({
  iterations: IterationsOption,
});

const PLAN = z.object({
  executor: z.literal("shared-iterations"),
  ...COMMON_PLAN,
  /** Iterations in total, over every task of every worker. */
  iterations: z.number().int(),
});

/** Most iterations a task claims at once. */
const MAX_CLAIM = 256;

/** The `shared-iterations` executor. */
export const sharedIterations: ExecutorSpec<typeof PLAN, typeof OPTIONS> = {
  name: "shared-iterations",
  options: OPTIONS,
  plan: PLAN,
  scale: scaleIterations,
  resolve: (load, report) =>
    resolveIterations("shared-iterations", load, report),
  plannedOps: (load) => load.iterations,
  plannedMs: () => undefined,
  schedule: (load, { claimed }) => ({
    deadline: Infinity,
    budget: () =>
      sharedBudget(claimed, load.iterations, load.workers * load.concurrency),
  }),
  shard(load, shard) {
    const workers = shardWorkers(load.workers, shard);
    if (typeof workers === "string") return workers;
    // Each of the shard's workers brings its even share of the total (the
    // same floor/ceil split as tasks get), so the shards' totals add up to
    // `iterations` exactly; within a shard its workers share them.
    const { iterations, workers: all } = load;
    const share = (w: number) =>
      Math.floor(iterations / all) + (w < iterations % all ? 1 : 0);
    const mine = workers.reduce((sum, w) => sum + share(w), 0);
    if (mine === 0) {
      return `"iterations" ${iterations} is fewer than the ${all} workers: shard ${shard.index} would run nothing; raise iterations`;
    }
    return {
      load: { ...load, workers: workers.length, iterations: mine },
      workers,
    };
  },
};

/**
 * Iterations claimed from a counter shared by every worker, in chunks that
 * shrink as the work runs out ("guided" scheduling): few atomic operations on
 * a contended cache line while much is left, and single iterations at the end
 * so no task holds work another could run.
 */
function sharedBudget(
  claimed: Int32Array,
  total: number,
  tasks: number,
): Budget {
  return () => {
    const seen = Atomics.load(claimed, 0);
    if (seen >= total) return 0;
    const chunk = Math.max(
      1,
      Math.min(MAX_CLAIM, Math.floor((total - seen) / (2 * tasks))),
    );
    const start = Atomics.add(claimed, 0, chunk);
    return start >= total ? 0 : Math.min(chunk, total - start);
  };
}
