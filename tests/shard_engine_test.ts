/**
 * Shard plans run by the real engine (Workers, the open-model loop): the
 * shards' runs add up to the whole plan's, and merge to its measurements.
 * @module
 */
import assert from "node:assert/strict";
import { calibrateTarget } from "../src/components/calibrate/mod.ts";
import { runPlan, type RunResult } from "../src/engine/mod.ts";
import { testPlan } from "../src/engine/testdata/plan.ts";
import { type Plan, shardPlan } from "../src/scenario/mod.ts";
import { mergeMeasurements } from "../src/stats/mod.ts";

const WORKER = new URL("../src/worker.ts", import.meta.url);

async function run(plan: Plan): Promise<RunResult> {
  const runDir = await Deno.makeTempDir();
  try {
    return await runPlan(plan, {
      target: calibrateTarget,
      workerUrl: WORKER,
      runDir,
      sampleMs: 250,
    });
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

Deno.test("runPlan() of 3 open-model shards starts the whole schedule's arrivals once between them", async () => {
  const plan = testPlan({
    mix: [
      { op: "noop", weight: 1, params: {} },
      { op: "spin", weight: 1, params: { us: 2 } },
    ],
    load: {
      executor: "constant-arrival-rate",
      workers: 2,
      concurrency: 50,
      rate: 301,
      time_unit_ms: 1000,
      duration_ms: 600,
    },
  });
  // 301/s for 0.6 s: ceil(180.6) arrivals, 61 + 60 + 60 over the shards.
  const runs = [];
  for (let index = 0; index < 3; index++) {
    runs.push(await run(shardPlan(plan, { index, count: 3 })));
  }
  for (const r of runs) {
    assert.equal(r.status, "completed");
    assert.equal(r.measurements.dropped, 0);
  }
  assert.deepEqual(runs.map((r) => r.measurements.total), [61, 60, 60]);
  const merged = mergeMeasurements(
    runs.map((r) => ({ measurements: r.measurements })),
  );
  assert.equal(merged.total, 181);
  assert.equal(merged.service_time?.count, 181);
  assert.equal(
    merged.ops.noop.total + merged.ops.spin.total,
    181,
  );
  // Each shard's intervals aim at its share of the rate, so the merged
  // target is the whole's (301/s, give or take an arrival per interval).
  const targets = runs.flatMap((r) => r.measurements.timeseries)
    .filter((i) => i.target !== undefined && i.target > 0);
  assert.ok(targets.length > 0);
  for (const t of targets) assert.ok(t.target! < 200, `${t.target}/s`);
});
