/**
 * The HTML report in a real headless browser: Debian's `chromium`, driven by
 * puppeteer-core. A real run of three built-in scenarios writes
 * `report.html`; the page is loaded from a file with every request but its
 * own blocked and recorded, and must make none, log no error, draw every
 * chart, sort its scenario table, and give a screenshot. Then the same run
 * with markup (an image, a script, an event handler) in its names and
 * messages must show it as text: no request, no script, no dialog.
 *
 * Chromium is found through `CHROME_PATH` or `PUPPETEER_EXECUTABLE_PATH`, or
 * as `chromium`, `chromium-browser` or `google-chrome` on PATH; without it
 * the test is skipped and says why. Set `TENSILE_SCREENSHOT_DIR` to keep the screenshot.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readArtifact } from "../src/artifact/mod.ts";
import { renderHtml } from "../src/report/mod.ts";
import {
  assertScreenshot,
  findChromium,
  openGuardedPage,
} from "./_chromium.ts";
import { runCli, withTempDir } from "./_helpers.ts";

const chromium = findChromium();
if ("why" in chromium) {
  console.log(`report_html_browser_test: skipped: ${chromium.why}`);
}

const SCENARIOS = ["calibrate-noop", "calibrate-stall", "calibrate-faults"];

/**
 * Run in the page (a string: this file is type-checked without the DOM's
 * types): for each chart, its size and every data path with its box and
 * length.
 */
const CHART_FACTS = `[...document.querySelectorAll("svg.chart")].map((svg) => ({
  title: svg.textContent.slice(0, 60),
  width: svg.getBoundingClientRect().width,
  viewBox: { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height },
  data: [...svg.querySelectorAll("path.line, path.dot, path.bar")].map((path) => {
    const box = path.getBBox();
    return {
      cls: path.getAttribute("class"),
      d: path.getAttribute("d"),
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
      length: path.getTotalLength(),
    };
  }),
}))`;

/** What the page says about one chart. */
interface ChartFacts {
  title: string;
  width: number;
  viewBox: { width: number; height: number };
  data: {
    cls: string;
    d: string;
    box: { x: number; y: number; width: number; height: number };
    length: number;
  }[];
}

Deno.test({
  name:
    "renderHtml() in headless Chromium: no request, no console error, every chart drawn, the table sorts, a screenshot, markup runs nothing",
  ignore: "why" in chromium,
  async fn(t) {
    const executablePath = (chromium as { path: string }).path;
    await withTempDir(async (dir) => {
      const out = join(dir, "run");
      const run = await runCli([
        "run",
        ...SCENARIOS,
        "--profile",
        "smoke",
        "--quiet",
        "--out",
        out,
      ]);
      // 1 is a missed bound on a busy machine: the artifact is still whole.
      assert.ok(run.code <= 1, run.stderr);
      const artifact = await readArtifact(join(out, "result.json"));
      const file = join(out, "report.html");
      const url = pathToFileURL(file).href;
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

        await t.step("every chart has drawn its data", async () => {
          const charts = await page.evaluate(CHART_FACTS) as ChartFacts[];
          // Per scenario that measured: the spectrum and the outcomes bar,
          // and four charts over time when it had two intervals or more.
          const expected = artifact.scenarios.reduce(
            (sum, s) =>
              sum +
              (s.measurements.total > 0
                ? 2 + (s.measurements.timeseries.length > 1 ? 4 : 0)
                : 0),
            0,
          );
          assert.equal(charts.length, expected);
          assert.ok(
            artifact.scenarios.some((s) =>
              s.measurements.timeseries.length > 1
            ),
            "a scenario with charts over time",
          );
          for (const chart of charts) {
            assert.ok(chart.width > 0, `${chart.title}: laid out`);
            assert.ok(chart.data.length > 0, `${chart.title}: has data`);
            for (const path of chart.data) {
              assert.match(path.d, /^M[-\d.]/, `${chart.title}: ${path.cls}`);
              assert.doesNotMatch(path.d, /NaN|Infinity|undefined/);
              const { box } = path;
              assert.ok(
                box.x >= 0 && box.y >= 0 &&
                  box.x + box.width <= chart.viewBox.width + 0.5 &&
                  box.y + box.height <= chart.viewBox.height + 0.5,
                `${chart.title}: ${path.cls} inside the chart`,
              );
              if (/\b(line|bar)\b/.test(path.cls)) {
                assert.ok(path.length > 0, `${chart.title}: ${path.cls} drawn`);
              }
            }
          }
        });

        await t.step(
          "a click on a header sorts the scenario table",
          async () => {
            const column = (i: number) =>
              page.evaluate(
                `[...document.querySelectorAll("#scenarios tbody tr")]
                .map((row) => row.cells[${i}].dataset.v)`,
              ) as Promise<string[]>;
            const names = () => column(0);
            assert.deepEqual(await names(), SCENARIOS, "run order at first");
            const p99 = 6;
            const header = `#scenarios thead th:nth-child(${p99 + 1}) button`;
            await page.click(header);
            const ascending = (await column(p99)).map(Number);
            assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
            const up = await names();
            await page.click(header);
            const descending = (await column(p99)).map(Number);
            assert.deepEqual(descending, [...descending].sort((a, b) => b - a));
            assert.deepEqual(await names(), [...up].reverse());
            assert.notDeepEqual(up, SCENARIOS, "the order changed");
            await page.click("#scenarios thead th:nth-child(1) button");
            assert.deepEqual(await names(), [...SCENARIOS].sort());
            assert.deepEqual(errors, []);
          },
        );

        await t.step("a full-page screenshot", async () => {
          await assertScreenshot(page, join(dir, "report.png"));
        });

        await t.step(
          "markup in names and messages shows as text and runs nothing",
          async () => {
            const hostile = structuredClone(artifact);
            const markup = (n: number) =>
              `<img src="https://example.com/${n}.png" onerror="alert(${n})">` +
              `<script>alert(${n})</script><b>bold${n}</b>`;
            hostile.scenarios.forEach((s, i) => {
              s.name = `${s.name}${markup(i)}`;
              s.description = markup(10 + i);
              s.reasons = [markup(20 + i)];
              s.invariants.push({
                name: "inv",
                ok: false,
                detail: markup(30 + i),
              });
              s.measurements.error_samples.push({
                op: "op",
                outcome: "error",
                message: markup(40 + i),
                count: 1,
              });
            });
            await Deno.writeTextFile(hostileFile, renderHtml(hostile));
            await page.goto(hostileUrl, { waitUntil: "load" });
            assert.deepEqual(requests, [url, hostileUrl], "no image requested");
            assert.deepEqual(errors, [], "no script ran, no dialog opened");
            // No element from the artifact: no image, no second script, no
            // bold text of its own; its markup reads as text.
            const found = await page.evaluate(
              `[document.querySelectorAll("img").length,
                document.querySelectorAll("script").length,
                [...document.querySelectorAll("b")]
                  .some((b) => b.textContent.startsWith("bold")),
                document.body.textContent.includes("<script>alert(1)</script>")]`,
            );
            assert.deepEqual(found, [0, 1, false, true]);
          },
        );
      } finally {
        await browser.close();
      }
    });
  },
});
