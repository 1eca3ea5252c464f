/**
 * The HTML report as text: what each kind of artifact shows (open and
 * closed model, one interval or many, a run that stopped, a scenario that
 * measured nothing), and that the page allows only its own style and script.
 * The browser test (`report_html_browser_test.ts`) checks how it renders.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type Artifact, readArtifact } from "../src/artifact/mod.ts";
import { renderHtml } from "../src/report/mod.ts";
import { ROOT } from "./_helpers.ts";

const golden = await readArtifact(
  join(ROOT, "tests/fixtures/golden/result.json"),
);

/** How many times `pattern` occurs in `text`. */
function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

/** The golden artifact with its first scenario made an open-model run. */
function openModel(): Artifact {
  const artifact = structuredClone(golden) as Artifact;
  const m = artifact.scenarios[0].measurements;
  m.service_time = { ...m.latency, p99: m.latency.p99 / 2 };
  m.service_histogram = m.histogram;
  m.dropped = 3;
  m.max_lag_ms = 12;
  const base = m.timeseries[0];
  m.timeseries = [1, 2, 3].map((t) => ({
    ...base,
    t,
    target: 200,
    achieved: 199,
  }));
  return artifact;
}

Deno.test("renderHtml() allows only its own style and script, by hash, and no request", () => {
  const html = renderHtml(golden);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
    .exec(html)?.[1];
  assert.ok(csp, "a Content-Security-Policy");
  assert.match(csp, /^default-src 'none';/);
  const hash = (text: string) =>
    `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
  assert.ok(csp.includes(`style-src ${hash(style)};`), "the style, as written");
  assert.ok(csp.includes(`script-src ${hash(script)};`), "the script");
  // Nothing that would load: no src, no link, no url(), no import.
  assert.doesNotMatch(html, /\ssrc=|<link|url\(|@import|https?:\/\//);
  assert.equal(count(html, /<script[\s>]/), 1);
});

Deno.test("renderHtml() shows each scenario's sections, and its charts only when there is a line to draw", () => {
  const html = renderHtml(golden);
  assert.equal(count(html, /<section class="scenario"/), 2);
  for (const heading of ["SLOs", "Latency", "Outcomes", "Memory"]) {
    assert.equal(count(html, new RegExp(`<h3>${heading}</h3>`)), 2, heading);
  }
  // One interval each in the golden run: a spectrum and a bar per
  // scenario, and the interval's figures instead of lines over time.
  assert.equal(count(html, /<svg class="chart"/), 2);
  assert.equal(count(html, /<svg class="chart bar"/), 2);
  assert.equal(count(html, /One sampling interval/), 2);
  assert.match(html, /p99\.99 \(from the histogram\): latency \d/);
  assert.match(html, /<dt>seed<\/dt><dd>42<\/dd>/);
});

Deno.test("renderHtml() draws latency and service time side by side for the open model", () => {
  const html = renderHtml(openModel());
  const first = html.slice(html.indexOf('id="s1"'), html.indexOf('id="s2"'));
  assert.match(first, /latency \(intended start\)/);
  assert.match(first, /service time \(actual start\)/);
  assert.equal(count(first, /class="line s1"/), 2, "service, target rate");
  assert.match(first, /3 dropped/);
  // Four charts over time from the three intervals.
  assert.equal(count(first, /<svg class="chart"/), 5);
  assert.match(first, /Throughput per interval/);
  assert.match(first, /Process RSS/);
  // The closed-model scenario keeps one line.
  const second = html.slice(html.indexOf('id="s2"'));
  assert.doesNotMatch(second, /service time/);
});

Deno.test("renderHtml() renders a run that stopped early and a scenario that measured nothing", () => {
  const running = structuredClone(golden) as Artifact;
  running.status = "running";
  running.planned = 5;
  running.scenarios[1].measurements.total = 0;
  running.scenarios[1].status = "error";
  running.scenarios[1].error = "the target would not open";
  const html = renderHtml(running);
  assert.match(html, /Still running, or stopped without a word: 2 of 5/);
  assert.match(html, /Error: the target would not open/);
  const second = html.slice(html.indexOf('id="s2"'));
  assert.doesNotMatch(second, /<svg/, "no chart for what was not measured");
  assert.doesNotMatch(
    html.replace(/<script>[\s\S]*<\/script>/, ""),
    /NaN|Infinity|undefined/,
  );
  const empty = structuredClone(golden) as Artifact;
  empty.scenarios = [];
  const none = renderHtml(empty);
  assert.equal(count(none, /<section/), 0);
  assert.match(none, /<table class="sortable" id="scenarios">/);
});
