/**
 * The layout of the terminal summary and the Markdown report, compared whole
 * against checked-in files rendered from a checked-in artifact. After an
 * intended layout change, regenerate them with
 * `TENSILE_UPDATE_GOLDEN=1 deno task test tests/report_golden_test.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readArtifact } from "../src/artifact/mod.ts";
import { renderMarkdown, renderSummary } from "../src/report/mod.ts";
import { ROOT } from "./_helpers.ts";

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
