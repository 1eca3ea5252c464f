/**
 * A Markdown report made from the artifact alone, for pull requests, job
 * summaries and the `report.md` next to `result.json`.
 * @module
 */
import type { Artifact, ScenarioResult } from "../artifact/mod.ts";
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
} from "./format.ts";

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

function scenarioSection(result: ScenarioResult): string {
  const m = result.measurements;
  const lines = [
    `## ${result.name}: ${result.grade} (${result.verdict})`,
    "",
  ];
  if (result.description) lines.push(result.description, "");
  lines.push(
    `Target \`${result.target}\` · ${formatShape(result.load)} · ${
      formatCount(m.total)
    } ops in ${formatSeconds(m.duration_s)} (${
      formatRate(m.throughput)
    }) · status **${result.status}**`,
    "",
  );
  if (result.error) lines.push(`> **Error:** ${result.error}`, "");
  if (result.thresholds.length > 0) {
    lines.push(
      row(["", "SLO", "actual", "optimal", "warning", "critical", "level"]),
      row(["---", "---", "---:", "---", "---", "---", "---"]),
    );
    for (const t of result.thresholds) {
      lines.push(row([
        levelIcon(t.level),
        `\`${t.metric}\``,
        formatActual(t),
        t.optimal,
        t.warning,
        t.critical,
        t.level,
      ]));
    }
    lines.push("");
  }
  if (m.total > 0) {
    lines.push(
      row(["latency", ...LATENCY_COLUMNS]),
      row(["---", ...LATENCY_COLUMNS.map(() => "---:")]),
      row(["all", ...latencyCells(m)]),
    );
    if (Object.keys(m.ops).length > 1) {
      for (const [name, op] of Object.entries(m.ops)) {
        lines.push(row([name, ...latencyCells(op)]));
      }
    }
    lines.push(
      "",
      `**Outcomes:** ${formatOutcomes(m.outcomes, m.total)}`,
      "",
      `**Memory:** ${formatMemory(m.memory)}`,
      "",
    );
    const counters = formatCounters(m.counters);
    if (counters) lines.push(`**Counters:** ${counters}`, "");
  }
  if (result.invariants.length > 0) {
    lines.push("**Invariants:**", "");
    for (const inv of result.invariants) {
      lines.push(`- ${inv.ok ? "✅" : "❌"} \`${inv.name}\`: ${inv.detail}`);
    }
    lines.push("");
  }
  const why = [
    ...result.reasons,
    ...result.notes,
    ...m.error_samples.slice(0, 5).map((s) =>
      `${s.outcome} ×${s.count} in \`${s.op}\`: ${s.message}`
    ),
  ];
  if (why.length > 0) {
    lines.push("**Why:**", "", ...why.map((r) => `- ${r}`), "");
  }
  if (result.recommendations.length > 0) {
    lines.push(
      "**Recommendations:**",
      "",
      ...result.recommendations.map((r) => `- ${r}`),
      "",
    );
  }
  return lines.join("\n");
}

/** Renders the whole artifact as Markdown. */
export function renderMarkdown(artifact: Artifact): string {
  const lines = [
    `# tensile: ${artifact.grade} (${artifact.verdict})`,
    "",
    `Profile \`${artifact.profile}\` · ${artifact.started_at} · tensile ${artifact.tool.version} · Deno ${artifact.runtime.deno} · ${artifact.system.os}/${artifact.system.arch}, ${artifact.system.cpus} CPUs`,
    "",
    row(["scenario", "grade", "verdict", "status", "ops", "throughput", "p99"]),
    row(["---", "---", "---", "---", "---:", "---:", "---:"]),
    ...artifact.scenarios.map((s) =>
      row([
        s.name,
        s.grade,
        s.verdict,
        s.status,
        formatCount(s.measurements.total),
        formatRate(s.measurements.throughput),
        formatMs(s.measurements.latency.p99),
      ])
    ),
    "",
    ...artifact.scenarios.map(scenarioSection),
  ];
  return lines.join("\n").trimEnd() + "\n";
}
