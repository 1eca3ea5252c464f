/**
 * The compare page in a real headless browser (Debian's `chromium`, driven
 * by puppeteer-core, found as in `report_html_browser_test.ts`). The CLI
 * compares the two checked-in real runs with `--out`; `compare.html` is
 * loaded from a file with every other request blocked and recorded, and
 * must make none, log no error and draw every forest plot. Then the same
 * comparison with markup in its names must show it as text and run nothing.
 * Without Chromium the test is skipped and says why.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Compare } from "../src/artifact/mod.ts";
import { renderCompareHtml } from "../src/report/mod.ts";
import {
  assertScreenshot,
  findChromium,
  openGuardedPage,
} from "./_chromium.ts";
import { ROOT, runCli, withTempDir } from "./_helpers.ts";

const chromium = findChromium();
if ("why" in chromium) {
  console.log(`compare_html_browser_test: skipped: ${chromium.why}`);
}

const FIXTURES = join(ROOT, "tests/fixtures/compare");

/**
 * Run in the page: for each forest plot, its width, its viewBox, and for
 * each metric's row the marks it drew with their boxes and lengths.
 */
const FOREST_FACTS =
  `[...document.querySelectorAll("svg.forest")].map((svg) => ({
  width: svg.getBoundingClientRect().width,
  viewBox: { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height },
  band: svg.querySelector("path.band").getBBox().width,
  rows: [...svg.querySelectorAll("g[class^=v-]")].map((g) => ({
    label: g.querySelector("text.fl").textContent,
    marks: [...g.querySelectorAll("path.dot, path.ci")].map((path) => {
      const box = path.getBBox();
      return {
        cls: path.getAttribute("class"),
        box: { x: box.x, y: box.y, width: box.width, height: box.height },
        length: path.getTotalLength(),
      };
    }),
  })),
}))`;

interface ForestFacts {
  width: number;
  viewBox: { width: number; height: number };
  band: number;
  rows: {
    label: string;
    marks: {
      cls: string;
      box: { x: number; y: number; width: number; height: number };
      length: number;
    }[];
  }[];
}

Deno.test({
  name:
    "renderCompareHtml() in headless Chromium: no request, no console error, every forest plot drawn, markup runs nothing",
  ignore: "why" in chromium,
  async fn(t) {
    const executablePath = (chromium as { path: string }).path;
    await withTempDir(async (dir) => {
      const run = await runCli([
        "compare",
        join(FIXTURES, "base.json"),
        join(FIXTURES, "head.json"),
        "--out",
        dir,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const compare: Compare = JSON.parse(
        await Deno.readTextFile(join(dir, "compare.json")),
      );
      const url = pathToFileURL(join(dir, "compare.html")).href;
      const hostileFile = join(dir, "hostile.html");
      const hostileUrl = pathToFileURL(hostileFile).href;
      const { browser, page, requests, errors } = await openGuardedPage(
        executablePath,
        [url, hostileUrl],
      );
      try {
        await page.goto(url, { waitUntil: "load" });

        await t.step("the page makes no request and logs no error", () => {
          assert.deepEqual(requests, [url], "only the page itself");
          assert.deepEqual(errors, []);
        });

        await t.step("every forest plot has drawn each ratio", async () => {
          const plots = await page.evaluate(FOREST_FACTS) as ForestFacts[];
          assert.ok(compare.scenarios.length > 0);
          assert.equal(plots.length, compare.scenarios.length);
          plots.forEach((plot, i) => {
            const metrics = compare.scenarios[i].ops.flatMap((op) =>
              op.metrics
            );
            assert.ok(plot.width > 0, "laid out");
            assert.ok(plot.band > 0, "the noise band shows");
            assert.equal(plot.rows.length, metrics.length, "a row a metric");
            plot.rows.forEach((row, j) => {
              const m = metrics[j];
              const dots = row.marks.filter((mark) => mark.cls === "dot");
              const bars = row.marks.filter((mark) => mark.cls === "ci");
              assert.equal(dots.length, m.ratio === null ? 0 : 1, row.label);
              assert.equal(bars.length, m.ci === null ? 0 : 1, row.label);
              for (const { box, cls, length } of row.marks) {
                assert.ok(
                  box.x >= 0 && box.y >= 0 &&
                    box.x + box.width <= plot.viewBox.width + 0.5 &&
                    box.y + box.height <= plot.viewBox.height + 0.5,
                  `${row.label}: ${cls} inside the chart`,
                );
                if (cls === "ci" && m.ci!.high! > m.ci!.low!) {
                  assert.ok(length > 0, `${row.label}: interval drawn`);
                }
              }
            });
          });
        });

        await t.step("a full-page screenshot", async () => {
          await assertScreenshot(page, join(dir, "compare.png"));
        });

        await t.step(
          "markup in names shows as text and runs nothing",
          async () => {
            const markup = (n: number) =>
              `<img src="https://example.com/${n}.png" onerror="alert(${n})">` +
              `<script>alert(${n})</script>`;
            const hostile = structuredClone(compare);
            hostile.base[0].file = markup(1);
            hostile.scenarios.forEach((s, i) => {
              s.name = markup(10 + i);
              s.ops.forEach((op, j) => op.op = markup(20 + j));
            });
            hostile.unmatched_scenarios.head.push(markup(3));
            await Deno.writeTextFile(hostileFile, renderCompareHtml(hostile));
            await page.goto(hostileUrl, { waitUntil: "load" });
            assert.deepEqual(requests, [url, hostileUrl], "no image requested");
            assert.deepEqual(errors, [], "no script ran, no dialog opened");
            const found = await page.evaluate(
              `[document.querySelectorAll("img").length,
              document.querySelectorAll("script").length,
              document.body.textContent.includes("<script>alert(10)</script>")]`,
            );
            assert.deepEqual(found, [0, 0, true]);
          },
        );
      } finally {
        await browser.close();
      }
    });
  },
});
