/**
 * The graded terminal summary. A printer returns a string; the CLI writes it.
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
import { table } from "./_table.ts";

/** How to render. */
export interface TerminalOptions {
  /** ANSI colors; pass false for NO_COLOR or a non-TTY. */
  color: boolean;
}

interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  grade(grade: Grade, text: string): string;
}

function paint(color: boolean): Paint {
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
  };
}

/** Renders one scenario's graded summary. */
export function renderScenario(
  result: ScenarioResult,
  options: TerminalOptions,
): string {
  const p = paint(options.color);
  const m = result.measurements;
  const load = result.load;
  const lines: string[] = [];
  const shape = formatShape(load);
  lines.push(
    p.bold(`━━ ${result.name}`) +
      p.dim(`  ${result.target} · ${shape} · ${result.profile}`),
  );
  if (result.description) lines.push(p.dim(`   ${result.description}`));
  const status = result.status === "passed" ? "" : `  (${result.status})`;
  lines.push(
    `   ${p.grade(result.grade, p.bold(`Grade ${result.grade}`))}  ${
      p.grade(result.grade, result.verdict)
    }${status}  ${
      p.dim(
        `${formatCount(m.total)} ops in ${formatSeconds(m.duration_s)} · ${
          formatRate(m.throughput)
        }`,
      )
    }`,
  );
  if (result.error) lines.push(`   ${p.grade("F", `error: ${result.error}`)}`);
  if (result.thresholds.length > 0) {
    lines.push("");
    const rows = [[
      "",
      "SLO",
      "actual",
      "target (optimal · warning · critical)",
      "level",
    ]];
    for (const t of result.thresholds) {
      rows.push([
        levelIcon(t.level),
        t.metric,
        formatActual(t),
        targetOf(t),
        t.level,
      ]);
    }
    lines.push(...table(rows, [2]).map((line) => `   ${line}`));
  }
  if (m.total > 0) {
    lines.push("");
    const rows = [["latency", ...LATENCY_COLUMNS], ["all", ...latencyCells(m)]];
    const ops = Object.entries(m.ops);
    if (ops.length > 1) {
      for (const [name, op] of ops) rows.push([name, ...latencyCells(op)]);
    }
    lines.push(
      ...table(rows, [1, 2, 3, 4, 5, 6, 7, 8]).map((line) => `   ${line}`),
      "",
      `   outcomes  ${formatOutcomes(m.outcomes, m.total)}`,
      `   memory    ${formatMemory(m.memory)}`,
    );
    const counters = formatCounters(m.counters);
    if (counters) lines.push(`   counters  ${counters}`);
  }
  for (const invariant of result.invariants) {
    lines.push(
      `   ${
        invariant.ok ? "✅" : "❌"
      } invariant ${invariant.name}: ${invariant.detail}`,
    );
  }
  for (const sample of m.error_samples.slice(0, 3)) {
    lines.push(
      p.dim(
        `   ${sample.outcome} ×${
          formatCount(sample.count)
        } in ${sample.op}: ${sample.message}`,
      ),
    );
  }
  for (const reason of result.reasons) lines.push(`   why: ${reason}`);
  for (const note of result.notes) lines.push(`   note: ${note}`);
  for (const advice of result.recommendations) lines.push(`   → ${advice}`);
  return lines.join("\n");
}

/** Renders the whole run: every scenario, then the overall grade. */
export function renderSummary(
  artifact: Artifact,
  options: TerminalOptions,
): string {
  return [
    ...artifact.scenarios.map((s) => renderScenario(s, options)),
    renderOverall(artifact, options),
  ].join("\n\n");
}

/** The overall grade of a run, the tally, and which scenarios decided it. */
export function renderOverall(
  artifact: Artifact,
  options: TerminalOptions,
): string {
  const p = paint(options.color);
  const count = (status: string) =>
    artifact.scenarios.filter((s) => s.status === status).length;
  const tally = [
    `${count("passed")} passed`,
    `${count("failed")} failed`,
    ...(count("interrupted") ? [`${count("interrupted")} interrupted`] : []),
    ...(count("error")
      ? [`${count("error")} error${count("error") === 1 ? "" : "s"}`]
      : []),
  ].join(", ");
  const lines = [
    p.bold("══ Overall ") +
    p.grade(
      artifact.grade,
      p.bold(`Grade ${artifact.grade}  ${artifact.verdict}`),
    ) +
    `  ${artifact.scenarios.length} scenario${
      artifact.scenarios.length === 1 ? "" : "s"
    }: ${tally} · profile ${artifact.profile}`,
  ];
  const worst = artifact.scenarios.filter((s) => s.grade === artifact.grade);
  if (artifact.scenarios.length > 1 && artifact.grade !== "A+") {
    lines.push(p.dim(`   decided by: ${worst.map((s) => s.name).join(", ")}`));
  }
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
  return `▶ ${name}  ${done} · ${formatRate(progress.throughput)} · p99 ${
    formatMs(progress.p99)
  }${eta}`;
}
