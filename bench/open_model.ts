/**
 * Open-model figures (`deno task bench`): how well one worker holds an
 * arrival rate, and the highest rate it holds, beside its closed loop.
 *
 * - accuracy: `constant-arrival-rate` of calibrate `noop` at 10k/s and
 *   100k/s on one worker for 5 s, against the target (goal: within 1%):
 *   over the run (arrivals started ÷ the measured phase, whose stop makes
 *   it read a little low) and over the steady one-second intervals of the
 *   timeseries (the first and last are skewed by the workers' 250 ms
 *   batches), with the spread of those intervals (min, max, stdev), the
 *   drops and the largest lag.
 * - ceiling: the highest rate one worker holds on `noop`, found by doubling
 *   from 50k/s, then bisecting, with 2 s runs (at most 8 + 5 of them). A
 *   rate is held when under 0.1% of arrivals are dropped and the largest
 *   lag stays under 50 ms: `noop` is synchronous, so it never has an op in
 *   flight to drop; a rate above the ceiling shows as a lag that grows with
 *   the run (5% over for 2 s is 100 ms), not as drops. Reported as a ratio
 *   of the closed-loop `noop` throughput of the same worker measured in the
 *   same run (goal ≥ 0.5×).
 *
 * Prints figures only: no assertion, so a loaded machine cannot fail it.
 * @module
 */
import { calibrateTarget } from "../src/components/calibrate/mod.ts";
import { runPlan, type RunResult } from "../src/engine/mod.ts";
import { testPlan } from "../src/engine/testdata/plan.ts";
import type { Plan } from "../src/scenario/mod.ts";

const ACCURACY_RATES = [10_000, 100_000];
const ACCURACY_MS = 5_000;
const SEARCH_MS = 2_000;
const SEARCH_START = 50_000;
/** The executor's own ceiling on a rate. */
const RATE_LIMIT = 10_000_000;
const MAX_DOUBLINGS = 8;
const MAX_BISECTIONS = 5;
const MAX_DROPPED = 0.001;
const MAX_LAG_MS = 50;
const CLOSED_NOOPS = 3_000_000;

const runDir = await Deno.makeTempDir();
const options = {
  target: calibrateTarget,
  workerUrl: new URL("../src/worker.ts", import.meta.url),
  runDir,
};

async function run(plan: Plan): Promise<RunResult["measurements"]> {
  const result = await runPlan(plan, options);
  if (result.status !== "completed") throw new Error(result.error);
  return result.measurements;
}

/** `rate` noops a second on one worker for `ms`, bounded by a hard stop. */
function openPlan(rate: number, ms: number): Plan {
  return testPlan({
    load: {
      executor: "constant-arrival-rate",
      rate,
      duration_ms: ms,
      time_unit_ms: 1000,
      concurrency: 100,
      max_duration_ms: ms + 30_000,
    },
  });
}

interface OpenFigures {
  target: number;
  /** Arrivals started ÷ the measured phase (stop included: conservative). */
  run: number;
  /** Started ÷ time over the steady intervals. */
  achieved: number;
  /** What the schedule set over the same intervals. */
  scheduled: number;
  min: number;
  max: number;
  stdev: number;
  intervals: number;
  dropped: number;
  due: number;
  lagMs: number;
}

async function open(rate: number, ms: number): Promise<OpenFigures> {
  const m = await run(openPlan(rate, ms));
  // A worker reports its starts in batches every 250 ms, so the first
  // interval misses up to one batch and the last (the stop) collects it:
  // the steady intervals are the ones between, inside the schedule.
  const steady: { seconds: number; achieved: number; target: number }[] = [];
  let from = 0;
  m.timeseries.forEach((interval, k) => {
    const seconds = interval.t - from;
    from = interval.t;
    if (k === 0 || interval.t * 1000 > ms + 1 || seconds < 0.5) return;
    steady.push({
      seconds,
      achieved: interval.achieved ?? 0,
      target: interval.target ?? 0,
    });
  });
  const time = steady.reduce((n, i) => n + i.seconds, 0);
  const started = steady.reduce((n, i) => n + i.achieved * i.seconds, 0);
  const due = steady.reduce((n, i) => n + i.target * i.seconds, 0);
  const rates = steady.map((i) => i.achieved);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const variance = rates.reduce((n, r) => n + (r - mean) ** 2, 0) /
    Math.max(1, rates.length);
  const dropped = m.dropped ?? 0;
  return {
    target: rate,
    run: m.duration_s > 0 ? m.total / m.duration_s : 0,
    achieved: time > 0 ? started / time : 0,
    scheduled: time > 0 ? due / time : 0,
    min: rates.length ? Math.min(...rates) : 0,
    max: rates.length ? Math.max(...rates) : 0,
    stdev: Math.sqrt(variance),
    intervals: rates.length,
    dropped,
    due: m.total + dropped,
    lagMs: m.max_lag_ms ?? 0,
  };
}

