/**
 * The github format: annotations pointing at scenario lines, capped as
 * GitHub caps them; a job summary under GitHub's size limit; step outputs;
 * and `tensile report --format github` appending the summary and outputs to
 * the files `$GITHUB_STEP_SUMMARY` and `$GITHUB_OUTPUT` name.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Artifact, readArtifact } from "../src/artifact/mod.ts";
import { main } from "../src/cli/mod.ts";
import {
  GITHUB_ANNOTATIONS_PER_KIND,
  renderGithub,
  renderMarkdown,
} from "../src/report/mod.ts";
import { captureIo, ROOT, withTempDir } from "./_helpers.ts";

const RESULT = join(ROOT, "tests/fixtures/golden/result.json");
const golden = await readArtifact(RESULT);

/** The golden artifact with its first scenario changed by `edit`. */
function withFirst(edit: (s: Artifact["scenarios"][number]) => void): Artifact {
  const artifact = structuredClone(golden);
  edit(artifact.scenarios[0]);
  return artifact;
}

function failedAll(s: Artifact["scenarios"][number]): void {
  s.line = 3;
  s.thresholds = s.thresholds.map((t, i) => ({
    ...t,
    actual: 5,
    level: "failed",
    grade: "F",
    line: 10 + i,
  }));
  s.status = "failed";
}

Deno.test("renderGithub() annotates a missed critical bound as an error at the threshold's line", () => {
  const { annotations } = renderGithub(withFirst(failedAll));
  const lines = annotations.trimEnd().split("\n");
  assert.equal(
    lines[0],
    "::error file=/work/main/scenarios/calibrate.yaml,line=10,title=tensile calibrate-noop%3A throughput (grade F)::throughput: 5.00/s missed critical >50000/s",
  );
  assert.match(
    lines[1],
    /^::error file=[^,]*,line=11,title=tensile calibrate-noop%3A latency.p99 \(grade F\)::latency.p99: 5.00 ms missed critical <1ms$/,
  );
});

Deno.test("renderGithub() annotates the warning band as a warning, nothing for optimal", () => {
  const { annotations } = renderGithub(golden);
  assert.deepEqual(annotations.trimEnd().split("\n"), [
    "::warning file=/work/main/scenarios/calibrate.yaml,title=tensile calibrate-noop%3A throughput (grade C+)::throughput: 243,141/s missed warning >300000/s, met critical >50000/s",
  ]);
});

Deno.test("renderGithub() annotates a broken invariant and an errored run at the scenario's line", () => {
  const artifact = withFirst((s) => {
    s.line = 7;
    s.status = "error";
    s.error = "worker crashed: 50% of: ops, gone\nnext";
    s.invariants = [{ name: "no-loss", ok: false, detail: "3 lost" }];
  });
  const lines = renderGithub(artifact).annotations.trimEnd().split("\n");
  assert.deepEqual(lines, [
    "::error file=/work/main/scenarios/calibrate.yaml,line=7,title=tensile calibrate-noop%3A the run failed::worker crashed: 50%25 of: ops, gone\\nnext",
    "::error file=/work/main/scenarios/calibrate.yaml,line=7,title=tensile calibrate-noop%3A invariant no-loss broken::3 lost",
  ]);
});

Deno.test("renderGithub() writes at most 10 errors and 10 warnings, and says how many more", () => {
  const artifact = structuredClone(golden);
  const [first] = artifact.scenarios;
  artifact.scenarios = Array.from({ length: 4 }, (_, i) => {
    const s = structuredClone(first);
    s.name = `s${i}`;
    failedAll(s);
    s.thresholds.push(
      ...s.thresholds.map((t) => ({ ...t, level: "warning" as const })),
    );
    return s;
  });
  const lines = renderGithub(artifact).annotations.trimEnd().split("\n");
  const count = (prefix: string) =>
    lines.filter((line) => line.startsWith(prefix)).length;
  assert.equal(count("::error "), GITHUB_ANNOTATIONS_PER_KIND);
  assert.equal(count("::warning "), GITHUB_ANNOTATIONS_PER_KIND);
  assert.equal(
    lines.at(-1),
    "tensile: 6 more errors and 6 more warnings not annotated (GitHub shows 10 of each per step): see the job summary",
  );
});

Deno.test("renderGithub() keeps the job summary under its cap, cut at a line, with a note", () => {
  const full = renderMarkdown(golden);
  assert.equal(renderGithub(golden).summary, full);
  const max = 1500;
  const { summary } = renderGithub(golden, { summaryMaxBytes: max });
  assert.ok(new TextEncoder().encode(summary).length <= max);
  const [kept, note] = summary.split("\n> **Truncated:**");
  assert.ok(full.startsWith(kept), "whole lines from the start");
  assert.match(note, /stops after \d+ of \d+ bytes/);
});

Deno.test("renderGithub() starts no summary line with a workflow command", () => {
  const artifact = withFirst((s) => s.description = "::error::forged");
  const { summary } = renderGithub(artifact);
  assert.doesNotMatch(summary, /^::/m);
  assert.match(summary, /^\\::error::forged$/m);
});

Deno.test("renderGithub() writes the step outputs, multiline values in GitHub's delimited form", () => {
  assert.equal(
    renderGithub(golden, { artifactPath: "out/result.json", exitCode: 0 })
      .outputs,
    "grade=C+\nstatus=passed\nexit_code=0\nresult=out/result.json\n",
  );
  assert.equal(
    renderGithub(golden, { artifactPath: "a\nTENSILE_EOF" }).outputs,
    "grade=C+\nstatus=passed\nresult<<TENSILE_EOF_\na\nTENSILE_EOF\nTENSILE_EOF_\n",
  );
});

Deno.test("tensile report --format github prints annotations and appends the summary and outputs where GitHub says", async (t) => {
  await t.step("in a GitHub Actions step", async () => {
    const { io, out, err, appended } = captureIo({}, {
      GITHUB_STEP_SUMMARY: "/summary",
      GITHUB_OUTPUT: "/output",
    });
    assert.equal(await main(["report", RESULT, "--format", "github"], io), 0);
    const report = renderGithub(golden, {
      artifactPath: RESULT,
      exitCode: 0,
    });
    assert.equal(out(), report.annotations);
    assert.equal(err(), "");
    assert.deepEqual(appended(), {
      "/summary": report.summary,
      "/output": `grade=C+\nstatus=passed\nexit_code=0\nresult=${RESULT}\n`,
    });
  });
  await t.step("outside one: says what it did not write", async () => {
    const { io, out, err, appended } = captureIo();
    assert.equal(await main(["report", RESULT, "--format", "github"], io), 0);
    assert.equal(out(), renderGithub(golden).annotations);
    assert.deepEqual(appended(), {});
    assert.equal(
      err(),
      "note: GITHUB_STEP_SUMMARY is not set: skipped writing the job summary\nnote: GITHUB_OUTPUT is not set: skipped writing the step outputs\n",
    );
  });
  await t.step("the exit code a run of the artifact gave", async () => {
    await withTempDir(async (dir) => {
      const failed = structuredClone(golden);
      failed.status = "failed";
      const file = join(dir, "result.json");
      await Deno.writeTextFile(file, JSON.stringify(failed));
      const { io, appended } = captureIo({}, { GITHUB_OUTPUT: "/output" });
      assert.equal(await main(["report", file, "--format", "github"], io), 0);
      assert.match(appended()["/output"], /^status=failed\nexit_code=1\n/m);
    });
  });
});
