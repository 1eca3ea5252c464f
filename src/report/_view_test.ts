import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Artifact, readArtifact } from "../artifact/mod.ts";
import {
  buildView,
  ERROR_SAMPLE_CAPS,
  type ErrorSampleView,
  scenarioView,
  UserText,
} from "./_view.ts";

const GOLDEN = fileURLToPath(
  new URL("../../tests/fixtures/golden/result.json", import.meta.url),
);
const golden = await readArtifact(GOLDEN);

/** Error samples as the artifact holds them. */
function raw(samples: ErrorSampleView[]) {
  return samples.map((s) => ({ ...s, op: s.op.raw, message: s.message.raw }));
}

/** A fresh copy of the golden artifact to change one thing in. */
function variant(change: (artifact: Artifact) => void): Artifact {
  const artifact = structuredClone(golden);
  change(artifact);
  return artifact;
}

Deno.test("buildView() shows per-op latency rows only when the mix has more than one op", () => {
  const [single, mixed] = buildView(golden, "full").scenarios;
  const labels = (rows: { op?: UserText }[] | undefined) =>
    rows?.map((r) => r.op?.raw ?? "all");
  assert.deepEqual(labels(single.measured?.latency), ["all"]);
  assert.deepEqual(labels(mixed.measured?.latency), ["all", "noop", "fail"]);
  const measurements = golden.scenarios[1].measurements;
  assert.equal(mixed.measured?.latency[0].latency, measurements.latency);
  assert.equal(
    mixed.measured?.latency[2].latency,
    measurements.ops.fail.latency,
  );
});

Deno.test("buildView() caps error samples: 3 when brief, 5 when full", () => {
  assert.deepEqual(ERROR_SAMPLE_CAPS, { brief: 3, full: 5 });
  const artifact = variant((a) => {
    const samples = a.scenarios[1].measurements.error_samples;
    for (let i = 0; samples.length < 7; i++) {
      samples.push({
        op: "fail",
        outcome: "error",
        message: `m${i}`,
        count: 1,
      });
    }
  });
  const samples = artifact.scenarios[1].measurements.error_samples;
  assert.deepEqual(
    raw(buildView(artifact, "brief").scenarios[1].errorSamples),
    samples.slice(0, 3),
  );
  assert.deepEqual(
    raw(buildView(artifact, "full").scenarios[1].errorSamples),
    samples.slice(0, 5),
  );
  // Fewer samples than the cap: all of them, in order.
  assert.deepEqual(
    raw(buildView(golden, "full").scenarios[1].errorSamples),
    golden.scenarios[1].measurements.error_samples,
  );
});

Deno.test("scenarioView() leaves out what has nothing to show", async (t) => {
  await t.step("no measured section when no op ran", () => {
    const result = variant((a) => a.scenarios[1].measurements.total = 0)
      .scenarios[1];
    assert.equal(scenarioView(result, "full").measured, undefined);
    assert.ok(scenarioView(golden.scenarios[1], "full").measured);
  });
  await t.step("counters only when the target reported any", () => {
    assert.equal(
      scenarioView(golden.scenarios[0], "full").measured?.counters,
      undefined,
    );
    const result = variant((a) =>
      a.scenarios[0].measurements.counters = { busy_retries: 2 }
    ).scenarios[0];
    assert.deepEqual(scenarioView(result, "full").measured?.counters, [
      { name: new UserText("busy_retries"), value: 2 },
    ]);
  });
  await t.step("description and error only when set", () => {
    const view = scenarioView(golden.scenarios[0], "brief");
    assert.equal(view.description?.raw, golden.scenarios[0].description);
    assert.equal("error" in view, false);
    const result = variant((a) => {
      a.scenarios[0].description = "";
      a.scenarios[0].error = "worker crashed";
    }).scenarios[0];
    const changed = scenarioView(result, "brief");
    assert.equal("description" in changed, false);
    assert.equal(changed.error?.raw, "worker crashed");
  });
});

Deno.test("buildView() tallies passed and failed always, interrupted and error only when any", () => {
  assert.deepEqual(buildView(golden, "brief").overall.tally, [
    { status: "passed", count: 2 },
    { status: "failed", count: 0 },
  ]);
  const artifact = variant((a) => {
    a.scenarios[0].status = "error";
    a.scenarios[1].status = "interrupted";
  });
  assert.deepEqual(buildView(artifact, "brief").overall.tally, [
    { status: "passed", count: 0 },
    { status: "failed", count: 0 },
    { status: "interrupted", count: 1 },
    { status: "error", count: 1 },
  ]);
});

Deno.test("buildView() names the deciding scenarios only when several ran and the grade is not A+", () => {
  assert.equal(golden.grade, "C+");
  assert.deepEqual(
    buildView(golden, "brief").overall.decidedBy?.map((name) => name.raw),
    ["calibrate-noop"],
  );
  const single = variant((a) => a.scenarios.splice(1));
  assert.equal(buildView(single, "brief").overall.decidedBy, undefined);
  const perfect = variant((a) => {
    a.grade = "A+";
    for (const s of a.scenarios) s.grade = "A+";
  });
  assert.equal(buildView(perfect, "brief").overall.decidedBy, undefined);
});

Deno.test("UserText refuses to become a string unescaped", () => {
  const name = buildView(golden, "brief").scenarios[0].name;
  assert.ok(name instanceof UserText);
  assert.equal(name.raw, "calibrate-noop");
  assert.throws(() => `${name}`, TypeError);
  assert.throws(() => "━━ " + name, TypeError);
});
