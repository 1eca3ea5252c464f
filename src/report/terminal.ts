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
import { table } from "./_table.ts";
import {
  buildView,
  type Detail,
  type OverallView,
  overallView,
  type ScenarioView,
  scenarioView,
  type UserText,
} from "./_view.ts";

/** A terminal shows the brief view: a few samples, no more. */
const DETAIL: Detail = "brief";

/** How to render. */
export interface TerminalOptions {
  /** ANSI colors; pass false for NO_COLOR or a non-TTY. */
  color: boolean;
}

/** How a summary looks on one terminal: colors, and outside text escaped. */
interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  grade(grade: Grade, text: string): string;
  /** Text from outside the tool, escaped for the terminal. */
  user(text: UserText): string;
}

function paint(options: TerminalOptions): Paint {
  const { color } = options;
  const wrap = (code: string) => (text: string) =>
    color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const green = wrap("32"), yellow = wrap("33"), red = wrap("31");
  return {
    bold: wrap("1"),
    dim: wrap("2"),
    grade: (grade, text) =>
      grade.startsWith("A") || grade.startsWith("B")
        ? green(text)
        : grade === "F"
        ? red(text)
        : yellow(text),
    user: (text) => terminalText(text.raw, { unicode: true }),
  };
}

/** Renders one scenario's graded summary. */
export function renderScenario(
  result: ScenarioResult,
  options: TerminalOptions,
): string {
  return scenarioLines(scenarioView(result, DETAIL), paint(options))
    .join("\n");
}

function scenarioLines(view: ScenarioView, p: Paint): string[] {
  const lines: string[] = [];
  const shape = formatShape({
    ...view.load,
    executor: p.user(view.load.executor),
  });
  lines.push(
    p.bold(`━━ ${p.user(view.name)}`) +
      p.dim(`  ${p.user(view.target)} · ${shape} · ${view.profile}`),
  );
  if (view.description) lines.push(p.dim(`   ${p.user(view.description)}`));
  const status = view.status === "passed" ? "" : `  (${view.status})`;
  const { totals } = view;
  lines.push(
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
    lines.push(`   ${p.grade("F", `error: ${p.user(view.error)}`)}`);
  }
  if (view.thresholds.length > 0) {
    lines.push("");
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
    lines.push(...table(rows, [2]).map((line) => `   ${line}`));
  }
  const m = view.measured;
  if (m) {
    lines.push("");
    const rows = [
      ["latency", ...LATENCY_COLUMNS],
      ...m.latency.map((row) => [
        row.op ? p.user(row.op) : "all",
        ...latencyCells(row),
      ]),
    ];
    lines.push(
      ...table(rows, [1, 2, 3, 4, 5, 6, 7, 8]).map((line) => `   ${line}`),
      "",
      `   outcomes  ${formatOutcomes(m.outcomes, m.total)}`,
      `   memory    ${formatMemory(m.memory)}`,
    );
    if (m.counters) {
      const counters = m.counters.map((c) => ({ ...c, name: p.user(c.name) }));
      lines.push(`   counters  ${formatCounters(counters)}`);
    }
  }
  for (const invariant of view.invariants) {
    lines.push(
      `   ${invariant.ok ? "✅" : "❌"} invariant ${p.user(invariant.name)}: ${
        p.user(invariant.detail)
      }`,
    );
  }
  for (const sample of view.errorSamples) {
    lines.push(
      p.dim(
        `   ${sample.outcome} ×${formatCount(sample.count)} in ${
          p.user(sample.op)
        }: ${p.user(sample.message)}`,
      ),
    );
  }
  for (const reason of view.reasons) lines.push(`   why: ${p.user(reason)}`);
  for (const note of view.notes) lines.push(`   note: ${p.user(note)}`);
  for (const advice of view.recommendations) {
    lines.push(`   → ${p.user(advice)}`);
  }
  return lines;
}

/** Renders the whole run: every scenario, then the overall grade. */
export function renderSummary(
  artifact: Artifact,
  options: TerminalOptions,
): string {
  const p = paint(options);
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
  return overallText(overallView(artifact), paint(options));
}

function overallText(view: OverallView, p: Paint): string {
  const tally = view.tally
    .map(({ status, count }) =>
      `${count} ${status}${status === "error" && count !== 1 ? "s" : ""}`
    )
    .join(", ");
  const lines = [
    p.bold("══ Overall ") +
    p.grade(view.grade, p.bold(`Grade ${view.grade}  ${view.verdict}`)) +
    `  ${view.scenarios} scenario${
      view.scenarios === 1 ? "" : "s"
    }: ${tally} · profile ${view.profile}`,
  ];
  if (view.decidedBy) {
    lines.push(
      p.dim(`   decided by: ${view.decidedBy.map(p.user).join(", ")}`),
    );
  }
  if (view.incomplete) lines.push(p.bold(`   ${view.incomplete}`));
  return lines.join("\n") + "\n";
}

/** One status line for a running scenario (TTY only; no newline). */
export function renderProgress(
  name: string,
  progress: {
    done: number;
    planned?: number;
    throughput: number;
    p99: number;
    eta_ms?: number;
  },
): string {
  const done = progress.planned
    ? `${formatCount(progress.done)}/${formatCount(progress.planned)} (${
      Math.min(100, (progress.done / progress.planned) * 100).toFixed(0)
    }%)`
    : formatCount(progress.done);
  const eta = progress.eta_ms === undefined
    ? ""
    : ` · ETA ${formatSeconds(progress.eta_ms / 1000)}`;
  return `▶ ${terminalText(name, { unicode: true })}  ${done} · ${
    formatRate(progress.throughput)
  } · p99 ${formatMs(progress.p99)}${eta}`;
}
