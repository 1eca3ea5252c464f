import assert from "node:assert/strict";
import type { RunResult } from "../engine/mod.ts";
import { testPlan } from "../engine/testdata/plan.ts";
import { OUTCOMES } from "../errors.ts";
import { type Plan, planFingerprint, shardPlan } from "../scenario/mod.ts";
import {
  createHistogram,
  initHistograms,
  opMeasurement,
  outcomeCounts,
  recordMs,
} from "../stats/mod.ts";
import { buildArtifact, scenarioResult } from "./build.ts";
import { mergeArtifacts, MergeError, type MergeInput } from "./merge.ts";
import { ArtifactSchema } from "./schema.ts";

await initHistograms();

const CONFIG = {
  name: "test",
  thresholds: {
    "latency.p99": { optimal: "<5ms", critical: "<50ms" },
    "counters.retries": "<10",
  },
};

async function plan(overrides: Partial<Plan> = {}): Promise<Plan> {
  const base = testPlan({
    config: CONFIG as unknown as Plan["config"],
    ...overrides,
    load: { workers: 3, iterations: 4 },
  });
  return { ...base, fingerprint: await planFingerprint(base, "0.1.0") };
}

/** A shard's run: `n` ops of `ms` each, and a counter. */
function run(n: number, ms: number, retries: number): RunResult {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordMs(h, ms);
  const op = opMeasurement(h, {
    outcomes: outcomeCounts(OUTCOMES.map((o) => o === "ok" ? n : 0)),
    duration: 1,
  });
  h.destroy();
  return {
    status: "completed",
    started_at: "2026-11-26T15:00:00.000Z",
    ended_at: "2026-11-26T15:00:01.000Z",
    measurements: {
      ...op,
      duration_s: 1,
      ops: { noop: op },
      timeseries: [{
        t: 1,
        ops: n,
        errors: 0,
        throughput: n,
        p99: ms,
        rss: 1,
        heap: 1,
        cpu: 1,
      }],
      memory: {
        rss_start: 1,
        rss_peak: 1,
        rss_end: 1,
        heap_start: 1,
        heap_peak: 1,
        heap_end: 1,
        growth_per_1k_ops: 0,
        gc_forced: true,
      },
      error_samples: [],
      counters: { retries },
    },
    invariants: [{ name: "consistent", ok: true, detail: "fine" }],
    notes: [],
  };
}

async function shardFile(
  index: number,
  count: number,
  runResult: RunResult,
  overrides: Partial<Plan> = {},
): Promise<MergeInput> {
  const shard = { index, count };
  const part = shardPlan(await plan(overrides), shard);
  const artifact = buildArtifact([scenarioResult(part, runResult)], {
    profile: "ci",
    startedAt: new Date("2026-11-26T15:00:00Z"),
    endedAt: new Date("2026-11-26T15:00:02Z"),
    shard,
  });
  return { file: `shard-${index}/result.json`, artifact };
}

Deno.test("mergeArtifacts() adds the shards' measurements and grades the whole again from the config's thresholds", async () => {
  // Each shard alone is under the counter bound of 10; together they are not.
  const inputs = await Promise.all([
    shardFile(2, 3, run(100, 1, 4)),
    shardFile(0, 3, run(200, 1, 4)),
    shardFile(1, 3, run(300, 1, 4)),
  ]);
  for (const input of inputs) {
    assert.equal(input.artifact.scenarios[0].grade, "A+");
  }
  const merged = await mergeArtifacts(inputs);
  ArtifactSchema.parse(merged);
  const [scenario] = merged.scenarios;
  assert.equal(scenario.measurements.total, 600);
  assert.equal(scenario.measurements.ops.noop.total, 600);
  assert.deepEqual(scenario.measurements.counters, { retries: 12 });
  assert.equal(scenario.load.workers, 3, "the whole plan's load");
  assert.equal(scenario.shard, undefined);
  const counter = scenario.thresholds.find((t) =>
    t.metric === "counters.retries"
  );
  assert.equal(counter?.actual, 12);
  assert.equal(counter?.level, "failed");
  assert.equal(scenario.grade, "F");
  assert.equal(merged.status, "failed");
  assert.equal(merged.shard, undefined);
  assert.deepEqual(merged.merged?.shards.map((s) => s.index), [0, 1, 2]);
  assert.deepEqual(scenario.invariants.map((i) => i.ok), [true]);
  // With a peak counter, the largest shard's value is the whole's.
  const peaks = await mergeArtifacts(inputs, {
    peakCounters: () => ["retries"],
  });
  assert.deepEqual(peaks.scenarios[0].measurements.counters, { retries: 4 });
  assert.equal(peaks.scenarios[0].grade, "A+");
});

