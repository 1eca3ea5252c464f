import { SeededRng } from "../rng.ts";
import { createHistogram, recordMs } from "../../stats/mod.ts";
import type { Op } from "../../target.ts";

/**
 * The baseline the engine is measured against: `count` calls of `op` in a
 * bare loop that reads the clock once per op and records into the same kind
 * of WASM histogram. Returns ops per second. Call `initHistograms()` first.
 */
export function bareLoop(op: Op, count: number): number {
  const rng = new SeededRng(1);
  const histogram = createHistogram();
  const start = performance.now();
  let t0 = start;
  for (let i = 0; i < count; i++) {
    op({}, rng);
    const t1 = performance.now();
    recordMs(histogram, t1 - t0);
    t0 = t1;
  }
  const seconds = (performance.now() - start) / 1000;
  histogram.destroy();
  return count / seconds;
}
