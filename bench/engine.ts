/**
 * Steady-state engine figures (`deno task bench`), side by side in one run.
 * `engine_bench.ts` times whole runs, Worker startup included; this script
 * compares what the engine measures once running (the throughput its reports
 * show) with a bare loop, and 2 workers with 1.
 *
 * - overhead: `noop` through the engine (1 worker, 1 task) vs a bare loop in
 *   this thread that calls the op, reads the clock once per op and records
 *   into the same kind of WASM histogram. Target ≥ 0.6×.
 * - scaling: `spin 20µs` on 2 workers vs 1 worker. Target ≥ 1.8×.
 * @module
 */
import { calibrateTarget } from "../src/components/calibrate/mod.ts";
import { runPlan } from "../src/engine/mod.ts";
import { bareLoop } from "../src/engine/testdata/bare_loop.ts";
import { testPlan } from "../src/engine/testdata/plan.ts";
import type { Plan } from "../src/scenario/mod.ts";
import { initHistograms } from "../src/stats/mod.ts";

const NOOPS = 5_000_000;
const SPINS = 50_000;
const ROUNDS = 3;
await initHistograms();
const runDir = await Deno.makeTempDir();
const options = {
  target: calibrateTarget,
  workerUrl: new URL("../src/worker.ts", import.meta.url),
  runDir,
};
const instance = await calibrateTarget.open({}, {
  index: 0,
  count: 1,
  concurrency: 1,
  seed: 1,
  runDir,
  shared: undefined,
});

async function engine(plan: Plan): Promise<number> {
  const result = await runPlan(plan, options);
  if (result.status !== "completed") throw new Error(result.error);
  return result.measurements.throughput;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const noopPlan = testPlan({ load: { iterations: NOOPS, warmup: 100_000 } });
const spinPlan = (workers: number) =>
  testPlan({
    mix: [{ op: "spin", weight: 1, params: { us: 20 } }],
    load: {
      executor: "shared-iterations",
      iterations: SPINS,
      warmup: 1000,
      workers,
    },
  });

const bare: number[] = [];
const noop: number[] = [];
const one: number[] = [];
const two: number[] = [];
// Interleave the rounds so drift in machine load hits every case alike.
for (let round = 0; round < ROUNDS; round++) {
  bare.push(bareLoop(instance.ops.noop, NOOPS));
  noop.push(await engine(noopPlan));
  one.push(await engine(spinPlan(1)));
  two.push(await engine(spinPlan(2)));
}
await Deno.remove(runDir, { recursive: true });

const rate = (n: number) => `${Math.round(n).toLocaleString("en-US")}/s`;
const overhead = median(noop) / median(bare);
const scaling = median(two) / median(one);
console.log(`engine (median of ${ROUNDS} rounds, measured phase only)`);
console.log(`  bare loop noop          ${rate(median(bare))}`);
console.log(`  engine noop, 1×1        ${rate(median(noop))}`);
console.log(
  `  overhead ratio          ${overhead.toFixed(2)}× (target ≥ 0.60×) ${
    overhead >= 0.6 ? "ok" : "BELOW TARGET"
  }`,
);
console.log(`  spin 20µs, 1 worker     ${rate(median(one))}`);
console.log(`  spin 20µs, 2 workers    ${rate(median(two))}`);
console.log(
  `  scaling ratio           ${scaling.toFixed(2)}× (target ≥ 1.80×) ${
    scaling >= 1.8 ? "ok" : "BELOW TARGET"
  }`,
);
