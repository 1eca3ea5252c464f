/**
 * The compare document as one self-contained HTML page: the settings and the
 * tally, then per scenario a forest plot (each metric's HEAD/BASE ratio with
 * its confidence interval against the ±noise band) and a table per op. The
 * page shares the run report's shell ({@link htmlPage}: CSP by hash, no
 * request of any kind) and has no script. Every string is escaped, ours too,
 * so none can open a tag.
 * @module
 */
import type { Change, Compare } from "../artifact/mod.ts";
import { htmlText } from "./_escape.ts";
import { headRow, htmlPage, PAGE_STYLE } from "./_page.ts";
import { type CompareRow, compareView, unmatchedLines } from "./compare.ts";

/** A verdict's CSS class: its color, never its only sign (the label says it). */
const VERDICT_CLASS = {
  regression: "v-regression",
  improvement: "v-improvement",
  "within noise": "v-noise",
  unknown: "v-unknown",
} as const satisfies Record<Change, string>;

const STYLE = `${PAGE_STYLE}
.v-regression{color:#cf222e;font-weight:600}.v-improvement{color:#1a7f37;font-weight:600}.v-unknown{color:#9a6700;font-weight:600}.v-noise{color:var(--muted)}
.tally .badge.v-regression{background:#cf222e}.tally .badge.v-improvement{background:#1a7f37}.tally .badge.v-unknown{background:#9a6700}.tally .badge.v-noise{background:#59636e}.tally .badge{color:#fff;margin-right:6px}
.cmp td:nth-child(n+2):nth-child(-n+4){text-align:right;font-variant-numeric:tabular-nums}
.chart.forest{width:640px;height:auto}.forest .band{fill:#eaeef2}.forest .one{stroke:#8c959f;fill:none}
.forest .ci{stroke:currentColor;stroke-width:2;fill:none}.forest .dot{stroke:currentColor}.forest .fr{fill:currentColor}.forest .fl{text-anchor:end}
`;

const W = 640;
const LABEL = 226;
const PLOT_END = W - 64;
const TOP = 22;
const ROW = 16;

/** Ratios a tick may sit at, as changes they read: -50%, 0%, +10%. */
const TICKS = [
  0.05,
  0.1,
  0.2,
  0.5,
  0.8,
  0.9,
  0.95,
  1,
  1.05,
  1.1,
  1.25,
  1.5,
  2,
  5,
  10,
  20,
];

const tickLabel = (r: number) =>
  `${r > 1 ? "+" : ""}${Number(((r - 1) * 100).toPrecision(3))}%`;

/** A coordinate, in whole pixels. */
const px = (v: number) => String(Math.round(v));

/** Raw names may be long: the chart keeps the start, the table has them all. */
function clip(text: string, max = 34): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One row of the forest plot: its label and what the document measured. */
interface ForestRow {
  label: string;
  ratio: number | null;
  /** A bound of null is unbounded that way: drawn to the scale's edge. */
  ci: { low: number | null; high: number | null } | null;
  change: Change;
  effect: string;
}

/**
 * A forest plot: one line per metric, its ratio a dot and its interval a
 * bar, on a log scale around 1, over the shaded band of changes smaller than
 * the minimum effect. Ratios past the scale (or 0) sit at its edge; the
 * change written at the right is the true one.
 */
function forestPlot(rows: ForestRow[], noise: number, ci: string): string {
  const band = [Math.max(1 - noise, 0.01), 1 + noise];
  // The scale spans the band and every ratio; an interval reaches past
  // them by at most 3× each way, and a longer one is drawn to the edge.
  const values = [...band, 1];
  for (const r of rows) {
    if (r.ratio !== null && r.ratio > 0) values.push(r.ratio);
    const bounds = r.ci ? [r.ci.low, r.ci.high] : [];
    for (const v of bounds) {
      if (v !== null && v > 0) values.push(Math.min(3, Math.max(1 / 3, v)));
    }
  }
  const clamp = (v: number) => Math.min(20, Math.max(0.05, v));
  let lo = Math.log(clamp(Math.min(...values)));
  let hi = Math.log(clamp(Math.max(...values)));
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const x = (r: number) =>
    LABEL +
    ((Math.min(hi, Math.max(lo, Math.log(Math.max(r, 1e-9)))) - lo) /
        (hi - lo)) * (PLOT_END - LABEL);
  const height = TOP + rows.length * ROW + 20;
  const bottom = TOP + rows.length * ROW;
  // Ticks outward from 1, each at least a label's width from the last.
  const inside = TICKS.filter((t) => Math.log(t) >= lo && Math.log(t) <= hi);
  const ticks = [1];
  for (
    const side of [
      inside.filter((t) => t > 1),
      inside.filter((t) => t < 1).reverse(),
    ]
  ) {
    let last = x(1);
    for (const t of side) {
      if (Math.abs(x(t) - last) < 44) continue;
      ticks.push(t);
      last = x(t);
    }
  }
  const body = [
    `<text class="ct" x="6" y="12">HEAD/BASE with its ${ci} (log scale); shaded: within ±${
      Number((noise * 100).toPrecision(3))
    }%</text>`,
    `<path class="band" d="M${px(x(band[0]))} ${TOP}H${
      px(x(band[1]))
    }V${bottom}H${px(x(band[0]))}Z"/>`,
    `<path class="grid" d="${
      ticks.map((t) => `M${px(x(t))} ${TOP}V${bottom}`).join("")
    }"/>`,
    `<path class="one" d="M${px(x(1))} ${TOP - 2}V${bottom + 2}"/>`,
    `<g class="xt" transform="translate(0 ${height - 6})">${
      ticks.sort((a, b) => a - b).map((t) =>
        `<text x="${px(x(t))}">${tickLabel(t)}</text>`
      ).join("")
    }</g>`,
  ];
  rows.forEach((r, i) => {
    const y = px(TOP + i * ROW + ROW / 2);
    const marks = [];
    if (r.ci) {
      marks.push(
        `<path class="ci" d="M${px(x(r.ci.low ?? 0))} ${y}H${
          px(x(r.ci.high ?? Infinity))
        }"/>`,
      );
    }
    if (r.ratio !== null) {
      marks.push(`<path class="dot" d="M${px(x(r.ratio))} ${y}h0"/>`);
    }
    body.push(
      `<g class="${VERDICT_CLASS[r.change]}"><title>${
        htmlText(`${r.label}: ${r.effect}, ${r.change}`)
      }</title><text class="fl" x="${LABEL - 6}" y="${
        px(TOP + i * ROW + ROW / 2 + 3)
      }">${htmlText(clip(r.label))}</text>${
        marks.join("")
      }<text class="fr" x="${PLOT_END + 6}" y="${
        px(TOP + i * ROW + ROW / 2 + 3)
      }">${htmlText(r.effect)}</text></g>`,
    );
  });
  return `<svg class="chart forest" viewBox="0 0 ${W} ${height}" role="img">${
    body.join("")
  }</svg>`;
}

