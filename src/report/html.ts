/**
 * An HTML report made from the artifact alone: one self-contained page that
 * works offline. Charts are SVG drawn here (no library, no script); a small
 * inline script only sorts the scenario table. A Content-Security-Policy
 * allows nothing but that script and the style (by hash), so the page can
 * make no request of any kind, and injected markup could run nothing.
 * Strings from outside the tool go through {@link htmlText}. Table cells and
 * rows leave out their end tags (HTML needs none there): a run of 40
 * scenarios has thousands, and the page must stay small.
 * @module
 */
import {
  type Artifact,
  type Grade,
  SCENARIO_STATUSES,
} from "../artifact/mod.ts";
import { OUTCOMES } from "../errors.ts";
import {
  formatActual,
  formatArrivals,
  formatBytes,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatSeconds,
  formatShape,
  LATENCY_COLUMNS,
  latencyCells,
} from "./format.ts";
import { htmlAttr, htmlText } from "./_escape.ts";
import { headRow, htmlPage, PAGE_STYLE } from "./_page.ts";
import { percentileOf } from "./_spectrum.ts";
import { lineChart, type Series, stackedBar } from "./_svg.ts";
import {
  buildView,
  type LatencyRow,
  type MeasuredView,
  type OverallView,
  type ScenarioView,
  type UserText,
  type View,
} from "./_view.ts";

/** Outside text, escaped for element content. */
function h(user: UserText): string {
  return htmlText(user.raw);
}

/** Grades best first, for sorting the scenario table by grade. */
const GRADE_RANK = {
  "A+": 0,
  "A": 1,
  "A-": 2,
  "B+": 3,
  "B": 4,
  "B-": 5,
  "C+": 6,
  "C": 7,
  "C-": 8,
  "D+": 9,
  "D": 10,
  "D-": 11,
  "F": 12,
} as const satisfies Record<Grade, number>;

/** The grade's color class: A good, B/C so-so, D/F bad. */
function gradeClass(grade: Grade): string {
  return `g-${grade[0].toLowerCase()}`;
}

/** Sorts a `table.sortable` by the column whose header button is clicked. */
const SCRIPT = `
for (const table of document.querySelectorAll("table.sortable")) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, i) => th.querySelector("button").addEventListener("click", () => {
    const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    for (const other of heads) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    const key = (row) => row.cells[i].dataset.v ?? row.cells[i].textContent;
    const rows = [...table.tBodies[0].rows].sort((a, b) => {
      const x = key(a), y = key(b), nx = Number(x), ny = Number(y);
      const c = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
      return c * dir;
    });
    table.tBodies[0].append(...rows);
  }));
}
`;

function scenarioTable(view: ScenarioView[]): string {
  const rows = view.map((s, i) =>
    `<tr><td data-v="${htmlAttr(s.name.raw)}"><a href="#s${i + 1}">${
      h(s.name)
    }</a><td data-v="${GRADE_RANK[s.grade]}"><span class="badge ${
      gradeClass(s.grade)
    }">${s.grade}</span><td>${s.verdict}<td data-v="${
      SCENARIO_STATUSES.indexOf(s.status)
    }">${s.status}<td data-v="${s.totals.ops}">${
      formatCount(s.totals.ops)
    }<td data-v="${s.totals.throughput}">${
      formatRate(s.totals.throughput)
    }<td data-v="${s.totals.p99}">${formatMs(s.totals.p99)}`
  );
  return `<table class="sortable" id="scenarios"><thead>${
    headRow(
      ["scenario", "grade", "verdict", "status", "ops", "throughput", "p99"],
      true,
    )
  }</thead><tbody>${rows.join("")}</tbody></table>`;
}

function sloTable(view: ScenarioView): string {
  if (view.thresholds.length === 0) return "";
  const rows = view.thresholds.map((t) =>
    `<tr><td><code>${h(t.metric)}</code><td>${formatActual(t)}<td>${
      h(t.optimal)
    }<td>${h(t.warning)}<td>${h(t.critical)}<td class="l-${t.level}">${t.level}`
  );
  return `<h3>SLOs</h3><table class="slo"><thead>${
    headRow(["metric", "actual", "optimal", "warning", "critical", "level"])
  }</thead><tbody>${rows.join("")}</tbody></table>`;
}

