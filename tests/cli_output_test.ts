/**
 * What a run prints and what it concludes when the world is not as it
 * should be: output that cannot be written, a runtime without `gc`, a run
 * that measured nothing.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, spawnCli, withTempDir } from "./_helpers.ts";

const QUICK = `name: quick
target: calibrate
load: { executor: per-worker-iterations, iterations: 50 }
mix: [{ op: noop }]
`;

/** Runs the CLI through bash so its streams can be redirected anywhere. */
async function shell(script: string): Promise<number> {
  const { code } = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO: Deno.execPath() },
  }).output();
  return code;
}

Deno.test("stdout that cannot be written does not stop the run or its artifact", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "quick.yaml");
    await Deno.writeTextFile(file, QUICK);
    const out = join(dir, "out");
    const code = await shell(
      `"$DENO" run -A --v8-flags=--expose-gc main.ts run ${file} --out ${out} > /dev/full 2>/dev/full`,
    );
    assert.equal(code, 0);
    const artifact = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    assert.equal(artifact.status, "passed");
    const closed = await shell(
      `"$DENO" run -A --v8-flags=--expose-gc main.ts run ${file} --out ${out}2 --json >&- 2>&-`,
    );
    assert.equal(closed, 0);
    await Deno.stat(join(`${out}2`, "result.json"));
  });
});

Deno.test("stderr that cannot be written does not change validate's exit code", async () => {
  await withTempDir(async (dir) => {
    const good = join(dir, "good.yaml");
    await Deno.writeTextFile(good, QUICK);
    const bad = join(dir, "bad.yaml");
    await Deno.writeTextFile(bad, QUICK.replace("target", "targte"));
    const validate = (file: string) =>
      shell(`"$DENO" run -A main.ts validate ${file} 2>/dev/full >/dev/full`);
    assert.equal(await validate(good), 0);
    assert.equal(await validate(bad), 2);
  });
});

Deno.test("tensile run without --expose-gc is refused with exit 2 and how to run it", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "run", "calibrate-noop", "--quiet"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 2, stderr);
  assert.match(stderr, /--v8-flags=--expose-gc/);
});

Deno.test("a run that measured no op has no verdict and exits non-zero", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "empty.yaml");
    // The hard stop lands during warmup: nothing is ever measured.
    await Deno.writeTextFile(
      file,
      `name: empty
target: calibrate
load: { executor: per-worker-iterations, iterations: 10, warmup: 100000, max_duration: 300ms }
mix: [{ op: sleep, params: { ms: 1 } }]
`,
    );
    const out = join(dir, "out");
    const { io, out: stdout } = captureIo();
    const code = await main(["run", file, "--out", out], io);
    assert.notEqual(code, 0);
    const artifact = JSON.parse(
      await Deno.readTextFile(join(out, "result.json")),
    );
    assert.equal(artifact.verdict, "NO MEASUREMENT");
    assert.equal(artifact.scenarios[0].verdict, "NO MEASUREMENT");
    assert.doesNotMatch(stdout(), /PRODUCTION READY/);
    assert.match(stdout(), /nothing to grade/);
  });
});

Deno.test("tensile report on an artifact with no scenarios says so and exits non-zero", async () => {
  await withTempDir(async (dir) => {
    const golden = JSON.parse(
      await Deno.readTextFile(join(ROOT, "tests/fixtures/golden/result.json")),
    );
    // As an older tensile wrote it: an empty run graded A+.
    const empty = {
      ...golden,
      scenarios: [],
      grade: "A+",
      verdict: "PRODUCTION READY",
    };
    const file = join(dir, "result.json");
    await Deno.writeTextFile(file, JSON.stringify(empty));
    const { io, out } = captureIo();
    const code = await main(["report", file, "--format", "terminal"], io);
    assert.notEqual(code, 0);
    assert.match(out(), /No op was measured/);
    assert.doesNotMatch(out(), /PRODUCTION READY/);
  });
});

Deno.test("error messages that quote the user show control characters escaped", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "evil.yaml");
    await Deno.writeTextFile(
      file,
      'name: a\ntarget: calibrate\nload: { executor: per-worker-iterations, iterations: 1, "w\\x1b]0;pwned\\x07x": 1 }\nmix: [{ op: noop }]\n',
    );
    const { io, err } = captureIo();
    assert.equal(await main(["validate", file], io), 2);
    assert.match(err(), /unknown key "w\\(x1b|u001b)\]0;pwned\\(x07|u0007)x"/);
    const missing = captureIo();
    await main(["report", join(dir, "x\x1b[2J.json")], missing.io);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(err() + missing.err(), /[\x00-\x08\x0b-\x1f\x7f]/);
    assert.match(missing.err(), /x\\x1b\[2J\.json/);
  });
});

Deno.test("a disk that refuses the artifact mid-run loses no measurement: --json still prints it, exit 3", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "two.yaml");
    await Deno.writeTextFile(
      file,
      `suite: two
defaults:
  target: calibrate
  mix: [{ op: sleep, params: { ms: 2 } }]
scenarios:
  - name: first
    load: { executor: per-worker-iterations, iterations: 20 }
  - name: second
    load: { executor: constant-workers, duration: 2s }
`,
    );
    const out = join(dir, "out");
    const child = spawnCli(["run", file, "--out", out, "--json", "--quiet"]);
    const result = join(out, "result.json");
    for (let i = 0; i < 600; i++) {
      const text = await Deno.readTextFile(result).catch(() => "");
      if (text.includes('"name": "first"')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The result file turns into a folder: every later write fails.
    await Deno.remove(result);
    await Deno.mkdir(result);
    const { code, stdout, stderr } = await child.output();
    const log = new TextDecoder().decode(stderr);
    assert.equal(code, 3, log);
    assert.match(log, /cannot write results to/);
    assert.match(log, /Results NOT saved/);
    const artifact = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(
      artifact.scenarios.map((s: { name: string }) => s.name),
      ["first", "second"],
    );
    assert.ok(artifact.scenarios[1].measurements.total > 0);
  });
});
