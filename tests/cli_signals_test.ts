/**
 * Stopping a run the ways users and CI stop it: Ctrl-C in a terminal (the
 * whole process group, through `deno task`), SIGTERM from `timeout`, SIGHUP
 * from a closed terminal, a killed parent, a crash mid-suite. Nothing
 * measured may be lost, and nothing stopped may read as a pass.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, spawnCli, withTempDir } from "./_helpers.ts";

const LONG = `name: long
target: calibrate
load: { executor: constant-workers, workers: 2, concurrency: 4, duration: 60s }
mix: [{ op: sleep, params: { ms: 2 } }]
`;

const SUITE = `suite: three
defaults:
  target: calibrate
  mix: [{ op: sleep, params: { ms: 2 } }]
scenarios:
  - name: short
    load: { executor: per-worker-iterations, iterations: 20 }
  - name: long
    load: { executor: constant-workers, duration: 60s }
  - name: after
    load: { executor: per-worker-iterations, iterations: 20 }
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `result.json` under `out` satisfies `ready`. */
async function waitForArtifact(
  out: string,
  ready: (artifact: { scenarios: unknown[] }) => boolean,
): Promise<void> {
  for (let i = 0; i < 900; i++) {
    try {
      const artifact = JSON.parse(
        await Deno.readTextFile(join(out, "result.json")),
      );
      if (ready(artifact)) return;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  throw new Error(`${out}/result.json never got ready`);
}

/**
 * `deno task stress` in a process group of its own (setsid), as a terminal
 * or a CI runner starts it; its pid is the group's id.
 */
function spawnTaskGroup(args: string[]): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: [Deno.execPath(), "task", "--quiet", "stress", ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function readArtifact(out: string) {
  return JSON.parse(await Deno.readTextFile(join(out, "result.json")));
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.test(`one ${signal} to the process group of deno task stress stops gracefully and keeps the artifact`, async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, "long.yaml");
      await Deno.writeTextFile(file, LONG);
      const out = join(dir, "out");
      const child = spawnTaskGroup(["run", file, "--out", out, "--quiet"]);
      await waitForArtifact(out, () => true);
      await sleep(1500); // well into the measured load
      Deno.kill(-child.pid, signal); // the tool and deno task both get it
      const { code, stderr } = await child.output();
      const log = new TextDecoder().decode(stderr);
      assert.equal(code, 130, log);
      assert.match(log, new RegExp(`Stopping \\(${signal}\\)`));
      const artifact = await readArtifact(out);
      assert.equal(artifact.status, "interrupted");
      assert.equal(artifact.verdict, "INTERRUPTED");
      assert.equal(artifact.scenarios[0].status, "interrupted");
      assert.ok(artifact.scenarios[0].measurements.total > 0, "kept");
      await Deno.stat(join(out, "report.md"));
    });
  });
}

Deno.test("the tool stops gracefully when the deno task that started it is killed", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "long.yaml");
    await Deno.writeTextFile(file, LONG);
    const out = join(dir, "out");
    const child = spawnTaskGroup(["run", file, "--out", out, "--quiet"]);
    await waitForArtifact(out, () => true);
    // The lock names the tool's own process, a child of the task process.
    const { pid } = JSON.parse(
      await Deno.readTextFile(join(out, ".tensile.lock")),
    );
    assert.notEqual(pid, child.pid);
    await sleep(1000);
    child.kill("SIGKILL");
    await child.output();
    let alive = true;
    for (let i = 0; i < 300 && alive; i++) {
      await sleep(100);
      alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
    }
    assert.equal(alive, false, "the orphaned tool stopped within 30 s");
    const artifact = await readArtifact(out);
    assert.equal(artifact.status, "interrupted");
    assert.ok(artifact.scenarios[0].measurements.total > 0);
    assert.ok(artifact.scenarios[0].measurements.duration_s < 30);
  });
});

Deno.test("a run killed mid-suite leaves an artifact that says it did not finish", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "suite.yaml");
    await Deno.writeTextFile(file, SUITE);
    const out = join(dir, "out");
    const process = spawnCli(["run", file, "--out", out, "--quiet"]);
    await waitForArtifact(out, (a) => a.scenarios.length === 1);
    process.kill("SIGKILL");
    await process.output();
    const artifact = await readArtifact(out);
    assert.equal(artifact.status, "running");
    assert.equal(artifact.verdict, "IN PROGRESS");
    assert.equal(artifact.planned, 3);
    assert.equal(artifact.scenarios.length, 1);
    const { io, out: stdout } = captureIo();
    await main(
      ["report", join(out, "result.json"), "--format", "terminal"],
      io,
    );
    const overall = stdout().slice(stdout().indexOf("══ Overall"));
    assert.match(overall, /1 of 3 scenarios done/);
    assert.match(overall, /IN PROGRESS/);
    assert.doesNotMatch(overall, /PRODUCTION READY/);
  });
});

Deno.test("an interrupted run's overall line says interrupted and how many scenarios did not run", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "suite.yaml");
    await Deno.writeTextFile(file, SUITE);
    const out = join(dir, "out");
    const process = spawnCli(["run", file, "--out", out]);
    await waitForArtifact(out, (a) => a.scenarios.length === 1);
    await sleep(1000);
    process.kill("SIGINT");
    const { code, stdout } = await process.output();
    assert.equal(code, 130);
    const text = new TextDecoder().decode(stdout);
    const overall = text.slice(text.indexOf("══ Overall"));
    assert.match(overall, /INTERRUPTED/);
    assert.match(overall, /1 of 3 scenarios did not run/);
    assert.doesNotMatch(overall, /PRODUCTION READY/);
    const artifact = await readArtifact(out);
    assert.equal(artifact.status, "interrupted");
    assert.equal(artifact.verdict, "INTERRUPTED");
  });
});
