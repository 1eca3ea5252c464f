/**
 * The graded terminal summary, laid out from the shared view. A printer
 * returns a string; the CLI writes it. Strings from outside the tool go
 * through {@link terminalText}, so the only codes that reach the terminal
 * are the tool's own colors.
 * @module
 */
import type { Artifact, Grade, ScenarioResult } from "../artifact/mod.ts";
import {
  formatActual,
  formatArrivals,
  formatCount,
  formatCounters,
  formatMemory,
  formatMs,
  formatOutcomes,
  formatRate,
  formatSeconds,
  formatShape,
  LATENCY_COLUMNS,
  latencyCells,
  levelIcon,
  targetOf,
} from "./format.ts";
import { terminalText } from "./_escape.ts";
import {
  layoutTable,
  stripColor,
  type TableLayout,
  truncate,
  wrap,
} from "./_layout.ts";
import {
  buildView,
  type Detail,
  type OverallView,
  overallView,
  type ScenarioView,
  scenarioView,
  UserText,
} from "./_view.ts";

/** A terminal shows the brief view: a few samples, no more. */
const DETAIL: Detail = "brief";

/** How to render for one terminal. */
export interface TerminalOptions {
  /** ANSI colors; pass false for NO_COLOR, TERM=dumb or a non-TTY. */
  color: boolean;
  /**
   * Box drawing, emoji, `→` and `µs`; false for a C/POSIX or non-UTF-8
   * locale, which gets ASCII (`==`, `->`, `OK`/`WARN`/`FAIL`, `us`), text
   * from outside the tool escaped to ASCII too. Default true.
   */
  unicode?: boolean;
  /**
   * The terminal's width: no line is wider (prose wraps, tables leave out
   * columns and cut cells). Default: no limit (a pipe or a file).
   */
  columns?: number;
}

/** The tool's glyphs in ASCII, for a terminal that shows nothing more. */
const ASCII_GLYPHS: Readonly<Record<string, string>> = {
  "━": "=",
  "═": "=",
  "▶": ">",
  "→": "->",
  "✅": "OK",
  "⚠️": "WARN",
  "⚠": "WARN",
  "❌": "FAIL",
  "µ": "u",
  "·": "|",
  "×": "x",
  "…": "...",
};

/** A glyph of the tool's, or any other character outside ASCII. */
const GLYPH = /\u26a0\ufe0f|[\u0080-\u{10ffff}]/gu;

/** How a summary looks on one terminal. */
interface Style {
  bold(text: string): string;
  dim(text: string): string;
  grade(grade: Grade, text: string): string;
  /** Text from outside the tool, escaped for the terminal. */
  user(text: UserText): string;
  /** The tool's text in the terminal's characters (ASCII glyphs without unicode). */
  glyphs(text: string): string;
  /** The width no line may pass, if any. */
  columns?: number;
  /** What marks a cut: `…` or `...`. */
  ellipsis: string;
}

function style(options: TerminalOptions): Style {
  const { color, unicode = true } = options;
  const sgr = (code: string) => (text: string) =>
    color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const green = sgr("32"), yellow = sgr("33"), red = sgr("31");
  const glyphs = unicode
    ? (text: string) => text
    : (text: string) =>
      text.replace(GLYPH, (glyph) => ASCII_GLYPHS[glyph] ?? "?");
  const columns = options.columns !== undefined && options.columns >= 1
    ? Math.floor(options.columns)
    : undefined;
  return {
    bold: sgr("1"),
    dim: sgr("2"),
    grade: (grade, text) =>
      grade.startsWith("A") || grade.startsWith("B")
        ? green(text)
        : grade === "F"
        ? red(text)
        : yellow(text),
    user: (text) => terminalText(text.raw, { unicode }),
    glyphs,
    columns,
    ellipsis: glyphs("…"),
  };
}

