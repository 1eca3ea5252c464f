/**
 * Engine benchmarks (`deno task bench`). Each engine case is a whole run,
 * Worker startup and teardown included, so the ratios are conservative.
 *
 * - overhead: `noop` through the engine (1 worker, 1 task) vs a bare loop in
 *   this thread that calls the same op, reads the clock once per op and
 *   records into the same kind of WASM histogram. Target ≥ 0.6×.
 * - scaling: `spin 20µs` on 2 workers vs 1 worker, same total. Target ≥ 1.8×.
 * @module
 */
import { calibrateTarget } from "../components/calibrate/mod.ts";
import type { LoadRecord } from "../executors/mod.ts";
import type { Plan } from "../scenario/mod.ts";
import { initHistograms } from "../stats/mod.ts";
import { runPlan } from "./mod.ts";
import { bareLoop } from "./testdata/bare_loop.ts";
import { testPlan } from "./testdata/plan.ts";

await initHistograms();
const WORKER = new URL("../worker.ts", import.meta.url);
const runDir = await Deno.makeTempDir();
const NOOPS = 2_000_000;
const SPINS = 40_000;

function plan(
  op: string,
  params: Record<string, unknown>,
  load: Partial<LoadRecord>,
): Plan {
  return testPlan({
    mix: [{ op, weight: 1, params }],
    load: { executor: "shared-iterations", max_duration_ms: 600_000, ...load },
  });
}

async function engine(p: Plan): Promise<void> {
  const result = await runPlan(p, {
    target: calibrateTarget,
    workerUrl: WORKER,
    runDir,
  });
  if (result.status !== "completed") throw new Error(result.error);
}

const instance = await calibrateTarget.open({}, {
  index: 0,
  count: 1,
  concurrency: 1,
  seed: 1,
  runDir,
  shared: undefined,
});

Deno.bench({
  name: `bare loop: ${NOOPS / 1e6}M noop, clock once per op, WASM histogram`,
  group: "overhead",
  baseline: true,
  n: 5,
  warmup: 1,
  fn() {
    bareLoop(instance.ops.noop, NOOPS);
  },
});

Deno.bench({
  name: `engine: ${NOOPS / 1e6}M noop, 1 worker × 1 task`,
  group: "overhead",
  n: 5,
  warmup: 1,
  async fn() {
    await engine(
      plan("noop", {}, {
        iterations: NOOPS,
        executor: "per-worker-iterations",
      }),
    );
  },
});

Deno.bench({
  name: `engine: ${SPINS / 1000}k × spin 20µs on 1 worker`,
  group: "scaling",
  baseline: true,
  n: 3,
  warmup: 1,
  async fn() {
    await engine(plan("spin", { us: 20 }, { iterations: SPINS }));
  },
});

Deno.bench({
  name: `engine: ${SPINS / 1000}k × spin 20µs on 2 workers`,
  group: "scaling",
  n: 3,
  warmup: 1,
  async fn() {
    await engine(plan("spin", { us: 20 }, { iterations: SPINS, workers: 2 }));
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(runDir, { recursive: true });
});