function held(f: OpenFigures): boolean {
  return f.due > 0 && f.dropped / f.due < MAX_DROPPED &&
    f.lagMs < MAX_LAG_MS;
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`;

try {
  console.log(`open model, 1 worker, calibrate noop`);
  console.log(
    `accuracy (${ACCURACY_MS / 1000} s runs; run = started ÷ measured phase, ` +
      `stop included; steady = the per-second intervals between the first ` +
      `and the last)`,
  );
  console.log(
    "  target/s    run/s       vs target  steady/s    vs target  min/s       max/s       stdev/s  dropped  max lag",
  );
  for (const rate of ACCURACY_RATES) {
    const f = await open(rate, ACCURACY_MS);
    const cells = [
      n(f.target),
      n(f.run),
      pct(f.run / f.target - 1),
      n(f.achieved),
      pct(f.achieved / f.scheduled - 1),
      n(f.min),
      n(f.max),
      n(f.stdev),
    ];
    console.log(
      `  ${cells.map((c) => c.padEnd(10)).join("  ")}  ${
        String(f.dropped).padEnd(7)
      }  ${f.lagMs.toFixed(1)} ms  (${f.intervals} steady intervals)`,
    );
  }

  const closed = (await run(
    testPlan({ load: { iterations: CLOSED_NOOPS, warmup: 100_000 } }),
  )).throughput;

  // Doubling, then bisection between the last rate held and the first not.
  const tried: OpenFigures[] = [];
  let good = 0;
  let bad = 0;
  for (
    let rate = SEARCH_START, i = 0;
    i < MAX_DOUBLINGS && rate <= RATE_LIMIT;
    i++, rate = Math.min(rate * 2, RATE_LIMIT)
  ) {
    const f = await open(rate, SEARCH_MS);
    tried.push(f);
    if (!held(f)) {
      bad = rate;
      break;
    }
    good = rate;
    if (rate === RATE_LIMIT) break;
  }
  for (let i = 0; i < MAX_BISECTIONS && bad > 0 && good > 0; i++) {
    if ((bad - good) / good < 0.05) break;
    const rate = Math.round((good + bad) / 2 / 1000) * 1000;
    const f = await open(rate, SEARCH_MS);
    tried.push(f);
    if (held(f)) good = rate;
    else bad = rate;
  }

  console.log(
    `ceiling (${SEARCH_MS / 1000} s runs; held = dropped < ${
      MAX_DROPPED * 100
    }% and max lag < ${MAX_LAG_MS} ms)`,
  );
  for (const f of tried) {
    console.log(
      `  ${n(f.target).padStart(10)}/s  ${
        held(f) ? "held    " : "not held"
      }  run ${n(f.run)}/s  dropped ${f.dropped}  max lag ${
        f.lagMs.toFixed(1)
      } ms`,
    );
  }
  const ratio = good / closed;
  console.log(`  closed-loop noop, 1×1   ${n(closed)}/s`);
  console.log(
    `  highest rate held       ${good > 0 ? `${n(good)}/s` : "none"}${
      bad > 0 ? ` (${n(bad)}/s not held)` : " (search bound reached)"
    }`,
  );
  console.log(
    `  ceiling ratio           ${
      ratio.toFixed(2)
    }× of closed loop (goal ≥ 0.50×) ${ratio >= 0.5 ? "ok" : "BELOW GOAL"}`,
  );
} finally {
  await Deno.remove(runDir, { recursive: true });
}
