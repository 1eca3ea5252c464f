/**
 * Hand-made SVG charts for the HTML report: a line chart (linear or log
 * scale, numeric or category x axis) and a stacked bar. They are strings
 * drawn at render time, so the page needs no script, no library and no
 * network to show them, and the data they carry is only what is drawn.
 *
 * Every chart is an `<svg class="chart">` whose data is in `<path>` elements
 * (lines, dots and bars alike), which the browser test checks are drawn.
 * Labels passed in must already be escaped for HTML: the charts only place
 * them.
 * @module
 */

/** One line of a chart: its legend label (HTML-escaped) and its points. */
export interface Series {
  /** The legend label, already escaped for HTML. */
  label: string;
  /** `[x, y]` pairs, x ascending. */
  points: readonly (readonly [number, number])[];
}

/** The y axis of a line chart. */
export interface YAxis {
  /** Log (base 10) scale, for latencies spanning decades. */
  log?: boolean;
  /** Counts: ticks are whole numbers (linear scale only). */
  integer?: boolean;
  /** How a tick's value reads (already safe HTML). */
  format(value: number): string;
}

/** A line chart's x axis: seconds (or any number), or named categories. */
export type XAxis =
  | { kind: "linear"; format(value: number): string }
  | { kind: "category"; labels: readonly string[] };

/** What {@link lineChart} draws. */
export interface LineChartOptions {
  /** What the chart shows, written at its top (already escaped). */
  title: string;
  /** One line per series, drawn in order (colors `s0`, `s1`, …). */
  series: readonly Series[];
  /** The x axis. */
  x: XAxis;
  /** The y axis. */
  y: YAxis;
}

const WIDTH = 360;
const HEIGHT = 170;
const LEFT = 58;
const RIGHT = 18;
const TOP = 32;
const BOTTOM = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

/** A coordinate, short: whole units are pixels at the chart's own size. */
function n(value: number): string {
  return String(Math.round(value));
}

/** The most points a line keeps; longer series keep each bucket's extremes. */
const MAX_POINTS = 120;

/**
 * At most {@link MAX_POINTS} points: a longer series is cut into buckets
 * and each keeps its lowest and highest point, in order, so a spike still
 * shows while the page stays small however long the run.
 */
export function thin(
  points: readonly (readonly [number, number])[],
): (readonly [number, number])[] {
  if (points.length <= MAX_POINTS) return [...points];
  const buckets = MAX_POINTS / 2;
  const kept: (readonly [number, number])[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * points.length) / buckets);
    const to = Math.floor(((b + 1) * points.length) / buckets);
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (points[i][1] < points[lo][1]) lo = i;
      if (points[i][1] > points[hi][1]) hi = i;
    }
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      kept.push(points[i]);
    }
  }
  return kept;
}

/** About `count` round tick values from 0 (or `min`) up past `max`. */
function linearTicks(
  min: number,
  max: number,
  integer = false,
  count = 3,
): number[] {
  if (!(max > min)) max = min + (min === 0 ? 1 : Math.abs(min));
  const raw = Math.max((max - min) / count, integer ? 1 : 0);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power)
    .find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v < max + step * 0.999; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/**
 * The largest value a linear axis spans: its ticks (a step past it) stay
 * finite. Only a hand-edited artifact holds more; its points sit at the edge.
 */
const LARGEST = 1e300;

/** `v` within `lo`..`hi`. */
function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * Powers of ten covering `min`..`max` (both positive): every decade, or
 * every second or third one when there are many, so labels do not overlap.
 */
function logTicks(min: number, max: number): number[] {
  // Decades kept within ±300, where 10^e is finite and not 0.
  const lo = clamp(Math.floor(Math.log10(min)), -300, 299);
  let hi = clamp(Math.ceil(Math.log10(max)), lo + 1, 300);
  const step = Math.ceil(Math.max(1, hi - lo) / 5);
  hi = lo + Math.ceil(Math.max(1, hi - lo) / step) * step;
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += step) ticks.push(10 ** e);
  return ticks;
}

