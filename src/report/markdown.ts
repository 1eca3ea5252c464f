/**
 * A Markdown report made from the artifact alone, for pull requests, job
 * summaries and the `report.md` next to `result.json`, laid out from the
 * shared view at full detail. Strings from outside the tool go through the
 * Markdown escapers: as text inside a line ({@link text}), as text starting a
 * block ({@link block}) or as code ({@link code}); table cells escape `|`.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
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
} from "./format.ts";
import { markdownBlock, markdownCode, markdownText } from "./_escape.ts";
import { buildView, type ScenarioView, type UserText } from "./_view.ts";

/** Outside text inside a line. */
function text(user: UserText): string {
  return markdownText(user.raw);
}

/** Outside text that starts a paragraph or a list item. */
function block(user: UserText): string {
  return markdownBlock(user.raw);
}

/** Outside text as a code span. */
function code(user: UserText): string {
  return markdownCode(user.raw);
}

/** A table cell: a `|` would end it, even inside code. */
function cell(content: string): string {
  return content.replaceAll("|", "\\|");
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

function scenarioSection(view: ScenarioView): string {
  const lines = [
    `## ${text(view.name)}: ${view.grade} (${view.verdict})`,
    "",
  ];
  if (view.description) lines.push(block(view.description), "");
  const { totals } = view;
  const shape = formatShape({
    ...view.load,
    executor: text(view.load.executor),
  });
  lines.push(
    `Target ${code(view.target)} · ${shape} · ${
      formatCount(totals.ops)
    } ops in ${formatSeconds(totals.seconds)} (${
      formatRate(totals.throughput)
    }) · status **${view.status}**`,
    "",
  );
  if (view.error) lines.push(`> **Error:** ${text(view.error)}`, "");
  if (view.thresholds.length > 0) {
    lines.push(
      row(["", "SLO", "actual", "optimal", "warning", "critical", "level"]),
      row(["---", "---", "---:", "---", "---", "---", "---"]),
    );
    for (const t of view.thresholds) {
      lines.push(row([
        levelIcon(t.level),
        code(t.metric),
        formatActual(t),
        text(t.optimal),
        text(t.warning),
        text(t.critical),
        t.level,
      ]));
    }
    lines.push("");
  }
  const m = view.measured;
  if (m) {
    const table = (title: string, latency: typeof m.latency) => [
      row([title, ...LATENCY_COLUMNS]),
      row(["---", ...LATENCY_COLUMNS.map(() => "---:")]),
      ...latency.map((r) =>
        row([r.op ? text(r.op) : "all", ...latencyCells(r)])
      ),
      "",
    ];
    if (m.service) {
      lines.push(
        ...table("latency (from intended start)", m.latency),
        ...table("service time (from actual start)", m.service),
        `**Arrivals:** ${formatArrivals(m.arrivals!)}`,
        "",
      );
    } else lines.push(...table("latency", m.latency));
    lines.push(
      `**Outcomes:** ${formatOutcomes(m.outcomes, m.total)}`,
      "",
      `**Memory:** ${formatMemory(m.memory)}`,
      "",
    );
    if (m.counters) {
      const counters = m.counters.map((c) => ({ ...c, name: text(c.name) }));
      lines.push(`**Counters:** ${formatCounters(counters)}`, "");
    }
  }
  if (view.invariants.length > 0) {
    lines.push("**Invariants:**", "");
    for (const inv of view.invariants) {
      lines.push(
        `- ${inv.ok ? "✅" : "❌"} ${code(inv.name)}: ${text(inv.detail)}`,
      );
    }
    lines.push("");
  }
  const why = [
    ...view.reasons.map(block),
    ...view.notes.map(block),
    ...view.errorSamples.map((s) =>
      `${s.outcome} ×${s.count} in ${code(s.op)}: ${text(s.message)}`
    ),
  ];
  if (why.length > 0) {
    lines.push("**Why:**", "", ...why.map((r) => `- ${r}`), "");
  }
  if (view.recommendations.length > 0) {
    lines.push(
      "**Recommendations:**",
      "",
      ...view.recommendations.map((r) => `- ${block(r)}`),
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
    `Profile \`${overall.profile}\` · ${text(overall.startedAt)} · tensile ${
      text(overall.version)
    } · Deno ${text(overall.deno)} · ${text(system.os)}/${
      text(system.arch)
    }, ${system.cpus} CPUs`,
    "",
    ...(overall.incomplete ? [`**${overall.incomplete}**`, ""] : []),
    row(["scenario", "grade", "verdict", "status", "ops", "throughput", "p99"]),
    row(["---", "---", "---", "---", "---:", "---:", "---:"]),
    ...view.scenarios.map((s) =>
      row([
        text(s.name),
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
