import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, spawnCli, withTempDir } from "./_helpers.ts";

const resultSchema = JSON.parse(
  await Deno.readTextFile(join(ROOT, "schema/result.schema.json")),
);
const validateArtifact = new Ajv2020({ strict: false, allErrors: true })
  .compile(resultSchema);

function assertValidArtifact(artifact: unknown): void {
  const ok = validateArtifact(artifact);
  assert.ok(ok, JSON.stringify(validateArtifact.errors?.slice(0, 5), null, 2));
}

Deno.test("tensile run writes result.json (valid against the shipped schema), report.md and report.html", async () => {
  await withTempDir(async (out) => {
    const { io, out: stdout, err } = captureIo();
    const code = await main(
      [
        "run",
        "calibrate-noop",
        "calibrate-faults",
        "--profile",
        "smoke",
        "--out",
        out,
        "--json",
      ],
      io,
    );
    assert.equal(code, 0, err());
    const printed = JSON.parse(stdout());
    const written = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    assert.deepEqual(printed, written);
    assertValidArtifact(written);
    assert.equal(written.schema, "tensile/result@1");
    assert.deepEqual(written.scenarios.map((s: { name: string }) => s.name), [
      "calibrate-noop",
      "calibrate-faults",
    ]);
    // The human summary went to stderr, so stdout stays parseable.
    assert.match(err(), /Overall Grade/);
    await (async () => {
      const report = captureIo();
      assert.equal(
        await main(
          ["report", join(out, "result.json"), "--format", "markdown"],
          report.io,
        ),
        0,
      );
      assert.equal(
        report.out(),
        await Deno.readTextFile(join(out, "report.md")),
      );
      const html = captureIo();
      assert.equal(
        await main(
          ["report", join(out, "result.json"), "--format", "html"],
          html.io,
        ),
        0,
      );
      assert.equal(
        html.out(),
        await Deno.readTextFile(join(out, "report.html")),
      );
    })();
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "report.html",
      "report.md",
      "result.json",
    ]);
  });
});

Deno.test("tensile run exits 1 and grades F when a critical bound is missed", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "impossible.yaml");
    await Deno.writeTextFile(
      file,
      `name: impossible
target: calibrate
load: { executor: per-worker-iterations, iterations: 1000 }
mix: [{ op: noop }]
thresholds:
  throughput: { critical: ">1000000000000/s" }
`,
    );
    const { io, out } = captureIo();
    assert.equal(await main(["run", file, "--out", join(dir, "out")], io), 1);
    assert.match(out(), /Grade F {2}FAILING/);
    assert.match(out(), /why: throughput missed critical >1000000000000\/s/);
    const artifact = JSON.parse(
      await Deno.readTextFile(join(dir, "out/result.json")),
    );
    assert.equal(artifact.status, "failed");
    assert.equal(artifact.scenarios[0].thresholds[0].level, "failed");
  });
});

const LONG = `name: long
target: calibrate
load: { executor: constant-workers, workers: 2, concurrency: 8, duration: 60s }
mix: [{ op: sleep, params: { ms: 2 } }]
`;

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${path} never appeared`);
}

Deno.test("SIGINT mid-run writes a valid artifact marked interrupted and exits 130", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "long.yaml");
    await Deno.writeTextFile(file, LONG);
    const out = join(dir, "out");
    const child = spawnCli(["run", file, "--out", out]);
    await waitFor(join(out, "result.json"));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill("SIGINT");
    const { code, stderr } = await child.output();
    assert.equal(code, 130, new TextDecoder().decode(stderr));
    const artifact = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    assertValidArtifact(artifact);
    assert.equal(artifact.status, "interrupted");
    assert.equal(artifact.scenarios[0].status, "interrupted");
    assert.ok(
      artifact.scenarios[0].measurements.total > 0,
      "what ran was kept",
    );
    assert.ok(artifact.scenarios[0].measurements.duration_s < 60);
  });
});

Deno.test("a second SIGINT exits at once, even with ops still in flight", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "stuck.yaml");
    await Deno.writeTextFile(
      file,
      LONG.replace("ms: 2", "ms: 30000").replace("name: long", "name: stuck"),
    );
    const out = join(dir, "out");
    const child = spawnCli(["run", file, "--out", out]);
    await waitFor(join(out, "result.json"));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    child.kill("SIGINT");
    // One key press can arrive twice at once; a second press is later.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    child.kill("SIGINT");
    const { code } = await child.output();
    assert.equal(code, 130);
    // Quitting at once still leaves the folder unlocked and says what ran.
    await assert.rejects(Deno.stat(join(out, ".tensile.lock")));
    const artifact = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    assert.equal(artifact.status, "interrupted");
  });
});

Deno.test("tensile list shows each built-in scenario on one line, then the targets", async () => {
  const { io, out } = captureIo();
  assert.equal(await main(["list"], io), 0);
  assert.match(
    out(),
    /^calibrate-noop +calibrate +calibrate +engine overhead per op on one worker$/m,
  );
  assert.match(out(), /^calibrate +noop, spin, sleep, stall, fail +- +-$/m);
});

Deno.test("a reader that goes away (| head) does not stop the run or lose the artifact", async () => {
  await withTempDir(async (out) => {
    const child = spawnCli([
      "run",
      "calibrate",
      "--profile",
      "smoke",
      "--out",
      out,
    ]);
    const reader = child.stdout.getReader();
    await reader.read(); // the first scenario's summary, then hang up
    await reader.cancel();
    child.stderr.cancel();
    const { code } = await child.status;
    const artifact = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    // Every scenario ran and was graded: the run finished, whatever its
    // latency bounds said on a loaded machine (exit 0 passed, 1 failed).
    assert.equal(artifact.scenarios.length, 6);
    assert.equal(artifact.planned, 6);
    assert.equal(
      artifact.status,
      code === 0 ? "passed" : "failed",
      `exit ${code}`,
    );
  });
});
