/**
 * A Markdown report made from the artifact alone, for pull requests, job
 * summaries and the `report.md` next to `result.json`, laid out from the
 * shared view at full detail.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
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
import { buildView, type ScenarioView } from "./_view.ts";

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

function scenarioSection(view: ScenarioView): string {
  const lines = [
    `## ${view.name}: ${view.grade} (${view.verdict})`,
    "",
  ];
  if (view.description) lines.push(view.description, "");
  const { totals } = view;
  lines.push(
    `Target \`${view.target}\` · ${formatShape(view.load)} · ${
      formatCount(totals.ops)
    } ops in ${formatSeconds(totals.seconds)} (${
      formatRate(totals.throughput)
    }) · status **${view.status}**`,
    "",
  );
  if (view.error) lines.push(`> **Error:** ${view.error}`, "");
  if (view.thresholds.length > 0) {
    lines.push(
      row(["", "SLO", "actual", "optimal", "warning", "critical", "level"]),
      row(["---", "---", "---:", "---", "---", "---", "---"]),
    );
    for (const t of view.thresholds) {
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
  const m = view.measured;
  if (m) {
    lines.push(
      row(["latency", ...LATENCY_COLUMNS]),
      row(["---", ...LATENCY_COLUMNS.map(() => "---:")]),
      ...m.latency.map((r) => row([r.label, ...latencyCells(r)])),
      "",
      `**Outcomes:** ${formatOutcomes(m.outcomes, m.total)}`,
      "",
      `**Memory:** ${formatMemory(m.memory)}`,
      "",
    );
    if (m.counters) {
      lines.push(`**Counters:** ${formatCounters(m.counters)}`, "");
    }
  }
  if (view.invariants.length > 0) {
    lines.push("**Invariants:**", "");
    for (const inv of view.invariants) {
      lines.push(`- ${inv.ok ? "✅" : "❌"} \`${inv.name}\`: ${inv.detail}`);
    }
    lines.push("");
  }
  const why = [
    ...view.reasons,
    ...view.notes,
    ...view.errorSamples.map((s) =>
      `${s.outcome} ×${s.count} in \`${s.op}\`: ${s.message}`
    ),
  ];
  if (why.length > 0) {
    lines.push("**Why:**", "", ...why.map((r) => `- ${r}`), "");
  }
  if (view.recommendations.length > 0) {
    lines.push(
      "**Recommendations:**",
      "",
      ...view.recommendations.map((r) => `- ${r}`),
      "",
    );
  }
  return lines.join("\n");
}

/** Renders the whole artifact as Markdown. */
export function renderMarkdown(artifact: Artifact): string {
  const view = buildView(artifact, "full");
  const { overall } = view;
  const { system } = overall;
  const lines = [
    `# tensile: ${overall.grade} (${overall.verdict})`,
    "",
    `Profile \`${overall.profile}\` · ${overall.startedAt} · tensile ${overall.version} · Deno ${overall.deno} · ${system.os}/${system.arch}, ${system.cpus} CPUs`,
    "",
    ...(overall.incomplete ? [`**${overall.incomplete}**`, ""] : []),
    row(["scenario", "grade", "verdict", "status", "ops", "throughput", "p99"]),
    row(["---", "---", "---", "---", "---:", "---:", "---:"]),
    ...view.scenarios.map((s) =>
      row([
        s.name,
        s.grade,
        s.verdict,
        s.status,
        formatCount(s.totals.ops),
        formatRate(s.totals.throughput),
        formatMs(s.totals.p99),
      ])
    ),
    "",
    ...view.scenarios.map(scenarioSection),
  ];
  return lines.join("\n").trimEnd() + "\n";
}
