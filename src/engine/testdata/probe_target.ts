/**
 * A target for engine tests: counts its calls, fails on demand, and reports
 * an invariant whose result the test decides per worker.
 * @module
 */
import { z } from "zod";
import { ConflictError } from "../../errors.ts";
import { yieldTurn } from "../../runtime.ts";
import type { Target } from "../../target.ts";

const options = z.strictObject({
  /** Workers whose invariant reports a failure. */
  broken_workers: z.array(z.int()).default([]),
  /** How long checking the invariants takes. */
  invariant_ms: z.number().default(0),
  fail_open: z.boolean().default(false),
  /** How long `prepare()` works, in synchronous steps of 5 ms. */
  prepare_ms: z.number().default(0),
  /** `prepare()` waits `prepare_ms` on a timer and never looks at the signal. */
  prepare_ignores_signal: z.boolean().default(false),
});

/** The probe target. */
export const probeTarget: Target = {
  name: "probe",
  description: "engine test target",
  options,
  ops: {
    tick: { description: "counts a call" },
    conflict: { description: "always loses a race" },
    wait: {
      description: "waits ms",
      params: z.strictObject({ ms: z.number() }),
    },
    // Own keys named like members of Object.prototype.
    constructor: { description: "counts a call, named like a prototype key" },
    ["__proto__"]: { description: "counts a call, named like the prototype" },
  },
  invariants: { calls_counted: "every call was counted" },
  counters: {
    ticks: "calls of tick since open",
    most_ticks: "calls of tick since open, as a peak",
  },
  peakCounters: ["most_ticks"],
  async prepare(raw, run) {
    const { prepare_ms, prepare_ignores_signal } = raw as z.infer<
      typeof options
    >;
    if (prepare_ignores_signal) {
      await new Promise((resolve) => setTimeout(resolve, prepare_ms));
      return;
    }
    // Like seeding rows in batches: synchronous work, then a turn for the
    // event loop (the engine's timers) and a look at the signal.
    const end = performance.now() + prepare_ms;
    for (let now = performance.now(); now < end; now = performance.now()) {
      const step = Math.min(end, now + 5);
      while (performance.now() < step) {
        // busy, as an INSERT batch would be
      }
      await yieldTurn();
      run.signal.throwIfAborted();
    }
  },
  open(raw, worker) {
    const { broken_workers, fail_open, invariant_ms } = raw as z.infer<
      typeof options
    >;
    if (fail_open) {
      return Promise.reject(new Error("probe refused to open"));
    }
    let calls = 0;
    return Promise.resolve({
      ops: {
        tick() {
          calls++;
        },
        conflict() {
          throw new ConflictError("lost the race");
        },
        constructor() {
          calls++;
        },
        ["__proto__"]() {
          calls++;
        },
        wait(params) {
          return new Promise<void>((resolve) =>
            setTimeout(resolve, (params as { ms: number }).ms)
          );
        },
      },
      async invariants(names) {
        await new Promise((resolve) => setTimeout(resolve, invariant_ms));
        return names.map((name) => ({
          name,
          ok: !broken_workers.includes(worker.index),
          detail: `worker ${worker.index} counted ${calls} calls`,
        }));
      },
      counters: () => ({ ticks: calls, most_ticks: calls }),
      close: () => Promise.resolve(),
    });
  },
};
