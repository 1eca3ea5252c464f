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
  description: "calibration ops of known cost: noop, spin, sleep, fail",
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
    fail: {
      description: "throws an untyped Error with probability `p`",
      params: failParams,
    },
  },
  open() {
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
