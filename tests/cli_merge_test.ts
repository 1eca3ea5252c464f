/**
 * Shards as users run them: `tensile run --shard i/n` in separate
 * processes, then `tensile merge`. The merge must add up to the plan run in
 * one process, render in every format, and refuse a set of shards that is
 * not one run's.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { main } from "../src/cli/mod.ts";
import { REPORTERS } from "../src/report/mod.ts";
import { captureIo, ROOT, runCli, spawnCli, withTempDir } from "./_helpers.ts";

const resultSchema = JSON.parse(
  await Deno.readTextFile(join(ROOT, "schema/result.schema.json")),
);
const validateArtifact = new Ajv2020({ strict: false, allErrors: true })
  .compile(resultSchema);

// Per-worker iterations, one task per worker: each worker's op sequence is
// fixed by its seed, so the shards' per-op counts must equal one process's.
const SCENARIO = `name: split
description: a small load for shards
target: calibrate
load: { executor: per-worker-iterations, workers: 3, concurrency: 1, iterations: 400, warmup: 5, seed: 11 }
mix: [{ op: noop }, { op: spin, params: { us: 2 }, weight: 2 }]
thresholds:
  unexpected_rate: "<=0%"
  latency.p99: { optimal: "<50ms", critical: "<5s" }
`;

interface Result {
  shard?: { index: number; count: number };
  start_at?: { requested: string; skew_ms: number };
  merged?: { count: number };
  status: string;
  scenarios: {
    name: string;
    fingerprint?: string;
    load: { workers: number; iterations: number };
    thresholds: { metric: string; actual: number | null }[];
    measurements: {
      total: number;
      latency: { p99: number };
      ops: Record<string, { total: number }>;
    };
  }[];
}

async function read(path: string): Promise<Result> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("tensile merge of 3 shard processes gives the op counts of the plan run in one process", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "split.yaml");
    await Deno.writeTextFile(file, SCENARIO);
    // The three shards run at once, as separate processes, from one start.
    const shards = await Promise.all([0, 1, 2].map((i) =>
      runCli([
        "run",
        file,
        "--shard",
        `${i}/3`,
        "--start-at",
        "+2s",
        "--out",
        join(dir, `shard-${i}`),
        "--quiet",
      ])
    ));
    shards.forEach((r, i) =>
      assert.equal(r.code, 0, `shard ${i}: ${r.stderr}`)
    );
    const whole = await runCli([
      "run",
      file,
      "--out",
      join(dir, "whole"),
      "--quiet",
    ]);
    assert.equal(whole.code, 0, whole.stderr);
    const files = [2, 0, 1].map((i) => join(dir, `shard-${i}`, "result.json"));
    const merged = await runCli([
      "merge",
      ...files,
      "--out",
      join(dir, "merged"),
      "--quiet",
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /Merged 3 shards into/);

    const parts = await Promise.all(files.map(read));
    const one = await read(join(dir, "whole", "result.json"));
    const all = await read(join(dir, "merged", "result.json"));
    assert.ok(validateArtifact(all), JSON.stringify(validateArtifact.errors));
    for (const part of parts) {
      assert.ok(part.start_at, "each shard recorded its start");
      assert.ok(part.start_at!.skew_ms >= 0, "a wait never ends early");
      assert.equal(part.scenarios[0].load.workers, 1);
      assert.equal(
        part.scenarios[0].fingerprint,
        one.scenarios[0].fingerprint,
        "a shard names the whole plan",
      );
    }
    const [split] = all.scenarios;
    const [single] = one.scenarios;
    assert.equal(split.measurements.total, 1200);
    assert.equal(split.measurements.total, single.measurements.total);
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(split.measurements.ops).map(([k, v]) => [k, v.total]),
      ),
      Object.fromEntries(
        Object.entries(single.measurements.ops).map(([k, v]) => [k, v.total]),
      ),
      "same seeds per global worker: the same ops as one process",
    );
    assert.equal(split.load.workers, 3, "the merged load is the whole plan's");
    assert.equal(all.merged?.count, 3);
    assert.equal(all.shard, undefined);
    // Graded again on the merged data: the p99 bound reads the merged p99.
    assert.equal(
      split.thresholds.find((t) => t.metric === "latency.p99")?.actual,
      split.measurements.latency.p99,
    );
    // A normal artifact: every report format renders it.
    for (const format of Object.keys(REPORTERS)) {
      // github writes its summary to the file $GITHUB_STEP_SUMMARY names.
      const report = captureIo({}, { GITHUB_STEP_SUMMARY: "summary.md" });
      const code = await main(
        ["report", join(dir, "merged", "result.json"), "--format", format],
        report.io,
      );
      assert.equal(code, 0, `${format}: ${report.err()}`);
      const text = report.out() + (report.appended()["summary.md"] ?? "");
      assert.match(text, /split/, format);
    }
  });
});

Deno.test("tensile merge refuses a missing or duplicated shard, naming it (exit 2)", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "split.yaml");
    await Deno.writeTextFile(file, SCENARIO);
    for (const i of [0, 1]) {
      const r = await runCli([
        "run",
        file,
        "--shard",
        `${i}/3`,
        "--out",
        join(dir, `shard-${i}`),
        "--quiet",
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const a = join(dir, "shard-0", "result.json");
    const b = join(dir, "shard-1", "result.json");
    const missing = captureIo();
    assert.equal(
      await main(["merge", a, b, "--out", join(dir, "m1")], missing.io),
      2,
    );
    assert.match(
      missing.err(),
      /Cannot merge: the files must be shards 0 to 2 of one run, each once: shard 2 of 3 missing/,
    );
    const twice = captureIo();
    assert.equal(
      await main(["merge", a, b, b, "--out", join(dir, "m2")], twice.io),
      2,
    );
    assert.match(twice.err(), /shard 2 of 3 missing; shard 1\/3 given twice/);
    assert.equal(
      await Deno.stat(join(dir, "m1", "result.json")).catch(() => undefined),
      undefined,
      "nothing written for a refused merge",
    );
  });
});

Deno.test("tensile run refuses a bad --shard or --start-at before any load (exit 2)", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--shard", "3/3"],
      /the index must be from 0 to 2 \(shards are numbered from 0/,
    ],
    [["--shard", "first"], /expected "i\/n"/],
    [["--workers", "2", "--shard", "2/3"], /fewer than the 3 shards/],
    [
      ["--start-at", "+7200s"],
      /it is 7200 s away, more than the hour a run may wait/,
    ],
    [
      ["--start-at", "2001-01-01T00:00:00Z"],
      /Cannot start at --start-at "2001-01-01T00:00:00Z": it passed/,
    ],
    [["--start-at", "tomorrow"], /Cannot read --start-at "tomorrow"/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      await withTempDir(async (dir) => {
        const captured = captureIo();
        const code = await main(
          ["run", "calibrate-noop", "--out", join(dir, "out"), ...args],
          captured.io,
        );
        assert.equal(code, 2, captured.err());
        assert.match(captured.err(), message);
        assert.equal(
          await Deno.stat(join(dir, "out", "result.json")).catch(() =>
            undefined
          ),
          undefined,
          "no load ran",
        );
      });
    });
  }
});

Deno.test("Ctrl-C while waiting for --start-at stops cleanly: interrupted, nothing run", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out");
    const child = spawnCli([
      "run",
      "calibrate-noop",
      "--start-at",
      "+600s",
      "--out",
      out,
    ]);
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let err = "";
    while (!err.includes("Waiting for --start-at")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += value;
    }
    child.kill("SIGINT");
    const rest = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        err += value;
      }
    })();
    const status = await child.status;
    await rest;
    await child.stdout.cancel();
    assert.equal(status.code, 130, err);
    const artifact = await read(join(out, "result.json"));
    assert.equal(artifact.status, "interrupted");
    assert.equal(artifact.scenarios.length, 0);
    assert.equal(artifact.start_at, undefined, "it never started");
  });
});
