/**
 * The GitHub Action (action.yml) without GitHub: its steps' shell is read
 * from action.yml and run with the environment GitHub would give it
 * (`${{ inputs.* }}` and the other expressions evaluated from the parsed
 * file), against the local CLI through TENSILE_BIN.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { COMPILE_TARGETS } from "../scripts/compile.ts";
import { ROOT } from "./_helpers.ts";

interface ActionStep {
  id?: string;
  if?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const ACTION: Action = parse(
  await Deno.readTextFile(join(ROOT, "action.yml")),
);

/** The local CLI, as a workflow would set it for a checkout of tensile. */
const LOCAL_CLI =
  `${Deno.execPath()} run -A --v8-flags=--expose-gc ${ROOT}main.ts`;

/** The contexts an expression may read. */
interface Contexts {
  inputs: Record<string, string>;
  env: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
  github: Record<string, string>;
}

/**
 * Evaluates the `${{ }}` expressions the action uses: context paths
 * (`inputs.out`, `steps.run.outputs['exit-code']`) joined by `||`. Anything
 * else throws, so a new kind of expression needs this test to learn it.
 */
function expand(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
    for (const operand of expression.split("||")) {
      const path = operand.trim().replace(/\['([^']+)'\]/g, ".$1").split(".");
      let value: unknown = contexts;
      for (const key of path) {
        if (typeof value !== "object" || value === null) {
          throw new Error(`Cannot evaluate "${expression}" in action.yml`);
        }
        value = (value as Record<string, unknown>)[key];
      }
      if (value !== undefined && typeof value !== "string") {
        throw new Error(`"${expression}" is not a string in action.yml`);
      }
      if (value) return value;
    }
    return "";
  });
}

function step(id: string): ActionStep {
  const found = ACTION.runs.steps.find((s) => s.id === id);
  assert.ok(found, `action.yml has a step with id ${id}`);
  return found;
}

/** The action's inputs: the given ones over action.yml's defaults. */
function inputsWith(given: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(given)) {
    assert.ok(
      Object.hasOwn(ACTION.inputs, name),
      `action.yml has input ${name}`,
    );
  }
  return Object.fromEntries(
    Object.entries(ACTION.inputs).map((
      [name, input],
    ) => [name, given[name] ?? input.default ?? ""]),
  );
}

/** `name=value` lines of a $GITHUB_OUTPUT file (single-line values). */
function outputsOf(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0 && !line.includes("<<")) {
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}

interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs one step's `run:` shell as GitHub would, in `cwd`. */
async function runStep(
  id: string,
  cwd: string,
  contexts: Contexts,
): Promise<StepRun> {
  const s = step(id);
  assert.ok(s.run, `step ${id} runs a shell`);
  const outputFile = join(cwd, `output-${id}.txt`);
  const summaryFile = join(cwd, `summary-${id}.md`);
  await Deno.writeTextFile(outputFile, "");
  await Deno.writeTextFile(summaryFile, "");
  const stepEnv = Object.fromEntries(
    Object.entries(s.env ?? {}).map(([k, v]) => [k, expand(v, contexts)]),
  );
  const { code, stdout, stderr } = await new Deno.Command("bash", {
    args: ["-c", expand(s.run, contexts)],
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? cwd,
      NO_COLOR: "1",
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...contexts.env,
      ...stepEnv,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code,
    stdout: text(stdout),
    stderr: text(stderr),
    outputs: outputsOf(await Deno.readTextFile(outputFile)),
    summary: await Deno.readTextFile(summaryFile),
  };
}

/** The action's own outputs, read from the run step's outputs. */
function actionOutputs(
  contexts: Contexts,
  run: StepRun,
): Record<string, string> {
  const withRun = { ...contexts, steps: { run: { outputs: run.outputs } } };
  return Object.fromEntries(
    Object.entries(ACTION.outputs).map((
      [name, output],
    ) => [name, expand(output.value, withRun)]),
  );
}

const SCENARIOS = {
  "pass.yaml": `name: action-pass
target: calibrate
load: { executor: shared-iterations, workers: 1, iterations: 2000 }
mix: [{ op: noop }]
thresholds:
  success_rate: { critical: ">=100%" }
`,
  // Half of the ops throw: the success rate misses its critical bound.
  "fail.yaml": `name: action-fail
target: calibrate
load: { executor: shared-iterations, workers: 1, iterations: 2000 }
mix: [{ op: fail, params: { p: 0.5 } }]
thresholds:
  success_rate: { critical: ">99%" }
`,
  "invalid.yaml": `name: action-invalid
target: calibrate
load: { executor: shared-iterations, wrkers: 1, iterations: 10 }
mix: [{ op: noop }]
`,
};

async function workspace(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-action-" });
  for (const [name, text] of Object.entries(SCENARIOS)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

function localContexts(inputs: Record<string, string>): Contexts {
  return {
    inputs: inputsWith(inputs),
    env: { TENSILE_BIN: LOCAL_CLI },
    steps: {},
    github: { action_ref: "", action_repository: "tensile/tensile" },
  };
}

Deno.test("action.yml is a composite action whose steps skip the download when TENSILE_BIN is set", () => {
  assert.equal(ACTION.runs.using, "composite");
  for (const id of ["resolve", "cache", "download"]) {
    assert.match(step(id).if ?? "", /env\.TENSILE_BIN == ''/);
  }
  assert.equal(step("run").if, undefined, "the run step always runs");
  assert.match(step("cache").uses ?? "", /^actions\/cache@/);
});

Deno.test("the action's run step: a passing scenario gives exit 0, a summary and every output", async () => {
  const cwd = await workspace();
  try {
    const contexts = localContexts({
      scenarios: "pass.yaml",
      profile: "smoke",
      args: "--seed 7",
    });
    const run = await runStep("run", cwd, contexts);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.summary, /action-pass/);
    assert.match(run.summary, /^#/m, "the summary is the Markdown report");
    const outputs = actionOutputs(contexts, run);
    assert.match(outputs.grade, /^A/);
    assert.equal(outputs.status, "passed");
    assert.equal(outputs["exit-code"], "0");
    assert.equal(outputs.result, "tensile-results/result.json");
    const artifact = JSON.parse(
      await Deno.readTextFile(join(cwd, outputs.result)),
    );
    assert.equal(artifact.scenarios[0].name, "action-pass");
    assert.equal(artifact.scenarios[0].load.seed, 7, "args reach tensile run");
    // report.html comes with the html report format; when run writes one,
    // the output names it.
    const html = join(cwd, "tensile-results/report.html");
    const hasHtml = await Deno.stat(html).then(() => true, () => false);
    assert.equal(
      outputs["report-html"],
      hasHtml ? "tensile-results/report.html" : "",
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the action's run step: a failing scenario exits 1 with annotations and the summary", async () => {
  const cwd = await workspace();
  try {
    const contexts = localContexts({
      scenarios: "fail.yaml",
      profile: "smoke",
      out: "results/fail",
    });
    const run = await runStep("run", cwd, contexts);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stdout,
      /^::error file=fail\.yaml,line=\d+,title=tensile action-fail/m,
    );
    assert.match(run.summary, /action-fail/);
    const outputs = actionOutputs(contexts, run);
    assert.equal(outputs.status, "failed");
    assert.equal(outputs.grade, "F");
    assert.equal(outputs["exit-code"], "1");
    assert.equal(outputs.result, "results/fail/result.json");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the action's run step with a baseline: the comparison joins the summary, and fail-on-regression gates on it", async (t) => {
  const cwd = await workspace();
  try {
    const base = await runStep(
      "run",
      cwd,
      localContexts({ scenarios: "pass.yaml", profile: "smoke", out: "base" }),
    );
    assert.equal(base.code, 0, base.stderr);
    await t.step("same scenario: compared, no regression, exit 0", async () => {
      const run = await runStep(
        "run",
        cwd,
        localContexts({
          scenarios: "pass.yaml",
          profile: "smoke",
          out: "head",
          baseline: "base/result.json",
          "fail-on-regression": "true",
        }),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.summary,
        /^# tensile compare: 1 BASE run vs 1 HEAD run/m,
      );
      assert.equal(run.outputs.regression, "false");
      assert.ok(
        (await Deno.stat(join(cwd, "head/compare/compare.html"))).size > 0,
      );
    });
    await t.step(
      "a baseline sharing no scenario fails the gate (exit 2)",
      async () => {
        const artifact = JSON.parse(
          await Deno.readTextFile(join(cwd, "base/result.json")),
        );
        artifact.scenarios[0].name = "another-scenario";
        await Deno.writeTextFile(
          join(cwd, "other.json"),
          JSON.stringify(artifact),
        );
        const gated = await runStep(
          "run",
          cwd,
          localContexts({
            scenarios: "pass.yaml",
            profile: "smoke",
            out: "gated",
            baseline: "other.json",
            "fail-on-regression": "true",
          }),
        );
        assert.equal(gated.code, 2, gated.stderr);
        assert.match(gated.stderr, /no scenario ran on both sides/);
        const shown = await runStep(
          "run",
          cwd,
          localContexts({
            scenarios: "pass.yaml",
            profile: "smoke",
            out: "shown",
            baseline: "other.json",
          }),
        );
        assert.equal(shown.code, 0, "without the gate, the run's own code");
      },
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the action's run step: a refused scenario file still writes a summary and exits 2", async () => {
  const cwd = await workspace();
  try {
    const contexts = localContexts({ scenarios: "invalid.yaml" });
    const run = await runStep("run", cwd, contexts);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /invalid\.yaml:3:\d+: .*"wrkers"/);
    assert.match(run.stdout, /^::error title=tensile::tensile exited 2/m);
    assert.match(run.summary, /tensile: no result/);
    const outputs = actionOutputs(contexts, run);
    assert.equal(outputs.status, "error");
    assert.equal(outputs["exit-code"], "2");
    assert.equal(outputs.grade, "");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the action's install steps fetch a release asset and check it against SHA256SUMS", async (t) => {
  const cwd = await workspace();
  const releases = join(cwd, "releases");
  const tag = "v9.9.9";
  const asset = "tensile-linux-x64";
  const contexts: Contexts = {
    inputs: inputsWith({ version: tag }),
    env: {
      RUNNER_OS: "Linux",
      RUNNER_ARCH: "X64",
      RUNNER_TOOL_CACHE: join(cwd, "tool-cache"),
      TENSILE_RELEASES: `file://${releases}`,
    },
    steps: {},
    github: { action_ref: "main", action_repository: "tensile/tensile" },
  };
  // A stand-in binary, published as the release workflow does.
  const binary = "#!/bin/sh\necho 9.9.9\n";
  const sha = Array.from(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(binary)),
    ),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  await Deno.mkdir(join(releases, "download", tag), { recursive: true });
  await Deno.writeTextFile(join(releases, "download", tag, asset), binary);
  const sums = join(releases, "download", tag, "SHA256SUMS");
  try {
    const resolve = await runStep("resolve", cwd, contexts);
    assert.equal(resolve.code, 0, resolve.stderr);
    const dir = join(cwd, "tool-cache", "tensile", tag);
    assert.deepEqual(resolve.outputs, {
      version: tag,
      asset,
      dir,
      bin: join(dir, asset),
    });
    contexts.steps.resolve = { outputs: resolve.outputs };

    await t.step("a tampered asset is refused", async () => {
      await Deno.writeTextFile(sums, `${"0".repeat(64)}  ${asset}\n`);
      const download = await runStep("download", cwd, contexts);
      assert.equal(download.code, 1);
      assert.match(
        download.stdout,
        /::error .*SHA256SUMS says 0{64}: refusing it/,
      );
      await assert.rejects(Deno.stat(join(dir, asset)));
    });

    await t.step(
      "a matching asset is installed where the run step looks",
      async () => {
        await Deno.writeTextFile(
          sums,
          `${"1".repeat(64)}  tensile-macos-x64\n${sha}  ${asset}\n`,
        );
        const download = await runStep("download", cwd, contexts);
        assert.equal(download.code, 0, download.stdout + download.stderr);
        const runEnv = expand(step("run").env?.TENSILE_BIN ?? "", contexts);
        assert.equal(runEnv, join(dir, asset));
        const { stdout } = await new Deno.Command(runEnv, { stdout: "piped" })
          .output();
        assert.equal(new TextDecoder().decode(stdout), "9.9.9\n");
      },
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("the action downloads exactly the assets the compile script builds", async () => {
  const script = await Deno.readTextFile(join(ROOT, "action/install.sh"));
  const named = [...script.matchAll(/asset=(tensile-[\w.-]+)/g)].map((m) =>
    m[1]
  );
  const built = Object.keys(COMPILE_TARGETS).map((name) =>
    `tensile-${name}${name.startsWith("windows") ? ".exe" : ""}`
  );
  assert.deepEqual(named.sort(), built.sort());
});

/** What each input becomes on the command line. */
const INPUT_FLAGS: {
  input: string;
  command: string;
  flag: string;
}[] = [
  { input: "scenarios", command: "run", flag: "[scenarios...]" },
  { input: "profile", command: "run", flag: "--profile" },
  { input: "out", command: "run", flag: "--out" },
  {
    input: "shard",
    command: "run",
    flag: "--shard",
  },
  {
    input: "baseline",
    command: "run",
    flag: "--baseline",
  },
  {
    input: "fail-on-regression",
    command: "compare",
    flag: "--fail-on-regression",
  },
];
/** Inputs that are no flag, and why. */
const NOT_FLAGS: Record<string, string> = {
  args: "passed through to tensile run as written",
  version: "picks the release binary (install.sh)",
};

Deno.test("every action input is a CLI flag or says why not", () => {
  const mapped = [
    ...INPUT_FLAGS.map((m) => m.input),
    ...Object.keys(NOT_FLAGS),
  ];
  assert.deepEqual(mapped.sort(), Object.keys(ACTION.inputs).sort());
});

for (const { input, command, flag } of INPUT_FLAGS) {
  Deno.test({
    name: `action input ${input} is tensile ${command} ${flag}`,
    async fn() {
      const { stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`, command, "--help"],
        stdout: "piped",
      }).output();
      const help = new TextDecoder().decode(stdout);
      const accepted = flag.startsWith("--")
        ? [...help.matchAll(/(?:^|\s)(--[\w-]+)/g)].map((m) => m[1])
        : [...help.matchAll(/\[[\w.]+\]/g)].map((m) => m[0]);
      assert.ok(
        accepted.includes(flag),
        `tensile ${command} --help names ${flag}`,
      );
      // And the run step passes it.
      const script = await Deno.readTextFile(join(ROOT, "action/run.sh"));
      const env = `INPUT_${input.toUpperCase().replaceAll("-", "_")}`;
      assert.equal(step("run").env?.[env], `\${{ inputs.${input} }}`);
      assert.ok(script.includes(env), `run.sh reads ${env}`);
      if (flag.startsWith("--")) {
        assert.ok(script.includes(flag), `run.sh passes ${flag}`);
      }
    },
  });
}
