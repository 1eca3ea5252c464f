/**
 * Plain advice drawn from what was measured. Each rule names the number that
 * triggered it, so the advice can be checked.
 * @module
 */
import type { Measurements } from "../stats/mod.ts";
import type { InvariantResult } from "../target.ts";

/** Advice for one scenario, most important first. */
export function recommend(
  measured: Measurements,
  invariants: readonly InvariantResult[],
): string[] {
  const advice: string[] = [];
  const total = measured.total;
  const share = (n: number) => (total > 0 ? n / total : 0);
  const percent = (n: number) => `${(share(n) * 100).toFixed(2)}%`;
  const { outcomes, latency, memory } = measured;
  for (const invariant of invariants) {
    if (!invariant.ok) {
      advice.push(
        `Fix correctness first: invariant ${invariant.name} broke (${invariant.detail}); speed numbers mean nothing until it holds`,
      );
    }
  }
  if (outcomes.error > 0) {
    const sample = measured.error_samples.find((s) => s.outcome === "error");
    advice.push(
      `${percent(outcomes.error)} of ops ended in untyped errors${
        sample ? ` (e.g. ${sample.op}: "${sample.message}")` : ""
      }: fix their cause (for a service under load, the error samples name it); a component's expected failures should throw a typed error (ValidationError, ConflictError, ...)`,
    );
  }
  if (share(outcomes.busy) > 0.01) {
    advice.push(
      `${
        percent(outcomes.busy)
      } of ops gave up on a locked resource: shorten write transactions, use fewer writers per database file, or allow more busy retries`,
    );
  }
  if (share(outcomes.conflict) > 0.05) {
    advice.push(
      `${
        percent(outcomes.conflict)
      } of ops lost a concurrent update: spread writes over more keys, or retry conflicts with backoff`,
    );
  }
  if (share(outcomes.timeout) > 0) {
    advice.push(
      `${
        percent(outcomes.timeout)
      } of ops timed out: a consumer or lock is too slow for this load`,
    );
  }
  if (latency.p50 > 0 && latency.p99 / latency.p50 > 20) {
    advice.push(
      `p99 is ${
        (latency.p99 / latency.p50).toFixed(0)
      }× p50: a long tail; look for GC pauses, lock waits or queueing in the timeseries`,
    );
  }
  // Small totals are dominated by JIT code and allocator noise: only speak
  // when the heap grew by more than a MiB overall.
  const grownBytes = memory.heap_end - memory.heap_start;
  if (
    memory.gc_forced && memory.growth_per_1k_ops > 10 * 1024 &&
    grownBytes > 1024 * 1024
  ) {
    advice.push(
      `heap grew ${
        (memory.growth_per_1k_ops / 1024).toFixed(1)
      } KiB per 1000 ops after GC: something retains memory per op`,
    );
  }
  if (!memory.gc_forced) {
    advice.push(
      "memory growth was measured without a forced GC: run with --v8-flags=--expose-gc (deno task stress does) for exact figures",
    );
  }
  return advice;
}
