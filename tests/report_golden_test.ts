/**
 * The layout of the terminal summary and the Markdown, JUnit and GitHub reports, compared whole
 * against checked-in files rendered from a checked-in artifact; the HTML
 * report's structure (its elements, text and attributes, with chart
 * geometry, style and script left out) likewise. After an
 * intended layout change, regenerate them with
 * `TENSILE_UPDATE_GOLDEN=1 deno task test tests/report_golden_test.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readArtifact } from "../src/artifact/mod.ts";
import { main } from "../src/cli/mod.ts";
import {
  renderGithub,
  renderHtml,
  renderJunit,
  renderMarkdown,
  renderSummary,
  REPORTERS,
} from "../src/report/mod.ts";
import { captureIo, ROOT } from "./_helpers.ts";
import { htmlOutline } from "./_html_outline.ts";

const GOLDEN = join(ROOT, "tests/fixtures/golden");
const update = Deno.env.get("TENSILE_UPDATE_GOLDEN") === "1";
const artifact = await readArtifact(join(GOLDEN, "result.json"));

async function assertGolden(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (update) await Deno.writeTextFile(file, actual);
  assert.equal(actual, await Deno.readTextFile(file));
}

Deno.test("renderSummary() lays out the terminal summary as expected", async () => {
  await assertGolden("summary.txt", renderSummary(artifact, { color: false }));
});

Deno.test("renderSummary() in ASCII, for a C/POSIX or non-UTF-8 locale, lays out as expected", async () => {
  await assertGolden(
    "summary.ascii.txt",
    renderSummary(artifact, { color: false, unicode: false }),
  );
});

Deno.test("renderSummary() on a 40-column terminal lays out as expected", async () => {
  await assertGolden(
    "summary.40col.txt",
    renderSummary(artifact, { color: false, columns: 40 }),
  );
});

Deno.test("renderSummary() with color wraps grades in ANSI codes, without changing the text", () => {
  const colored = renderSummary(artifact, { color: true });
  const ansi = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");
  assert.equal(
    colored.replace(ansi, ""),
    renderSummary(artifact, { color: false }),
  );
  assert.ok(
    colored.includes(`${String.fromCharCode(27)}[32m`),
    "green for passing grades",
  );
});

Deno.test("renderMarkdown() lays out the report as expected", async () => {
  await assertGolden("report.md", renderMarkdown(artifact));
});

Deno.test("renderJunit() lays out the JUnit XML as expected", async () => {
  await assertGolden("junit.xml", renderJunit(artifact));
});

Deno.test("renderGithub() lays out the annotations, job summary and step outputs as expected", async () => {
  const github = renderGithub(artifact, {
    artifactPath: "tensile-results/run/result.json",
    exitCode: 0,
  });
  await assertGolden(
    "github.txt",
    [
      "== standard output (annotations)",
      github.annotations,
      "== $GITHUB_STEP_SUMMARY (appended)",
      github.summary,
      "== $GITHUB_OUTPUT (appended)",
      github.outputs,
    ].join("\n"),
  );
});

Deno.test("renderHtml() lays out the HTML report's structure as expected", async () => {
  await assertGolden("report.outline.html", htmlOutline(renderHtml(artifact)));
});

Deno.test("tensile report --format offers every format in REPORTERS and prints its render", async (t) => {
  const formats = Object.keys(REPORTERS) as (keyof typeof REPORTERS)[];
  assert.equal(formats[0], "markdown", "the default is listed first");
  for (const format of formats) {
    await t.step(format, async () => {
      const { io, out } = captureIo();
      const file = join(GOLDEN, "result.json");
      assert.equal(await main(["report", file, "--format", format], io), 0);
      assert.equal(
        out(),
        REPORTERS[format].render(artifact, { color: false }),
      );
    });
  }
  await t.step("markdown by default", async () => {
    const { io, out } = captureIo();
    assert.equal(await main(["report", join(GOLDEN, "result.json")], io), 0);
    assert.equal(out(), await Deno.readTextFile(join(GOLDEN, "report.md")));
  });
});
