import assert from "node:assert/strict";
import type { Change, Compare, MetricComparison } from "../artifact/mod.ts";
import { renderCompareHtml } from "./_compare_html.ts";

const HOSTILE = `<img src=x onerror="alert(1)">&amp;'\u202e\x1b[2J`;

function metric(
  name: MetricComparison["metric"],
  change: Change,
  ratio: number | null,
  ci: MetricComparison["ci"],
): MetricComparison {
  return {
    metric: name,
    unit: "ms",
    better: "lower",
    base: 10,
    head: ratio === null ? null : 10 * ratio,
    ratio,
    ci,
    p: null,
    test: ci ? "bootstrap" : "none",
    change,
  };
}

/** One scenario of two ops (all ops, then `HOSTILE`), every verdict once. */
function constructed(): Compare {
  const metrics = [
    metric("latency.p50", "regression", 1.3, { low: 1.2, high: 1.4 }),
    metric("latency.p90", "improvement", 0.7, { low: 0.6, high: 0.8 }),
    metric("latency.p99", "within noise", 1.01, { low: 0.97, high: 1.05 }),
    metric("latency.p99_9", "unknown", 1.5, null),
    metric("throughput", "within noise", null, null),
  ];
  const side = (file: string) => [{
    file,
    started_at: "2026-11-26T00:00:00.000Z",
    profile: "ci",
    tool_version: "0.1.0",
  }];
  return {
    schema: "tensile/compare@1",
    tool: { name: "tensile", version: "0.1.0" },
    base: side(`base${HOSTILE}.json`),
    head: side("head.json"),
    settings: {
      alpha: 0.05,
      noise: 0.05,
      resamples: 100,
      seed: 1,
      min_intervals: 5,
    },
    summary: { regression: 2, improvement: 2, "within noise": 4, unknown: 2 },
    scenarios: [{
      name: `s${HOSTILE}`,
      runs: { base: 1, head: 1 },
      ops: [
        { op: "(all ops)", intervals: { base: 6, head: 6 }, metrics },
        { op: `op${HOSTILE}`, intervals: { base: 6, head: 6 }, metrics },
      ],
      unmatched_ops: { base: [`gone${HOSTILE}`], head: [] },
      notes: [`note <b>`],
    }],
    unmatched_scenarios: { base: [], head: [`new${HOSTILE}`] },
  };
}

/** The page without its one style sheet: what the document put in it. */
function content(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/, "");
}

Deno.test("renderCompareHtml() escapes every name from the artifacts", () => {
  const html = content(renderCompareHtml(constructed()));
  assert.ok(!html.includes("<img"), "no element from a name");
  assert.ok(!html.includes("<b>"), "nor from a note");
  assert.ok(!html.includes("\x1b") && !html.includes("\u202e"));
  const escaped =
    "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;&#39;";
  for (const where of ["s", "op", "gone", "new", "base"]) {
    assert.ok(html.includes(`${where}${escaped}`), where);
  }
  assert.match(html, /script-src 'none'/);
  assert.ok(!html.includes("<script"), "the page has no script");
});

Deno.test("renderCompareHtml() shows every verdict as a colored label", () => {
  const html = renderCompareHtml(constructed());
  const cells = [...html.matchAll(/<td class="(v-[a-z]+)">([a-z ]+)/g)]
    .map(([, cls, label]) => `${cls} ${label}`);
  assert.deepEqual(cells.slice(0, 5), [
    "v-regression regression",
    "v-improvement improvement",
    "v-noise within noise",
    "v-unknown unknown",
    "v-noise within noise",
  ]);
  assert.equal(cells.length, 10, "a row per metric of each op");
  assert.match(html, /class="badge v-regression">2 regressions</);
  assert.match(html, /class="badge v-improvement">2 improvements</);
  assert.match(html, /class="badge v-noise">4 within noise</);
  assert.match(html, /class="badge v-unknown">2 unknown</);
  assert.match(html, /tests used<\/dt><dd>bootstrap \(6 metrics\), none \(4/);
});

Deno.test("renderCompareHtml() draws a forest plot: a dot per ratio, a bar per interval, inside the chart", () => {
  const html = renderCompareHtml(constructed());
  const svgs = html.match(/<svg class="chart forest"[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(svgs.length, 1, "one per scenario");
  const [svg] = svgs;
  const width = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
  const dots = [...svg.matchAll(/class="dot" d="M(\d+) (\d+)h0"/g)];
  const bars = [...svg.matchAll(/class="ci" d="M(\d+) (\d+)H(\d+)"/g)];
  assert.equal(dots.length, 8, "no dot where the ratio is n/a");
  assert.equal(bars.length, 6, "a bar only where there is an interval");
  for (const [, x1, , x2] of bars) {
    assert.ok(Number(x1) < Number(x2), "low left of high");
    assert.ok(Number(x2) <= width);
  }
  // Regression right of 1, improvement left of it.
  const at = (i: number) => Number(dots[i][1]);
  const one = Number(/class="one" d="M(\d+) /.exec(svg)![1]);
  assert.ok(at(0) > one && at(1) < one, `${at(0)} ${one} ${at(1)}`);
  assert.ok(/class="band" d="M(\d+) \d+H(\d+)/.test(svg));
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
});

Deno.test("renderCompareHtml() says when no scenario is on both sides", () => {
  const compare = constructed();
  compare.scenarios = [];
  const html = renderCompareHtml(compare);
  assert.match(html, /No scenario on both sides/);
  assert.doesNotMatch(html, /<svg/);
  assert.match(html, /only in HEAD \(not compared\): scenario new&lt;img/);
});
