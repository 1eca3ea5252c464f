/**
 * Memory check (`deno task bench`): 10 million `noop` ops through the engine
 * must grow the process RSS by less than 20 MB. RSS is read after a forced
 * GC before and after; a first short run warms code and allocators so the
 * figure is growth under load, not startup.
 * @module
 */
import { calibrateTarget } from "../src/components/calibrate/mod.ts";
import { runPlan } from "../src/engine/mod.ts";
import type { Plan } from "../src/scenario/mod.ts";
import { testPlan } from "../src/engine/testdata/plan.ts";

const OPS = Number(Deno.args[0] ?? 10_000_000);
const LIMIT_MB = 20;
const runDir = await Deno.makeTempDir();
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function plan(iterations: number): Plan {
  return testPlan({ load: { iterations, max_duration_ms: 600_000 } });
}

const options = {
  target: calibrateTarget,
  workerUrl: new URL("../src/worker.ts", import.meta.url),
  runDir,
};
await runPlan(plan(100_000), options);
gc();
const before = Deno.memoryUsage().rss;
const result = await runPlan(plan(OPS), options);
gc();
const after = Deno.memoryUsage().rss;
await Deno.remove(runDir, { recursive: true });
const peak = Math.max(...result.measurements.timeseries.map((i) => i.rss));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const growth = (after - before) / 1024 / 1024;
console.log(
  `memory: ${OPS.toLocaleString("en-US")} noop ops in ${
    result.measurements.duration_s.toFixed(2)
  } s (${
    Math.round(result.measurements.throughput).toLocaleString("en-US")
  }/s)`,
);
console.log(
  `memory: rss ${mb(before)} MB → ${mb(after)} MB (peak during run ${
    mb(peak)
  } MB): growth ${growth.toFixed(1)} MB, limit ${LIMIT_MB} MB → ${
    growth < LIMIT_MB ? "ok" : "TOO MUCH"
  }`,
);
if (growth >= LIMIT_MB) Deno.exit(1);