/** Lines of a summary as they are added: in the terminal's glyphs, fitted. */
class Lines {
  readonly #style: Style;
  readonly lines: string[] = [];
  constructor(style: Style) {
    this.#style = style;
  }
  /** Adds lines of prose, each wrapped to the width with a hanging indent. */
  text(...lines: string[]): void {
    const { columns } = this.#style;
    for (const raw of lines) {
      const line = this.#style.glyphs(raw);
      if (columns === undefined) {
        this.lines.push(line);
        continue;
      }
      const shown = stripColor(line);
      const leading = shown.length - shown.trimStart().length;
      this.lines.push(...wrap(line, columns, Math.max(3, leading + 2)));
    }
  }
  /** Adds a table indented by three, fitted to the width. */
  table(rows: string[][], layout: TableLayout): void {
    const { columns, ellipsis } = this.#style;
    const lines = layoutTable(
      rows.map((row) => row.map((cell) => this.#style.glyphs(cell))),
      {
        ...layout,
        ellipsis,
        ...(columns === undefined ? {} : { columns: Math.max(1, columns - 3) }),
      },
    );
    for (const line of lines) {
      this.lines.push(
        columns === undefined
          ? `   ${line}`
          : truncate(`   ${line}`, columns, ellipsis),
      );
    }
  }
}

/** Renders one scenario's graded summary. */
export function renderScenario(
  result: ScenarioResult,
  options: TerminalOptions,
): string {
  return scenarioLines(scenarioView(result, DETAIL), style(options))
    .join("\n");
}

function scenarioLines(view: ScenarioView, p: Style): string[] {
  const out = new Lines(p);
  const shape = formatShape({
    ...view.load,
    executor: p.user(view.load.executor),
  });
  out.text(
    p.bold(`━━ ${p.user(view.name)}`) +
      p.dim(`  ${p.user(view.target)} · ${shape} · ${view.profile}`),
  );
  if (view.description) out.text(p.dim(`   ${p.user(view.description)}`));
  const status = view.status === "passed" ? "" : `  (${view.status})`;
  const { totals } = view;
  out.text(
    `   ${p.grade(view.grade, p.bold(`Grade ${view.grade}`))}  ${
      p.grade(view.grade, view.verdict)
    }${status}  ${
      p.dim(
        `${formatCount(totals.ops)} ops in ${formatSeconds(totals.seconds)} · ${
          formatRate(totals.throughput)
        }`,
      )
    }`,
  );
  if (view.error) {
    out.text(`   ${p.grade("F", `error: ${p.user(view.error)}`)}`);
  }
  if (view.thresholds.length > 0) {
    out.text("");
    const rows = [[
      "",
      "SLO",
      "actual",
      "target (optimal · warning · critical)",
      "level",
    ]];
    for (const t of view.thresholds) {
      rows.push([
        levelIcon(t.level),
        p.user(t.metric),
        formatActual(t),
        targetOf({
          optimal: p.user(t.optimal),
          warning: p.user(t.warning),
          critical: p.user(t.critical),
        }),
        t.level,
      ]);
    }
    // Narrow: the bounds go first, then the level (the icon says it).
    out.table(rows, { right: [2], drop: [3, 4], shrink: 1 });
  }
  const m = view.measured;
  if (m) {
    out.text("");
    const table = (title: string, latency: typeof m.latency) => {
      const rows = [
        [title, ...LATENCY_COLUMNS],
        ...latency.map((row) => [
          row.op ? p.user(row.op) : "all",
          ...latencyCells(row),
        ]),
      ];
      // Narrow: keep p50, p99 and max longest.
      out.table(rows, {
        right: [1, 2, 3, 4, 5, 6, 7, 8],
        drop: [4, 5, 7, 2, 1, 8],
        shrink: 0,
      });
    };
    // Open model: latency from the intended start, then service time.
    table(m.service ? "latency*" : "latency", m.latency);
    if (m.service) {
      out.text("");
      table("service", m.service);
      out.text(
        "",
        "   * latency counts from when each op was due (its intended start), service from when it started",
        `   arrivals  ${formatArrivals(m.arrivals!)}`,
      );
    }
    out.text(
      "",
      `   outcomes  ${formatOutcomes(m.outcomes, m.total)}`,
      `   memory    ${formatMemory(m.memory)}`,
    );
    if (m.counters) {
      const counters = m.counters.map((c) => ({ ...c, name: p.user(c.name) }));
      out.text(`   counters  ${formatCounters(counters)}`);
    }
  }
  for (const invariant of view.invariants) {
    out.text(
      `   ${invariant.ok ? "✅" : "❌"} invariant ${p.user(invariant.name)}: ${
        p.user(invariant.detail)
      }`,
    );
  }
  for (const sample of view.errorSamples) {
    out.text(
      p.dim(
        `   ${sample.outcome} ×${formatCount(sample.count)} in ${
          p.user(sample.op)
        }: ${p.user(sample.message)}`,
      ),
    );
  }
  for (const reason of view.reasons) out.text(`   why: ${p.user(reason)}`);
  for (const note of view.notes) out.text(`   note: ${p.user(note)}`);
  for (const advice of view.recommendations) {
    out.text(`   → ${p.user(advice)}`);
  }
  return out.lines;
}

/** Renders the whole run: every scenario, then the overall grade. */
export function renderSummary(
  artifact: Artifact,
  options: TerminalOptions,
): string {
  const p = style(options);
  const view = buildView(artifact, DETAIL);
  return [
    ...view.scenarios.map((s) => scenarioLines(s, p).join("\n")),
    overallText(view.overall, p),
  ].join("\n\n");
}

/** The overall grade of a run, the tally, and which scenarios decided it. */
export function renderOverall(
  artifact: Artifact,
  options: TerminalOptions,
): string {
  return overallText(overallView(artifact), style(options));
}

function overallText(view: OverallView, p: Style): string {
  const tally = view.tally
    .map(({ status, count }) =>
      `${count} ${status}${status === "error" && count !== 1 ? "s" : ""}`
    )
    .join(", ");
  const out = new Lines(p);
  out.text(
    p.bold("══ Overall ") +
      p.grade(view.grade, p.bold(`Grade ${view.grade}  ${view.verdict}`)) +
      `  ${view.scenarios} scenario${
        view.scenarios === 1 ? "" : "s"
      }: ${tally} · profile ${view.profile}`,
  );
  if (view.decidedBy) {
    out.text(p.dim(`   decided by: ${view.decidedBy.map(p.user).join(", ")}`));
  }
  if (view.incomplete) out.text(p.bold(`   ${view.incomplete}`));
  return out.lines.join("\n") + "\n";
}

/** A running scenario's progress, as the progress line shows it. */
export interface ProgressLine {
  /** The scenario's name. */
  name: string;
  /** Ops done so far. */
  done: number;
  /** Ops planned, when the executor knows. */
  planned?: number;
  /** Ops per second over the last interval. */
  throughput: number;
  /** p99 over the last interval, in ms. */
  p99: number;
  /** Time left, when it can be told. */
  eta_ms?: number;
}

/**
 * One status line for a running scenario, for a terminal that can redraw
 * it: no newline, cut to one column less than the width so it never wraps
 * (a wrapped line cannot be cleared with `\r`).
 */
export function renderProgress(
  progress: ProgressLine,
  options: Omit<TerminalOptions, "color">,
): string {
  const p = style({ ...options, color: false });
  const done = progress.planned
    ? `${formatCount(progress.done)}/${formatCount(progress.planned)} (${
      Math.min(100, (progress.done / progress.planned) * 100).toFixed(0)
    }%)`
    : formatCount(progress.done);
  const eta = progress.eta_ms === undefined
    ? ""
    : ` · ETA ${formatSeconds(progress.eta_ms / 1000)}`;
  const line = p.glyphs(
    `▶ ${p.user(new UserText(progress.name))}  ${done} · ${
      formatRate(progress.throughput)
    } · p99 ${formatMs(progress.p99)}${eta}`,
  );
  return p.columns === undefined
    ? line
    : truncate(line, Math.max(1, p.columns - 1), p.ellipsis);
}
