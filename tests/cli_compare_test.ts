import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, runCli, withTempDir } from "./_helpers.ts";

const validateCompare = new Ajv2020({ strict: false, allErrors: true })
  .compile(
    JSON.parse(
      await Deno.readTextFile(join(ROOT, "schema/compare.schema.json")),
    ),
  );

/**
 * A calibrate scenario of two ops, `sleep` and `spin`; HEAD sleeps twice as
 * long. Six seconds of measured load give the bootstrap six intervals.
 */
function scenario(sleepMs: number): string {
  return `target: calibrate
name: slow-sleep
description: one op made slower in HEAD
load: { executor: constant-workers, workers: 1, concurrency: 8, duration: 6s, warmup: 50, seed: 1 }
mix:
  - { op: sleep, weight: 1, params: { ms: ${sleepMs} } }
  - { op: spin, weight: 1, params: { us: 20 } }
thresholds:
  regression.ops.sleep.latency.p50: { critical: "<10%" }
  latency.p99: { critical: "<1s" }
`;
}

interface Row {
  op: string;
  metrics: { metric: string; change: string; ratio: number | null }[];
}

Deno.test("tensile compare: two real calibrate runs, one op made slower", async (t) => {
  await withTempDir(async (dir) => {
    const files = {
      base: join(dir, "base.yaml"),
      head: join(dir, "head.yaml"),
    };
    await Deno.writeTextFile(files.base, scenario(4));
    await Deno.writeTextFile(files.head, scenario(8));
    const base = join(dir, "base-out", "result.json");
    const head = join(dir, "head-out", "result.json");

    await t.step(
      "without --baseline a regression.* threshold is skipped with a note",
      async () => {
        const run = captureIo();
        const code = await main(
          ["run", files.base, "--out", join(dir, "base-out"), "--quiet"],
          run.io,
        );
        assert.equal(code, 0, run.err() + run.out());
        const artifact = JSON.parse(await Deno.readTextFile(base));
        const [s] = artifact.scenarios;
        assert.deepEqual(
          s.thresholds.map((r: { metric: string }) => r.metric),
          [
            "latency.p99",
          ],
        );
        assert.ok(
          s.notes.some((n: string) =>
            n.startsWith(
              "regression.ops.sleep.latency.p50 not graded: no baseline",
            )
          ),
          JSON.stringify(s.notes),
        );
        assert.ok(s.measurements.start_epoch_ms > 0);
        assert.ok(s.measurements.timeseries.length >= 5);
        assert.ok(
          s.measurements.timeseries.every((i: { by_op?: object }) =>
            i.by_op && "sleep" in i.by_op
          ),
        );
      },
    );

    await t.step(
      "with --baseline the regression threshold is graded and fails",
      async () => {
        const run = captureIo();
        const code = await main(
          [
            "run",
            files.head,
            "--out",
            join(dir, "head-out"),
            "--quiet",
            "--baseline",
            base,
          ],
          run.io,
        );
        assert.equal(code, 1, run.err());
        const [s] = JSON.parse(await Deno.readTextFile(head)).scenarios;
        const graded = s.thresholds.find((r: { metric: string }) =>
          r.metric === "regression.ops.sleep.latency.p50"
        );
        assert.equal(graded.level, "failed");
        assert.ok(graded.actual > 0.5, `${graded.actual}`);
        assert.equal(s.grade, "F");
      },
    );

    await t.step(
      "compare reports the slower op as a regression and exits 4 with --fail-on-regression",
      async () => {
        const out = join(dir, "compare");
        const result = await runCli([
          "compare",
          base,
          head,
          "--fail-on-regression",
          "--out",
          out,
          "--format",
          "markdown",
        ]);
        assert.equal(result.code, 4, result.stderr);
        const doc: { scenarios: { ops: Row[] }[] } = JSON.parse(
          await Deno.readTextFile(join(out, "compare.json")),
        );
        assert.ok(
          validateCompare(structuredClone(doc)),
          JSON.stringify(validateCompare.errors?.slice(0, 5)),
        );
        assert.equal(
          await Deno.readTextFile(join(out, "compare.md")),
          result.stdout,
        );
        const [s] = doc.scenarios;
        const sleep = s.ops.find((op) => op.op === "sleep")!;
        const p50 = sleep.metrics.find((m) => m.metric === "latency.p50")!;
        assert.equal(p50.change, "regression");
        assert.ok(p50.ratio! > 1.5, `${p50.ratio}`);
        assert.match(result.stdout, /🔴 regression/);
        assert.match(result.stdout, /α = 0\.05/);
        // Without the flag a regression is reported, not an exit code.
        const plain = captureIo();
        assert.equal(await main(["compare", base, head], plain.io), 0);
        assert.match(plain.out(), /sleep +latency\.p50 .* regression/);
      },
    );

    await t.step("a run compared with itself has no regression", async () => {
      const self = captureIo();
      const code = await main(
        ["compare", base, base, "--fail-on-regression", "--format", "json"],
        self.io,
      );
      assert.equal(code, 0, self.out());
      const doc = JSON.parse(self.out());
      assert.equal(doc.summary.regression, 0);
      assert.equal(doc.summary.improvement, 0);
      for (const op of doc.scenarios[0].ops as Row[]) {
        for (const m of op.metrics) {
          assert.notEqual(m.change, "regression", `${op.op} ${m.metric}`);
        }
      }
    });

    await t.step(
      "several runs a side: too few runs for a Mann-Whitney test is said",
      async () => {
        const multi = captureIo();
        const code = await main(
          [
            "compare",
            "--base",
            base,
            base,
            "--head",
            head,
            head,
            "--format",
            "json",
          ],
          multi.io,
        );
        assert.equal(code, 0);
        const doc = JSON.parse(multi.out());
        assert.deepEqual(doc.scenarios[0].runs, { base: 2, head: 2 });
        const note = doc.scenarios[0].ops[0].metrics[0].note as string;
        assert.match(note, /2 vs 2 runs are too few for significance/);
      },
    );
  });
});