/**
 * The encoded histograms of all ops (`histogram`, `service_histogram`), for
 * the percentiles past the artifact's summaries.
 */
interface Histograms {
  latency: string;
  service?: string;
}

/** Percentiles the spectrum shows: from the summary, or from the histogram. */
const SPECTRUM = [
  ["p50", "p50"],
  ["p90", "p90"],
  ["p95", "p95"],
  ["p99", "p99"],
  ["p99.9", "p99_9"],
  ["p99.99", 99.99],
  ["max", "max"],
] as const;

function spectrumPoints(
  row: LatencyRow,
  histogram: string | undefined,
): [number, number][] {
  return SPECTRUM.flatMap(([, from], i): [number, number][] => {
    if (typeof from === "string") return [[i, row.latency[from]]];
    const value = histogram === undefined
      ? undefined
      : percentileOf(histogram, from);
    return value === undefined ? [] : [[i, value]];
  });
}

function latencyTable(title: string, rows: LatencyRow[]): string {
  const body = rows.map((r) =>
    `<tr><td>${r.op ? h(r.op) : "all"}${
      latencyCells(r).map((c) => `<td>${c}`).join("")
    }`
  );
  return `<table class="latency"><thead>${
    headRow([title, ...LATENCY_COLUMNS])
  }</thead><tbody>${body.join("")}</tbody></table>`;
}

function latencySection(m: MeasuredView, histograms: Histograms): string {
  const series: Series[] = [{
    label: m.service ? "latency (intended start)" : "latency",
    points: spectrumPoints(m.latency[0], histograms.latency),
  }];
  if (m.service) {
    series.push({
      label: "service time (actual start)",
      points: spectrumPoints(m.service[0], histograms.service),
    });
  }
  // p99.99 is read from the histogram: say its value, the table stops at p99.9.
  const p9999 = series.map((s) => {
    const point = s.points.find(([i]) => SPECTRUM[i][0] === "p99.99");
    return point ? `${s.label} ${formatMs(point[1])}` : undefined;
  }).filter((text) => text !== undefined);
  const chart = lineChart({
    title: "Latency percentiles, all ops (log scale)",
    series,
    x: { kind: "category", labels: SPECTRUM.map(([label]) => label) },
    y: { log: true, format: formatMs },
  });
  const tables = m.service
    ? latencyTable("latency (from intended start)", m.latency) +
      latencyTable("service time (from actual start)", m.service) +
      `<p><b>Arrivals:</b> ${formatArrivals(m.arrivals!)}</p>`
    : latencyTable("latency", m.latency);
  return `<h3>Latency</h3><div class="charts">${chart}</div>${
    p9999.length > 0
      ? `<p class="meta">p99.99 (from the histogram): ${p9999.join(" · ")}</p>`
      : ""
  }${tables}`;
}

function overTime(m: MeasuredView): string {
  const ts = m.timeseries;
  if (ts.length === 0) return "";
  if (ts.length === 1) {
    // A line needs two intervals: say what the one interval measured.
    const [i] = ts;
    return `<h3>Over time</h3><p class="meta">One sampling interval (${
      formatSeconds(i.t)
    }): ${formatRate(i.throughput)}, p99 ${formatMs(i.p99)}, ${
      formatCount(i.errors)
    } errors, RSS ${formatBytes(i.rss)}</p>`;
  }
  const seconds = (v: number) => `${Number(v.toPrecision(3))} s`;
  const chart = (
    title: string,
    series: Series[],
    format: (v: number) => string,
    axis: { log?: boolean; integer?: boolean } = {},
  ) =>
    lineChart({
      title,
      series,
      x: { kind: "linear", format: seconds },
      y: { ...axis, format },
    });
  const throughput: Series[] = [{
    label: "ops/s",
    points: ts.map((i) => [i.t, i.throughput]),
  }];
  if (ts.some((i) => i.target !== undefined)) {
    throughput.push({
      label: "target/s",
      points: ts.map((i) => [i.t, i.target ?? 0]),
    });
  }
  return `<h3>Over time</h3><div class="charts">${
    [
      chart(
        "Throughput per interval (ops/s)",
        throughput,
        (v) => formatCount(v),
      ),
      chart(
        "p99 latency per interval",
        [{ label: "p99", points: ts.map((i) => [i.t, i.p99]) }],
        formatMs,
      ),
      chart(
        "Errors per interval",
        [{ label: "errors", points: ts.map((i) => [i.t, i.errors]) }],
        (v) => formatCount(v),
        { integer: true },
      ),
      chart(
        "Process RSS",
        [{ label: "rss", points: ts.map((i) => [i.t, i.rss]) }],
        formatBytes,
      ),
    ].join("")
  }</div>`;
}

