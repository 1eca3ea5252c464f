/**
 * The JUnit report against a JUnit XSD (tests/fixtures/junit/junit.xsd, the
 * common Jenkins/Ant format), validated with libxml2 compiled to WebAssembly
 * (npm `libxml2-wasm`: no native code), and what each outcome of a scenario
 * becomes in it.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Artifact, readArtifact } from "../src/artifact/mod.ts";
import { renderJunit } from "../src/report/mod.ts";
import { ROOT } from "./_helpers.ts";
import { assertValidJunit } from "./_junit.ts";

const golden = await readArtifact(
  join(ROOT, "tests/fixtures/golden/result.json"),
);

/** The golden artifact with its first scenario changed by `edit`. */
function withFirst(edit: (s: Artifact["scenarios"][number]) => void): Artifact {
  const artifact = structuredClone(golden);
  edit(artifact.scenarios[0]);
  return artifact;
}

Deno.test("the JUnit XSD rejects what the format does not allow", () => {
  assert.throws(() => assertValidJunit("<testsuites><testcase/></testsuites>"));
  assert.throws(() =>
    assertValidJunit(
      '<testsuites><testsuite name="s" tests="x"/></testsuites>',
    )
  );
  assert.throws(() =>
    assertValidJunit(
      '<testsuite name="s" tests="1"><testcase name="c"><skipped/><failure/></testcase></testsuite>',
    )
  );
  assertValidJunit(
    '<testsuite name="s" tests="1"><testcase name="c" line="3"><failure message="m">d</failure><system-out>o</system-out></testcase></testsuite>',
  );
});

Deno.test("renderJunit() of the golden artifact is valid JUnit", () => {
  assertValidJunit(renderJunit(golden));
});

Deno.test("renderJunit() points each threshold case at its line, the scenario's line for invariants", () => {
  const artifact = withFirst((s) => {
    s.line = 9;
    s.thresholds.forEach((t, i) => t.line = 20 + i);
    s.invariants = [{ name: "kept", ok: true, detail: "all 10 kept" }];
  });
  const xml = renderJunit(artifact);
  assertValidJunit(xml);
  assert.match(
    xml,
    /<testcase name="threshold throughput" classname="calibrate-noop" time="0.000" file="\/work\/main\/scenarios\/calibrate.yaml" line="20">/,
  );
  assert.match(xml, /name="threshold latency.p99"[^>]* line="21"/);
  assert.match(xml, /name="invariant kept"[^>]* line="9">/);
  // An artifact without lines (older than 0.2) says none.
  assert.doesNotMatch(renderJunit(golden), / line="/);
});

Deno.test("renderJunit() fails a missed critical bound and a broken invariant, with actual against bound", () => {
  const xml = renderJunit(withFirst((s) => {
    s.thresholds[1] = {
      ...s.thresholds[1],
      actual: 2.5,
      level: "failed",
      grade: "F",
    };
    s.invariants = [{ name: "no-loss", ok: false, detail: "3 writes lost" }];
    s.status = "failed";
    s.grade = "F";
  }));
  assertValidJunit(xml);
  assert.match(
    xml,
    /<failure message="latency.p99: 2.50 ms missed critical &lt;1ms" type="threshold">/,
  );
  assert.match(
    xml,
    /<failure message="invariant no-loss broken: 3 writes lost" type="invariant">3 writes lost<\/failure>/,
  );
  assert.match(
    xml,
    /<testsuite name="calibrate-noop" tests="5" failures="2" errors="0" skipped="0"/,
  );
  assert.match(xml, /<testsuites [^>]*tests="8" failures="2" errors="0"/);
});

Deno.test("renderJunit() passes the warning band, with what it missed in system-out", () => {
  const xml = renderJunit(golden);
  assert.match(
    xml,
    /name="threshold throughput"[^>]*>\n\s*<system-out>throughput: 243,141\/s missed warning &gt;300000\/s, met critical &gt;50000\/s \(grade C\+\)<\/system-out>/,
  );
  assert.doesNotMatch(xml, /<failure|<error/);
});

Deno.test("renderJunit() makes an errored or interrupted scenario an error", async (t) => {
  await t.step("error: the checks are skipped", () => {
    const xml = renderJunit(withFirst((s) => {
      s.status = "error";
      s.error = "worker crashed";
    }));
    assertValidJunit(xml);
    assert.match(
      xml,
      /<testcase name="run" [^>]*>\n\s*<error message="the run failed: worker crashed" type="error">/,
    );
    assert.match(xml, /tests="5" failures="0" errors="1" skipped="4"/);
  });
  await t.step("interrupted: the checks judge what was measured", () => {
    const xml = renderJunit(withFirst((s) => {
      s.status = "interrupted";
      s.verdict = "INTERRUPTED";
    }));
    assertValidJunit(xml);
    assert.match(
      xml,
      /<error message="interrupted: [^"]*" type="interrupted">/,
    );
    assert.match(xml, /tests="5" failures="0" errors="1" skipped="0"/);
  });
});