Deno.test("tensile compare: usage errors and unmatched scenarios", async (t) => {
  await t.step("one file is a usage error", async () => {
    const { io, err } = captureIo();
    assert.equal(await main(["compare", "a.json"], io), 2);
    assert.match(
      err(),
      /Cannot compare 1 file: expected BASE\.json HEAD\.json/,
    );
  });
  await t.step("a bad --noise is a usage error", async () => {
    const { io, err } = captureIo();
    assert.equal(await main(["compare", "a", "b", "--noise", "x"], io), 2);
    assert.match(err(), /expected a minimum effect like "5%"/);
  });
  await t.step("scenarios only one side ran are listed", async () => {
    await withTempDir(async (dir) => {
      const golden = JSON.parse(
        await Deno.readTextFile(
          join(ROOT, "tests/fixtures/golden/result.json"),
        ),
      );
      const head = structuredClone(golden);
      head.scenarios[0].name = "renamed";
      const [a, b] = [join(dir, "a.json"), join(dir, "b.json")];
      await Deno.writeTextFile(a, JSON.stringify(golden));
      await Deno.writeTextFile(b, JSON.stringify(head));
      const { io, out } = captureIo();
      assert.equal(await main(["compare", a, b, "--format", "json"], io), 0);
      const doc = JSON.parse(out());
      assert.deepEqual(doc.unmatched_scenarios.head, ["renamed"]);
      assert.ok(
        doc.unmatched_scenarios.base.includes(golden.scenarios[0].name),
      );
    });
  });
  await t.step(
    "no scenario on both sides is an error, not a pass",
    async () => {
      await withTempDir(async (dir) => {
        const golden = JSON.parse(
          await Deno.readTextFile(
            join(ROOT, "tests/fixtures/golden/result.json"),
          ),
        );
        const head = structuredClone(golden);
        for (const [i, scenario] of head.scenarios.entries()) {
          scenario.name = `other-${i}`;
        }
        const [a, b] = [join(dir, "a.json"), join(dir, "b.json")];
        await Deno.writeTextFile(a, JSON.stringify(golden));
        await Deno.writeTextFile(b, JSON.stringify(head));
        const { io, out, err } = captureIo();
        assert.equal(
          await main(["compare", a, b, "--fail-on-regression"], io),
          2,
        );
        assert.match(err(), /no scenario ran on both sides/);
        assert.match(out(), /only in HEAD \(not compared\): scenario other-0/);
      });
    },
  );
});

Deno.test("tensile validate accepts regression.* thresholds and refuses wrong ones", async (t) => {
  await withTempDir(async (dir) => {
    const file = join(dir, "s.yaml");
    const write = (thresholds: string) =>
      Deno.writeTextFile(
        file,
        `target: calibrate\nname: s\ndescription: d\nload: { executor: shared-iterations, iterations: 10 }\nmix: [{ op: noop }]\nthresholds:\n${thresholds}`,
      );
    await t.step("scenario-wide and per-op regression bounds", async () => {
      await write(
        '  regression.latency.p99: { critical: "<10%" }\n  regression.throughput: "<5%"\n  regression.error_rate: "<1%"\n  regression.ops.noop.latency.p50: { warning: "<5%", critical: "<20%" }\n',
      );
      const { io, err } = captureIo();
      assert.equal(await main(["validate", file], io), 0, err());
    });
    await t.step(
      "an unknown regression metric, a > bound, an op not in the mix",
      async () => {
        await write(
          '  regression.latency.p98: "<10%"\n  regression.throughput: ">5%"\n  regression.ops.nop.latency.p50: "<5%"\n',
        );
        const { io, err } = captureIo();
        assert.equal(await main(["validate", file], io), 2);
        assert.match(err(), /unknown metric "regression\.latency\.p98"/);
        assert.match(err(), /a regression is bounded from above, like "<10%"/);
        assert.match(err(), /unknown op "nop" in threshold/);
      },
    );
  });
});
