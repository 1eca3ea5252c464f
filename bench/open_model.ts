/**
 * Open-model figures (`deno task bench`): how well one worker holds an
 * arrival rate, and the highest rate it holds, beside its closed loop.
 *
 * - accuracy: `constant-arrival-rate` of calibrate `noop` at 10k/s and
 *   100k/s on one worker for 5 s. The achieved rate over the full
 *   one-second intervals of the timeseries (arrivals started ÷ their time)
 *   against the target (goal: within 1%), the spread of the per-interval
 *   achieved rates (min, max, stdev), and the drops and largest lag.
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
  /** Started ÷ time over the full intervals. */
  achieved: number;
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
  // Full intervals inside the schedule: the last, partial one (the stop)
  // would read low by construction.
  const full: { seconds: number; achieved: number }[] = [];
  let from = 0;
  for (const interval of m.timeseries) {
    const seconds = interval.t - from;
    from = interval.t;
    if (interval.t * 1000 > ms + 1 || seconds < 0.5) continue;
    full.push({ seconds, achieved: interval.achieved ?? 0 });
  }
  const time = full.reduce((n, i) => n + i.seconds, 0);
  const started = full.reduce((n, i) => n + i.achieved * i.seconds, 0);
  const rates = full.map((i) => i.achieved);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const variance = rates.reduce((n, r) => n + (r - mean) ** 2, 0) /
    Math.max(1, rates.length);
  const dropped = m.dropped ?? 0;
  return {
    target: rate,
    achieved: time > 0 ? started / time : 0,
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
  console.log(`accuracy (${ACCURACY_MS / 1000} s runs, per-second intervals)`);
  console.log(
    "  target/s      achieved/s  vs target  min/s        max/s        stdev/s   dropped  max lag",
  );
  for (const rate of ACCURACY_RATES) {
    const f = await open(rate, ACCURACY_MS);
    console.log(
      `  ${n(f.target).padEnd(12)}  ${n(f.achieved).padEnd(10)}  ${
        pct(f.achieved / f.target - 1).padEnd(9)
      }  ${n(f.min).padEnd(11)}  ${n(f.max).padEnd(11)}  ${
        n(f.stdev).padEnd(8)
      }  ${String(f.dropped).padEnd(7)}  ${
        f.lagMs.toFixed(1)
      } ms  (${f.intervals} intervals)`,
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
      }  achieved ${n(f.achieved)}/s  dropped ${f.dropped}  max lag ${
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