function outcomesSection(m: MeasuredView): string {
  const seen = OUTCOMES.filter((o) => o === "ok" || m.outcomes[o] > 0);
  const bar = stackedBar(
    "Outcomes by class",
    seen.map((o) => ({
      label: `${o} ${formatCount(m.outcomes[o])}`,
      value: m.outcomes[o],
      cls: `o-${o}`,
    })),
  );
  const rows = seen.map((o) =>
    `<tr><td>${o}<td>${formatCount(m.outcomes[o])}<td>${
      formatPercent(m.outcomes[o] / m.total)
    }`
  );
  return `<h3>Outcomes</h3>${bar}<table class="outcomes"><thead>${
    headRow(["outcome", "ops", "share"])
  }</thead><tbody>${rows.join("")}</tbody></table>`;
}

function memorySection(m: MeasuredView): string {
  const mem = m.memory;
  const counters = m.counters
    ? `<h3>Counters</h3><table class="counters"><thead>${
      headRow(["counter", "value"])
    }</thead><tbody>${
      m.counters.map((c) =>
        `<tr><td><code>${h(c.name)}</code><td>${
          Number.isInteger(c.value) ? formatCount(c.value) : c.value.toFixed(2)
        }`
      ).join("")
    }</tbody></table>`
    : "";
  return `${counters}<h3>Memory</h3><dl class="memory"><dt>RSS</dt><dd>${
    formatBytes(mem.rss_start)
  } → ${formatBytes(mem.rss_end)} (peak ${
    formatBytes(mem.rss_peak)
  })</dd><dt>worker heaps</dt><dd>${formatBytes(mem.heap_start)} → ${
    formatBytes(mem.heap_end)
  } (peak ${formatBytes(mem.heap_peak)})</dd><dt>heap growth</dt><dd>${
    formatBytes(mem.growth_per_1k_ops)
  } per 1k ops${
    mem.gc_forced ? "" : " (no forced GC: run with --v8-flags=--expose-gc)"
  }</dd></dl>`;
}

function invariantsSection(view: ScenarioView): string {
  if (view.invariants.length === 0) return "";
  const rows = view.invariants.map((inv) =>
    `<tr><td class="${inv.ok ? "good" : "bad"}">${
      inv.ok ? "held" : "broken"
    }<td><code>${h(inv.name)}</code><td>${h(inv.detail)}`
  );
  return `<h3>Invariants</h3><table class="invariants"><thead>${
    headRow(["", "invariant", "detail"])
  }</thead><tbody>${rows.join("")}</tbody></table>`;
}

function whySection(view: ScenarioView): string {
  const parts: string[] = [];
  const why = [...view.reasons, ...view.notes];
  if (why.length > 0) {
    parts.push(
      `<h3>Why</h3><ul class="why">${
        why.map((r) => `<li>${h(r)}</li>`).join("")
      }</ul>`,
    );
  }
  if (view.errorSamples.length > 0) {
    parts.push(
      `<h3>Failures</h3><table class="failures"><thead>${
        headRow(["outcome", "count", "op", "message"])
      }</thead><tbody>${
        view.errorSamples.map((s) =>
          `<tr><td>${s.outcome}<td>${formatCount(s.count)}<td><code>${
            h(s.op)
          }</code><td><pre>${h(s.message)}</pre>`
        ).join("")
      }</tbody></table>`,
    );
  }
  if (view.recommendations.length > 0) {
    parts.push(
      `<h3>Recommendations</h3><ul class="advice">${
        view.recommendations.map((r) => `<li>${h(r)}</li>`).join("")
      }</ul>`,
    );
  }
  return parts.join("");
}

/** Where a scenario's section sits, and what the view leaves out. */
interface SectionContext {
  /** Its place in the run, from 0 (the anchor is `s` + index + 1). */
  index: number;
  /** Its encoded histograms. */
  histograms: Histograms;
}

