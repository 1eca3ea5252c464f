/**
 * The workflows without GitHub: .github/workflows (CI, release) and the
 * sharded example are parsed and held to what they promise, and the
 * example's shell steps are run locally with `tensile` on PATH pointing at
 * the local CLI.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import denoJson from "../deno.json" with { type: "json" };
import { COMPILE_TARGETS } from "../scripts/compile.ts";
import { ROOT } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Yaml = Record<string, any>;

async function workflow(path: string): Promise<Yaml> {
  return parse(await Deno.readTextFile(join(ROOT, path)));
}

const CI = await workflow(".github/workflows/ci.yml");
const RELEASE = await workflow(".github/workflows/release.yml");
const SHARDED = await workflow("examples/github/sharded.yml");

function stepNamed(job: Yaml, name: RegExp): Yaml {
  const step = job.steps.find((s: Yaml) => name.test(s.name ?? ""));
  assert.ok(step, `a step named ${name}`);
  return step;
}

Deno.test("ci.yml runs .ci/run on pushes and pull requests", () => {
  assert.ok("push" in CI.on && "pull_request" in CI.on);
  const steps: Yaml[] = CI.jobs.ci.steps;
  assert.ok(steps.some((s) => s.uses?.startsWith("actions/setup-node@")));
  assert.ok(steps.some((s) => s.run === "bash .ci/run"));
});

Deno.test("release.yml compiles every COMPILE_TARGETS target through the one script, on v* tags", () => {
  assert.deepEqual(RELEASE.on.push.tags, ["v*"]);
  const compile = RELEASE.jobs.compile;
  const targets = compile.strategy.matrix.include.map((t: Yaml) => t.target);
  assert.deepEqual(targets.sort(), Object.keys(COMPILE_TARGETS).sort());
  assert.equal(
    stepNamed(compile, /^Compile$/).run,
    "deno task compile ${{ matrix.target }}",
  );
  const smoke = stepNamed(compile, /^Smoke test/).run as string;
  assert.match(smoke, /--version/);
  assert.match(smoke, /run calibrate --profile smoke/);
  assert.match(smoke, /cd "\$RUNNER_TEMP"/, "smoke-tested from another folder");
});

/**
 * The smoke step as a runner runs it, with the local CLI standing in for
 * the compiled binary in dist/ (`deno compile` needs its runtime from the
 * network): the version check against the tag, and a smoke run from
 * another folder.
 */
