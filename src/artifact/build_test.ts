import assert from "node:assert/strict";
import { calibrateTarget } from "../components/calibrate/mod.ts";
import { runPlan } from "../engine/mod.ts";
import { testPlan } from "../engine/testdata/plan.ts";
import { buildArtifact, scenarioResult } from "./build.ts";

Deno.test("scenarioResult() gives a run that measured nothing no verdict and no passing grade", async (t) => {
  // The hard stop lands in warmup: a real run that measured no op.
  const plan = testPlan({
    mix: [{ op: "sleep", weight: 1, params: { ms: 1 } }],
    load: { iterations: 10, warmup: 100_000, max_duration_ms: 300 },
  });
  const runDir = await Deno.makeTempDir();
  try {
    const run = await runPlan(plan, {
      target: calibrateTarget,
      workerUrl: new URL("../worker.ts", import.meta.url),
      runDir,
    });
    assert.equal(run.measurements.total, 0);
    const facts = {
      profile: "ci" as const,
      startedAt: new Date(),
      endedAt: new Date(),
    };
    await t.step("finished that way: an error, NO MEASUREMENT", () => {
      const result = scenarioResult(plan, { ...run, status: "completed" });
      assert.equal(result.status, "error");
      assert.equal(result.verdict, "NO MEASUREMENT");
      assert.equal(buildArtifact([result], facts).verdict, "NO MEASUREMENT");
    });
    await t.step(
      "stopped that way: interrupted, graded F, never a pass",
      () => {
        const result = scenarioResult(plan, { ...run, status: "interrupted" });
        assert.equal(result.status, "interrupted");
        assert.equal(result.grade, "F");
        assert.equal(result.verdict, "NO MEASUREMENT");
        const artifact = buildArtifact([result], facts);
        assert.equal(artifact.grade, "F");
        assert.notEqual(artifact.verdict, "PRODUCTION READY");
      },
    );
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
});
