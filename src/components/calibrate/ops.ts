/**
 * The calibration target: ops whose cost is known, to check the engine and
 * to see its own overhead (`noop`), CPU scaling (`spin`), waiting (`sleep`)
 * and failure accounting (`fail`).
 * @module
 */
import { z } from "zod";
import type { Target } from "../../target.ts";

const spinParams = z.strictObject({
  /** Microseconds of busy CPU per op. */
  us: z.number().min(0).max(1_000_000).default(20),
});
const sleepParams = z.strictObject({
  /** Milliseconds of waiting per op. */
  ms: z.number().min(0).max(60_000).default(1),
});
const stallParams = z.strictObject({
  /** One call in this many blocks; the others return at once. */
  every: z.int().min(1).max(1_000_000).default(200),
  /** Milliseconds the blocking call holds the thread, busy. */
  ms: z.number().min(0).max(60_000).default(200),
});
const failParams = z.strictObject({
  /** Probability that the op throws. */
  p: z.number().min(0).max(1).default(0.5),
});

/** Busy-waits for `us` microseconds of wall time. */
export function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) { /* burn CPU on purpose */ }
}

/** The `calibrate` target: ops of known cost. */
export const calibrateTarget: Target = {
  name: "calibrate",
  description: "calibration ops of known cost: noop, spin, sleep, stall, fail",
  ops: {
    noop: { description: "does nothing: measures the engine's own overhead" },
    spin: {
      description: "keeps a core busy for `us` microseconds",
      params: spinParams,
    },
    sleep: {
      description: "waits `ms` milliseconds without using CPU",
      params: sleepParams,
    },
    stall: {
      description:
        "returns at once, but one call in `every` (the middle one of each `every`) holds its worker's thread for `ms` milliseconds",
      params: stallParams,
    },
    fail: {
      description: "throws an untyped Error with probability `p`",
      params: failParams,
    },
  },
  open() {
    // Calls of stall in this worker, warmup included.
    let stalls = 0;
    return Promise.resolve({
      ops: {
        noop() {},
        spin(params) {
          spin((params as z.infer<typeof spinParams>).us);
        },
        sleep(params) {
          const { ms } = params as z.infer<typeof sleepParams>;
          return new Promise<void>((resolve) => setTimeout(resolve, ms));
        },
        stall(params) {
          const { every, ms } = params as z.infer<typeof stallParams>;
          stalls++;
          if (stalls % every === Math.floor(every / 2)) spin(ms * 1000);
        },
        fail(params, rng) {
          if (rng.next() < (params as z.infer<typeof failParams>).p) {
            throw new Error("calibration failure (fail op)");
          }
        },
      },
      close: () => Promise.resolve(),
    });
  },
};