Deno.test("release.yml's smoke step passes for the right tag and refuses another", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    const workspace = join(root, "workspace");
    const runnerTemp = join(root, "runner-temp");
    await Deno.mkdir(join(workspace, "dist"), { recursive: true });
    await Deno.mkdir(runnerTemp);
    const bin = join(workspace, "dist", "tensile-linux-x64");
    await Deno.writeTextFile(
      bin,
      `#!/bin/sh\nexec "${Deno.execPath()}" run -A --v8-flags=--expose-gc "${ROOT}main.ts" "$@"\n`,
    );
    await Deno.chmod(bin, 0o755);
    const script =
      (stepNamed(RELEASE.jobs.compile, /^Smoke test/).run as string)
        .replaceAll("${{ matrix.target }}", "linux-x64");
    const smoke = (tag: string) =>
      new Deno.Command("bash", {
        // GitHub's bash: -e and pipefail.
        args: ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env: {
          GITHUB_WORKSPACE: workspace,
          RUNNER_TEMP: runnerTemp,
          GITHUB_REF_NAME: tag,
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
    await t.step("another tag fails the --version check", async () => {
      const { code } = await smoke("v0.0.0-not-this");
      assert.notEqual(code, 0);
    });
    await t.step(
      "deno.json's version passes, with a result from the smoke run",
      async () => {
        const { code, stderr } = await smoke(`v${denoJson.version}`);
        assert.equal(code, 0, new TextDecoder().decode(stderr));
        const artifact = JSON.parse(
          await Deno.readTextFile(join(runnerTemp, "smoke", "result.json")),
        );
        assert.ok(artifact.scenarios.length > 0);
      },
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("release.yml publishes every binary and their SHA256SUMS to the release", () => {
  const publish = RELEASE.jobs.publish;
  assert.deepEqual(publish.needs, "compile");
  const sums = stepNamed(publish, /^SHA256SUMS$/).run as string;
  assert.match(sums, /sha256sum tensile-\* > SHA256SUMS/);
  const release = publish.steps.find((s: Yaml) =>
    s.uses?.startsWith("softprops/action-gh-release@")
  );
  assert.ok(release);
  assert.match(release.with.files, /dist\/tensile-\*/);
  assert.match(release.with.files, /dist\/SHA256SUMS/);
  // The compile job uploads what publish downloads.
  const upload = RELEASE.jobs.compile.steps.find((s: Yaml) =>
    s.uses?.startsWith("actions/upload-artifact@")
  );
  assert.equal(upload.with.name, "tensile-${{ matrix.target }}");
  const download = publish.steps.find((s: Yaml) =>
    s.uses?.startsWith("actions/download-artifact@")
  );
  assert.equal(download.with.pattern, "tensile-*");
});

Deno.test("sharded.yml: one matrix job per shard, one start, every artifact merged", () => {
  const n = Number(SHARDED.env.SHARDS);
  const shard = SHARDED.jobs.shard;
  assert.deepEqual(
    shard.strategy.matrix.index,
    Array.from({ length: n }, (_, i) => i),
  );
  const run = stepNamed(shard, /^Run shard/).run as string;
  assert.match(run, /--shard \$\{\{ matrix\.index \}\}\/\$SHARDS/);
  assert.match(run, /--start-at \$\{\{ needs\.plan\.outputs\.start-at \}\}/);
  assert.deepEqual(shard.needs, "plan");

  const upload = shard.steps.find((s: Yaml) =>
    s.uses?.startsWith("actions/upload-artifact@")
  );
  const merge = SHARDED.jobs.merge;
  assert.deepEqual(merge.needs, "shard");
  const download = merge.steps.find((s: Yaml) =>
    s.uses?.startsWith("actions/download-artifact@")
  );
  const pattern = new RegExp(
    `^${download.with.pattern.replaceAll("*", "[^/]*")}$`,
  );
  for (let i = 0; i < n; i++) {
    const name = upload.with.name.replace("${{ matrix.index }}", String(i));
    assert.match(name, pattern, `the merge downloads shard ${i}`);
  }
  const fanIn = stepNamed(merge, /^Merge/).run as string;
  assert.match(
    fanIn,
    new RegExp(
      `tensile merge ${download.with.path}/tensile-shard-\\*/result\\.json`,
    ),
  );
  assert.match(fanIn, /tensile report merged\/result\.json --format github/);
  assert.match(fanIn, /exit "\$code"\s*$/, "fails on the merged grade");
});

/**
 * The example's steps as the runners would run them, here: `tensile` on
 * PATH is the local CLI, the artifacts move as upload/download-artifact
 * would move them, the smoke profile keeps it short.
 */
Deno.test({
  name: "sharded.yml's shell steps run and merge locally",
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const bin = join(root, "bin");
      await Deno.mkdir(bin);
      await Deno.writeTextFile(
        join(bin, "tensile"),
        `#!/bin/sh\nexec "${Deno.execPath()}" run -A --v8-flags=--expose-gc "${ROOT}main.ts" "$@"\n`,
      );
      await Deno.chmod(join(bin, "tensile"), 0o755);
      await Deno.writeTextFile(
        join(root, "load.yaml"),
        `name: sharded-example
target: calibrate
load: { executor: shared-iterations, workers: 4, iterations: 4000 }
mix: [{ op: noop }]
thresholds:
  success_rate: { critical: ">=100%" }
`,
      );
      const n = Number(SHARDED.env.SHARDS);
      const startAt = new Date(Date.now() + 5_000).toISOString();
      const expand = (script: string, index?: number) =>
        script.replaceAll("${{ matrix.index }}", String(index))
          .replaceAll("${{ needs.plan.outputs.start-at }}", startAt)
          .replaceAll("${{ env.SHARDS }}", String(n));
      const bash = (script: string, cwd: string, env: Record<string, string>) =>
        new Deno.Command("bash", {
          args: ["-e", "-c", script],
          cwd,
          env: {
            ...env,
            PATH: `${bin}:${Deno.env.get("PATH")}`,
            SCENARIO: join(root, "load.yaml"),
            SHARDS: String(n),
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
      const run = stepNamed(SHARDED.jobs.shard, /^Run shard/).run;
      const shards = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const cwd = join(root, `runner-${i}`);
          await Deno.mkdir(cwd);
          return {
            i,
            cwd,
            out: await bash(
              `${expand(run, i).replace(/--out /, "--profile smoke --out ")}`,
              cwd,
              {},
            ),
          };
        }),
      );
      const merger = join(root, "merger");
      for (const { i, cwd, out } of shards) {
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        // download-artifact: shards/tensile-shard-<i>/result.json
        const to = join(merger, "shards", `tensile-shard-${i}`);
        await Deno.mkdir(to, { recursive: true });
        await Deno.copyFile(
          join(cwd, `shard-${i}`, "result.json"),
          join(to, "result.json"),
        );
      }
      const summary = join(root, "summary.md");
      const outputs = join(root, "outputs.txt");
      const merged = await bash(
        stepNamed(SHARDED.jobs.merge, /^Merge/).run,
        merger,
        { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: outputs },
      );
      assert.equal(merged.code, 0, new TextDecoder().decode(merged.stderr));
      assert.match(await Deno.readTextFile(summary), /sharded-example/);
      assert.match(await Deno.readTextFile(outputs), /^status=passed$/m);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