/** The chart's frame: the svg element, its title and the legend. */
function frame(title: string, body: string[], legend: string[]): string {
  const keys = legend.length > 1
    ? legend.map((label, i) => {
      const x = LEFT + i * 150;
      return `<path class="key s${i}" d="M${x} 22h14"/>` +
        `<text x="${x + 18}" y="25">${label}</text>`;
    })
    : [];
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img"><text class="ct" x="6" y="12">${title}</text>${
    [...keys, ...body].join("")
  }</svg>`;
}

/**
 * A line chart of one or more series. Dots
 * mark its points (the spectrum, or a line of one or two intervals).
 */
export function lineChart(options: LineChartOptions): string {
  const { series, x, y } = options;
  const all = series.flatMap((s) => s.points);
  const ys = all.map(([, v]) => v);
  const positive = ys.filter((v) => v > 0);
  let yTicks: number[];
  let yPos: (v: number) => number;
  if (y.log) {
    const lo = positive.length > 0 ? Math.min(...positive) : 0.001;
    const hi = positive.length > 0 ? Math.max(...positive) : 1;
    yTicks = logTicks(lo, hi);
    const a = Math.log10(yTicks[0]);
    const b = Math.log10(yTicks.at(-1)!);
    yPos = (v) =>
      TOP + PLOT_H -
      ((Math.log10(clamp(v, yTicks[0], yTicks.at(-1)!)) - a) / (b - a)) *
        PLOT_H;
  } else {
    yTicks = linearTicks(
      0,
      Math.min(Math.max(0, ...ys), LARGEST),
      y.integer,
      2,
    );
    const top = yTicks.at(-1)!;
    yPos = (v) => TOP + PLOT_H - (clamp(v, 0, top) / top) * PLOT_H;
  }
  let xPos: (v: number) => number;
  let xTicks: [number, string][];
  if (x.kind === "category") {
    const step = PLOT_W / Math.max(1, x.labels.length - 1);
    xPos = (i) => LEFT + i * step;
    xTicks = x.labels.map((label, i) => [xPos(i), label]);
  } else {
    const ticks = linearTicks(
      0,
      Math.min(Math.max(0, ...all.map(([t]) => t)), LARGEST),
    );
    const right = ticks.at(-1)!;
    xPos = (v) => LEFT + (clamp(v, 0, right) / right) * PLOT_W;
    xTicks = ticks.map((tick) => [xPos(tick), x.format(tick)]);
  }
  const grid = yTicks.map((tick) => `M${LEFT} ${n(yPos(tick))}h${PLOT_W}`)
    .join("");
  // Tick labels share a class and a line, so each is only its position.
  const body = [
    `<path class="grid" d="${grid}"/>`,
    `<g class="xt" transform="translate(0 ${HEIGHT - 8})">${
      xTicks.map(([px, label]) => `<text x="${n(px)}">${label}</text>`)
        .join("")
    }</g>`,
    `<g class="yt" transform="translate(${LEFT - 4} 3)">${
      yTicks.map((tick) =>
        `<text y="${n(yPos(tick))}">${y.format(tick)}</text>`
      ).join("")
    }</g>`,
  ];
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const at = thin(s.points).map(([px, py]) => [xPos(px), yPos(py)] as const);
    const line = at.map(([px, py], j) =>
      `${j === 0 ? "M" : "L"}${n(px)} ${n(py)}`
    )
      .join("");
    if (at.length > 1) body.push(`<path class="line s${i}" d="${line}"/>`);
    // Dots mark the spectrum's percentiles, or a line too short to show.
    if (x.kind === "category" || at.length < 3) {
      const dots = at.map(([px, py]) => `M${n(px)} ${n(py)}h0`).join("");
      body.push(`<path class="dot s${i}" d="${dots}"/>`);
    }
  });
  return frame(options.title, body, series.map((s) => s.label));
}

/** One part of a stacked bar. */
export interface BarPart {
  /** The part's label, already escaped for HTML. */
  label: string;
  /** Its size; parts of 0 are not drawn. */
  value: number;
  /** A CSS class for its color. */
  cls: string;
}

/**
 * One horizontal bar split into parts by share (outcomes by class). Every
 * part drawn is at least a pixel wide, so a rare failure still shows.
 */
export function stackedBar(title: string, parts: readonly BarPart[]): string {
  const width = 560;
  const height = 28;
  const total = parts.reduce((sum, p) => sum + p.value, 0);
  const shown = parts.filter((p) => p.value > 0);
  const body: string[] = [];
  let x = 0;
  for (const part of shown) {
    const w = total > 0 ? Math.max(1, (part.value / total) * width) : 0;
    body.push(
      `<path class="bar ${part.cls}" d="M${n(x)} 0h${n(w)}v${height}h${
        n(-w)
      }Z"><title>${part.label}</title></path>`,
    );
    x += w;
  }
  if (body.length === 0) {
    body.push(
      `<path class="bar none" d="M0 0h${width}v${height}h-${width}Z"/>`,
    );
  }
  return `<svg class="chart bar" viewBox="0 0 ${
    n(Math.max(x, width))
  } ${height}" preserveAspectRatio="none" role="img"><title>${title}</title>${
    body.join("")
  }</svg>`;
}
