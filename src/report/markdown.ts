/**
 * A Markdown report made from the artifact alone, for pull requests, job
 * summaries and the `report.md` next to `result.json`.
 * @module
 */
import type { Artifact, ScenarioResult } from "../grade/mod.ts";
import { OUTCOMES } from "../errors.ts";
import {
  formatActual,
  formatBytes,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatSeconds,
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
    `Target \`${result.target}\` · ${result.load.executor} · ${result.load.workers} workers × ${result.load.concurrency} tasks · ${
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
      row([
        "latency",
        "count",
        "mean",
        "p50",
        "p90",
        "p95",
        "p99",
        "p99.9",
        "max",
      ]),
      row([
        "---",
        "---:",
        "---:",
        "---:",
        "---:",
        "---:",
        "---:",
        "---:",
        "---:",
      ]),
    );
    const entries: [string, typeof m.ops[string]][] = [["all", m]];
    if (Object.keys(m.ops).length > 1) entries.push(...Object.entries(m.ops));
    for (const [name, op] of entries) {
      lines.push(row([
        name,
        formatCount(op.total),
        ...[
          op.latency.mean,
          op.latency.p50,
          op.latency.p90,
          op.latency.p95,
          op.latency.p99,
          op.latency.p99_9,
          op.latency.max,
        ]
          .map(formatMs),
      ]));
    }
    lines.push("");
    lines.push(
      `**Outcomes:** ${
        OUTCOMES.filter((o) => o === "ok" || m.outcomes[o] > 0).map((o) =>
          `${o} ${formatCount(m.outcomes[o])} (${
            formatPercent(m.outcomes[o] / m.total)
          })`
        ).join(" · ")
      }`,
      "",
      `**Memory:** rss ${formatBytes(m.memory.rss_start)} → ${
        formatBytes(m.memory.rss_end)
      } (peak ${formatBytes(m.memory.rss_peak)}), heap growth ${
        formatBytes(m.memory.growth_per_1k_ops)
      } per 1k ops`,
      "",
    );
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