/** The rows of one op, in order: a view's rows are grouped by op already. */
function byOp(rows: CompareRow[]): CompareRow[][] {
  const groups: CompareRow[][] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && last[0].op === row.op) last.push(row);
    else groups.push([row]);
  }
  return groups;
}

function opTable(rows: CompareRow[], ci: string): string {
  const body = rows.map((r) =>
    `<tr><td><code>${htmlText(r.metric)}</code>${
      [r.base, r.head, r.effect, r.ci, r.test].map((c) => `<td>${htmlText(c)}`)
        .join("")
    }<td class="${VERDICT_CLASS[r.change]}">${htmlText(r.change)}`
  );
  return `<h3>${htmlText(rows[0].op)}</h3><table class="cmp"><thead>${
    headRow(["metric", "BASE", "HEAD", "change", ci, "test", "verdict"])
  }</thead><tbody>${body.join("")}</tbody></table>`;
}

function list(items: string[]): string {
  return items.length === 0
    ? ""
    : `<ul class="notes">${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}

/** The compare document as one self-contained HTML page. */
export function renderCompareHtml(compare: Compare): string {
  const view = compareView(compare);
  const ci = `${Math.round((1 - compare.settings.alpha) * 1000) / 10}% CI`;
  const tests = new Map<string, number>();
  for (const s of compare.scenarios) {
    for (const op of s.ops) {
      for (const m of op.metrics) {
        tests.set(m.test, (tests.get(m.test) ?? 0) + 1);
      }
    }
  }
  const tally = (
    [
      ["regression", "regressions"],
      ["improvement", "improvements"],
      ["within noise", "within noise"],
      ["unknown", "unknown"],
    ] as const
  ).map(([change, many]) => {
    const n = compare.summary[change];
    return `<span class="badge ${VERDICT_CLASS[change]}">${n} ${
      n === 1 ? change : many
    }</span>`;
  });
  const files = (side: string[]) =>
    side.map((f) => `<code>${htmlText(f)}</code>`).join(", ");
  const header = [
    `<h1>tensile compare: ${htmlText(view.title)}</h1>`,
    `<p class="tally">${tally.join("")}</p>`,
    `<dl class="settings"><dt>BASE</dt><dd>${
      files(view.files.base)
    }</dd><dt>HEAD</dt><dd>${
      files(view.files.head)
    }</dd><dt>tests used</dt><dd>${
      tests.size === 0 ? "none" : htmlText(
        [...tests].map(([test, n]) =>
          `${test} (${n} metric${n === 1 ? "" : "s"})`
        ).join(", "),
      )
    }</dd><dt>settings</dt><dd>${htmlText(view.settings)}</dd></dl>`,
  ];
  const scenarios = view.scenarios.map((s, i) => {
    const doc = compare.scenarios[i];
    // The view's rows are the document's metrics, op by op, in order.
    const metrics = doc.ops.flatMap((op) => op.metrics);
    const forest = s.rows.map((r, j): ForestRow => ({
      label: doc.ops.length > 1 ? `${r.op} ${r.metric}` : r.metric,
      ratio: metrics[j].ratio,
      ci: metrics[j].ci,
      change: r.change,
      effect: r.effect,
    }));
    return [
      `<section class="scenario" id="s${i + 1}">`,
      `<h2>${htmlText(s.name)} <span class="muted">${
        htmlText(s.facts)
      }</span></h2>`,
      `<figure>${forestPlot(forest, compare.settings.noise, ci)}</figure>`,
      ...byOp(s.rows).map((rows) => opTable(rows, ci)),
      list([
        ...s.notes.map(htmlText),
        ...unmatchedLines(s.unmatched, "op", htmlText),
      ]),
      `</section>`,
    ].join("");
  });
  const unmatched = unmatchedLines(view.unmatched, "scenario", htmlText);
  return htmlPage({
    title: htmlText(`tensile compare: ${view.summary}`),
    style: STYLE,
    body: [
      ...header,
      ...(view.scenarios.length === 0
        ? [`<p class="meta">No scenario on both sides.</p>`]
        : scenarios),
      unmatched.length === 0 ? "" : `<h2>Not compared</h2>${list(unmatched)}`,
    ],
  });
}