function scenarioSection(view: ScenarioView, context: SectionContext): string {
  const { index } = context;
  const { totals } = view;
  const shape = formatShape({
    ...view.load,
    executor: h(view.load.executor),
  });
  const m = view.measured;
  return [
    `<section class="scenario" id="s${index + 1}">`,
    `<h2><span class="badge ${gradeClass(view.grade)}">${view.grade}</span> ${
      h(view.name)
    } <span class="muted">${view.verdict} · ${view.status}</span></h2>`,
    view.description ? `<p>${h(view.description)}</p>` : "",
    `<p class="meta">target <code>${
      h(view.target)
    }</code> · ${shape} · seed ${view.load.seed} · ${
      formatCount(totals.ops)
    } ops in ${formatSeconds(totals.seconds)} (${
      formatRate(totals.throughput)
    }) · <code>${h(view.file)}${
      view.line === undefined ? "" : `:${view.line}`
    }</code></p>`,
    view.error ? `<p class="bad">Error: ${h(view.error)}</p>` : "",
    sloTable(view),
    m
      ? latencySection(m, context.histograms) + overTime(m) +
        outcomesSection(m)
      : "",
    invariantsSection(view),
    m ? memorySection(m) : "",
    whySection(view),
    `</section>`,
  ].join("");
}

/** How many deciding scenarios the banner names, with their first reason. */
const DECIDED_BY_CAP = 5;

function banner(view: View): string {
  const { overall } = view;
  const deciding = overall.decidedBy
    ? view.scenarios.flatMap((s, index) =>
      s.grade === overall.grade ? [{ s, index }] : []
    )
    : [];
  const more = deciding.length - DECIDED_BY_CAP;
  const tally = overall.tally.map((t) => `${t.count} ${t.status}`).join(" · ");
  return `<div class="banner"><div class="grade ${
    gradeClass(overall.grade)
  }">${overall.grade}</div><div><h1>tensile: ${overall.verdict}</h1><p class="meta">${overall.status} · ${overall.scenarios} scenario${
    overall.scenarios === 1 ? "" : "s"
  } · ${tally}</p>${
    overall.incomplete ? `<p class="bad">${overall.incomplete}</p>` : ""
  }${
    deciding.length > 0
      ? `<p>Grade decided by:</p><ul class="why">${
        deciding.slice(0, DECIDED_BY_CAP).map(({ s, index }) =>
          `<li><a href="#s${index + 1}">${h(s.name)}</a>${
            s.reasons.length > 0 ? `: ${h(s.reasons[0])}` : ""
          }</li>`
        ).join("")
      }${more > 0 ? `<li>and ${more} more</li>` : ""}</ul>`
      : ""
  }</div></div>`;
}

function metadata(overall: OverallView, seeds: number[]): string {
  const { system, engines } = overall;
  return `<h3>Run</h3><dl class="run"><dt>tool</dt><dd>tensile ${
    h(overall.version)
  }</dd><dt>runtime</dt><dd>Deno ${h(overall.deno)} · V8 ${
    h(engines.v8)
  } · TypeScript ${h(engines.typescript)}</dd><dt>machine</dt><dd>${
    h(system.os)
  }/${h(system.arch)} · ${system.cpus} × ${h(system.cpuModel)} · ${
    formatBytes(system.memoryBytes)
  }</dd><dt>profile</dt><dd>${overall.profile}</dd><dt>seed</dt><dd>${
    seeds.length > 0 ? seeds.join(", ") : "none"
  }</dd><dt>started</dt><dd>${h(overall.startedAt)}</dd><dt>ended</dt><dd>${
    h(overall.endedAt)
  }</dd></dl>`;
}

/** Renders the whole artifact as one self-contained HTML page. */
export function renderHtml(artifact: Artifact): string {
  const view = buildView(artifact, "full");
  const { overall } = view;
  const seeds = [...new Set(view.scenarios.map((s) => s.load.seed))];
  return htmlPage({
    title: `tensile ${overall.grade} (${overall.verdict})`,
    style: PAGE_STYLE,
    script: SCRIPT,
    body: [
      banner(view),
      metadata(overall, seeds),
      `<h3>Scenarios</h3>`,
      scenarioTable(view.scenarios),
      ...view.scenarios.map((s, index) => {
        const m = artifact.scenarios[index].measurements;
        return scenarioSection(s, {
          index,
          histograms: { latency: m.histogram, service: m.service_histogram },
        });
      }),
    ],
  });
}