Deno.test("mergeArtifacts() refuses a shard set that does not cover 0..n−1 once, naming which", async (t) => {
  const [a, b, c] = await Promise.all(
    [0, 1, 2].map((i) => shardFile(i, 3, run(10, 1, 0))),
  );
  await t.step("a missing shard", async () => {
    await assert.rejects(
      mergeArtifacts([a, c]),
      (error: Error) =>
        error instanceof MergeError &&
        /shards 0 to 2 of one run, each once: shard 1 of 3 missing/.test(
          error.message,
        ),
    );
  });
  await t.step("a shard given twice", async () => {
    const again = { ...b, file: "copy/result.json" };
    await assert.rejects(
      mergeArtifacts([a, b, again, c]),
      /shard 1\/3 given twice \("shard-1\/result.json", "copy\/result.json"\)/,
    );
  });
  await t.step("missing and twice at once", async () => {
    await assert.rejects(
      mergeArtifacts([a, a]),
      /shards 1, 2 of 3 missing; shard 0\/3 given twice/,
    );
  });
  await t.step("another split", async () => {
    const other = await shardFile(1, 2, run(10, 1, 0));
    await assert.rejects(
      mergeArtifacts([a, other, c]),
      /different splits: "shard-0\/result.json" is shard 0\/3, "shard-1\/result.json" is shard 1\/2/,
    );
  });
  await t.step("not a shard", async () => {
    const whole = {
      file: "whole/result.json",
      artifact: { ...a.artifact, shard: undefined },
    };
    await assert.rejects(
      mergeArtifacts([whole, b, c]),
      /"whole\/result.json": it is not a shard's result/,
    );
  });
  await t.step("another tool version", async () => {
    const newer = {
      ...b,
      artifact: {
        ...b.artifact,
        tool: { name: "tensile" as const, version: "9.9.9" },
      },
    };
    await assert.rejects(
      mergeArtifacts([a, newer, c]),
      /different tool versions: "shard-0\/result.json" was written by tensile 0.1.0, "shard-1\/result.json" by 9.9.9/,
    );
  });
});

Deno.test("mergeArtifacts() refuses shards of different plans (fingerprints)", async () => {
  const a = await shardFile(0, 2, run(10, 1, 0));
  const b = await shardFile(1, 2, run(10, 1, 0), {
    config: { ...CONFIG, seed: 99 } as unknown as Plan["config"],
  });
  assert.notEqual(
    a.artifact.scenarios[0].fingerprint,
    b.artifact.scenarios[0].fingerprint,
  );
  await assert.rejects(
    mergeArtifacts([a, b]),
    /different plans: scenario "test" is sha256:[0-9a-f]+ in "shard-0\/result.json" but sha256:[0-9a-f]+ in "shard-1\/result.json"/,
  );
});

Deno.test("mergeArtifacts() aligns shards by their absolute measurement start when the artifacts record it", async () => {
  // `start_epoch_ms` is optional in the measurements: set apart from the
  // literal, as a newer engine writes it.
  const started = (at: number, r: RunResult) => {
    Object.assign(r.measurements, { start_epoch_ms: at });
    return r;
  };
  const t0 = Date.parse("2026-11-26T15:00:00Z");
  const inputs = await Promise.all([
    shardFile(0, 2, started(t0, run(100, 1, 0))),
    shardFile(1, 2, started(t0 + 1500, run(50, 1, 0))),
  ]);
  const merged = await mergeArtifacts(inputs);
  const m = merged.scenarios[0].measurements;
  // Each shard measured 1 s; the second started 1.5 s after the first.
  assert.equal(m.duration_s, 2.5);
  assert.equal(m.throughput, 60);
  assert.deepEqual(m.timeseries.map((i) => [i.t, i.ops]), [[1, 100], [
    3,
    50,
  ]]);
  assert.equal((m as { start_epoch_ms?: number }).start_epoch_ms, t0);
});
