/**
 * The layout of `tensile compare` in the terminal, Markdown and GitHub
 * formats, and the HTML page's structure, compared whole against checked-in files rendered from two
 * checked-in artifacts (two real runs: `sleep` twice as slow in HEAD, and a
 * scenario each side alone has). After an intended layout change,
 * regenerate them with
 * `TENSILE_UPDATE_GOLDEN=1 deno test -A tests/compare_golden_test.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Compare,
  compareArtifacts,
  readArtifact,
} from "../src/artifact/mod.ts";
import {
  compareGithubAppends,
  renderCompareGithub,
  renderCompareHtml,
  renderCompareMarkdown,
  renderCompareTerminal,
} from "../src/report/mod.ts";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, withTempDir } from "./_helpers.ts";
import { htmlOutline } from "./_html_outline.ts";

const FIXTURES = join(ROOT, "tests/fixtures/compare");
const GOLDEN = join(ROOT, "tests/fixtures/golden");
const update = Deno.env.get("TENSILE_UPDATE_GOLDEN") === "1";

async function fixtures(): Promise<Compare> {
  const read = async (name: string) => ({
    file: name,
    artifact: await readArtifact(join(FIXTURES, name)),
  });
  return compareArtifacts([await read("base.json")], [
    await read("head.json"),
  ]);
}

async function assertGolden(name: string, actual: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (update) await Deno.writeTextFile(file, actual);
  assert.equal(actual, await Deno.readTextFile(file));
}

Deno.test("renderCompareTerminal() lays out the comparison as expected", async () => {
  await assertGolden(
    "compare.txt",
    renderCompareTerminal(await fixtures(), { color: false }),
  );
});

Deno.test("renderCompareTerminal() in ASCII on 80 columns lays out as expected", async () => {
  await assertGolden(
    "compare.ascii80.txt",
    renderCompareTerminal(await fixtures(), {
      color: false,
      unicode: false,
      columns: 80,
    }),
  );
});

Deno.test("renderCompareMarkdown() and renderCompareGithub() lay out as expected", async () => {
  const compare = await fixtures();
  await assertGolden("compare.md", renderCompareMarkdown(compare));
  await assertGolden("compare.github.md", renderCompareGithub(compare));
});

Deno.test("renderCompareHtml() lays out the page's structure as expected", async () => {
  await assertGolden(
    "compare.outline.html",
    htmlOutline(renderCompareHtml(await fixtures())),
  );
});

Deno.test("tensile compare --format html prints the page, and --out writes it as compare.html", async () => {
  await withTempDir(async (dir) => {
    const { io, out } = captureIo();
    const file = (name: string) => join(FIXTURES, name);
    const code = await main([
      "compare",
      file("base.json"),
      file("head.json"),
      "--format",
      "html",
      "--out",
      dir,
    ], io);
    assert.equal(code, 0);
    assert.match(out(), /^<!doctype html>/);
    assert.equal(await Deno.readTextFile(join(dir, "compare.html")), out());
    for (const name of ["compare.json", "compare.md"]) {
      assert.ok((await Deno.stat(join(dir, name))).isFile, name);
    }
  });
});

Deno.test("compareArtifacts() finds the slower op, and lists what only one side ran", async () => {
  const compare = await fixtures();
  const sleepy = compare.scenarios.find((s) => s.name === "sleepy")!;
  const sleep = sleepy.ops.find((op) => op.op === "sleep")!;
  for (const metric of ["latency.p50", "latency.p99", "throughput"]) {
    assert.equal(
      sleep.metrics.find((m) => m.metric === metric)?.change,
      "regression",
      metric,
    );
  }
  const spin = sleepy.ops.find((op) => op.op === "spin")!;
  assert.equal(
    spin.metrics.find((m) => m.metric === "latency.p50")?.change,
    "within noise",
  );
  assert.deepEqual(compare.unmatched_scenarios, {
    base: ["only-4"],
    head: ["only-8"],
  });
});

Deno.test("compare printers escape names from the artifacts", async () => {
  const compare = await fixtures();
  const hostile = "\x1b[2J# evil|`x`";
  compare.scenarios[0].name = hostile;
  compare.scenarios[0].ops[1].op = hostile;
  compare.unmatched_scenarios.base = [hostile];
  const terminal = renderCompareTerminal(compare, { color: false });
  assert.ok(!terminal.includes("\x1b"));
  assert.match(terminal, /\\x1b\[2J# evil\|`x`/);
  const markdown = renderCompareMarkdown(compare);
  assert.ok(!markdown.includes("\x1b"));
  assert.ok(!markdown.split("\n").some((line) => line.startsWith("# evil")));
  assert.ok(!/[^\\]\|`x`/.test(markdown.replace(/``.*?``/g, "")));
});

Deno.test("compareGithubAppends() gives the job summary and the step outputs", async () => {
  const compare = await fixtures();
  const [summary, outputs] = compareGithubAppends(compare);
  assert.equal(summary.env, "GITHUB_STEP_SUMMARY");
  assert.equal(summary.text, renderCompareMarkdown(compare));
  assert.deepEqual(outputs, {
    env: "GITHUB_OUTPUT",
    what: "step outputs",
    text: "regression=true\nregressions=10\n",
  });
});
