/**
 * Printing a compare document (`tensile/compare@1`): the terminal table,
 * Markdown, the GitHub job summary with annotations, and JSON. Each is a
 * pure function of the document. {@link compareView} is the shared view
 * (figures already formatted, user strings marked) for any other printer,
 * such as HTML.
 * @module
 */
import type { Change, Compare, MetricComparison } from "../artifact/mod.ts";
import {
  jsonText,
  markdownCode,
  markdownText,
  terminalText,
} from "./_escape.ts";
import { layoutTable, wrap } from "./_layout.ts";
import type { ReportAppend } from "./mod.ts";
import { formatBytes, formatMs, formatPercent, formatRate } from "./format.ts";

/** One metric row, every figure formatted. */
export interface CompareRow {
  /** The op's name (from the artifact: escape it for the output). */
  op: string;
  metric: string;
  base: string;
  head: string;
  /** HEAD against BASE: `+12.3%`, `n/a`. */
  effect: string;
  /** The confidence interval of the change, or `—`. */
  ci: string;
  /** The test that decided: `bootstrap`, `U p=0.029`, `none`. */
  test: string;
  change: Change;
  /** Why the test is what it is, or empty. */
  note: string;
}

/** One scenario's part of the view. */
export interface CompareScenarioView {
  /** From the artifact: escape it for the output. */
  name: string;
  /** `1 vs 1 runs, 6 vs 6 intervals`. */
  facts: string;
  rows: CompareRow[];
  /** Notes of ours, each once with the metrics it is about (no user string). */
  notes: string[];
  /** Op names only one side has (escape them). */
  unmatched: { base: string[]; head: string[] };
}

/** What every compare printer shows, in order. */
export interface CompareView {
  /** `1 BASE run vs 1 HEAD run`. */
  title: string;
  /** α, minimum effect, resampling: how to read every verdict. */
  settings: string;
  /** `1 regression, 0 improvements, 12 within noise, 2 unknown`. */
  summary: string;
  /** The artifact files of each side (escape them). */
  files: { base: string[]; head: string[] };
  scenarios: CompareScenarioView[];
  /** Scenarios only one side has (escape them). */
  unmatched: { base: string[]; head: string[] };
  /** Whether any metric regressed. */
  regression: boolean;
}

const plural = (n: number, word: string, many = `${word}s`) =>
  `${n} ${n === 1 ? word : many}`;

function formatValue(
  value: number | null,
  unit: MetricComparison["unit"],
): string {
  if (value === null) return "n/a";
  switch (unit) {
    case "ms":
      return formatMs(value);
    case "/s":
      return formatRate(value);
    case "fraction":
      return formatPercent(value);
    case "B/1k ops":
      return `${formatBytes(value)}/1k`;
    default: {
      const never: never = unit;
      throw new TypeError(`Unknown unit "${never}"`);
    }
  }
}

/** A ratio as a signed change: 1.123 → `+12.3%`. */
function change(ratio: number | null): string {
  if (ratio === null) return "n/a";
  const percent = (ratio - 1) * 100;
  const text = Math.abs(percent) >= 100
    ? percent.toFixed(0)
    : percent.toFixed(1);
  return `${percent >= 0 ? "+" : ""}${text === "-0.0" ? "0.0" : text}%`;
}

/**
 * The rows' notes, each text once with the rows it is about (`noop
 * throughput, error_rate: ...`); what the scenario's own notes already say
 * (no per-interval data) is left to them. Op names are escaped by the
 * printer, so they are kept apart: `[op, text]`.
 */
function rowNotes(scenario: Compare["scenarios"][number]): string[] {
  const noIntervals = scenario.ops[0]?.intervals.base === 0 ||
    scenario.ops[0]?.intervals.head === 0;
  const byText = new Map<string, string[]>();
  for (const op of scenario.ops) {
    for (const m of op.metrics) {
      if (!m.note) continue;
      if (noIntervals && m.note.startsWith("no per-interval data")) continue;
      byText.set(m.note, [...byText.get(m.note) ?? [], m.metric]);
    }
  }
  return [...byText].map(([text, metrics]) =>
    `${[...new Set(metrics)].join(", ")}: ${text}`
  );
}

/** The shared view of a compare document. */
export function compareView(compare: Compare): CompareView {
  const { settings, summary } = compare;
  const confidence = Math.round((1 - settings.alpha) * 1000) / 10;
  const runs = (n: number, side: string) => plural(n, `${side} run`);
  return {
    title: `${runs(compare.base.length, "BASE")} vs ${
      runs(compare.head.length, "HEAD")
    }`,
    settings:
      `α = ${settings.alpha} (${confidence}% confidence), minimum effect ${
        Math.round(settings.noise * 1000) / 10
      }% (--noise); bootstrap of ~1 s intervals (${settings.resamples} resamples, seed ${settings.seed}, at least ${settings.min_intervals} intervals a side); Mann-Whitney U across runs when each side has enough runs`,
    summary: [
      plural(summary.regression, "regression"),
      plural(summary.improvement, "improvement"),
      `${summary["within noise"]} within noise`,
      `${summary.unknown} unknown`,
    ].join(", "),
    files: {
      base: compare.base.map((b) => b.file),
      head: compare.head.map((h) => h.file),
    },
    scenarios: compare.scenarios.map((scenario) => {
      const all = scenario.ops[0];
      return {
        name: scenario.name,
        facts: `${scenario.runs.base} vs ${scenario.runs.head} runs, ${
          all?.intervals.base ?? 0
        } vs ${all?.intervals.head ?? 0} intervals`,
        rows: scenario.ops.flatMap((op) =>
          op.metrics.map((m) => ({
            op: op.op,
            metric: m.metric,
            base: formatValue(m.base, m.unit),
            head: formatValue(m.head, m.unit),
            effect: change(m.ratio),
            ci: m.ci ? `${change(m.ci.low)} … ${change(m.ci.high)}` : "—",
            test: m.test === "mann-whitney"
              ? `U p=${m.p!.toPrecision(2)}`
              : m.test,
            change: m.change,
            note: m.note ?? "",
          }))
        ),
        notes: [...rowNotes(scenario), ...scenario.notes],
        unmatched: scenario.unmatched_ops,
      };
    }),
    unmatched: compare.unmatched_scenarios,
    regression: summary.regression > 0,
  };
}

/** How the terminal shows the table. */
export interface CompareTerminalOptions {
  /** ANSI colors. */
  color: boolean;
  /** Whether the terminal shows more than ASCII; default true. */
  unicode?: boolean;
  /** The terminal's width; default: no limit. */
  columns?: number;
}

const COLORS: Record<Change, string> = {
  regression: "\x1b[31m",
  improvement: "\x1b[32m",
  "within noise": "",
  unknown: "\x1b[33m",
};

/** The compare document as terminal text: one table per scenario. */
export function renderCompareTerminal(
  compare: Compare,
  options: CompareTerminalOptions,
): string {
  const view = compareView(compare);
  const unicode = options.unicode ?? true;
  const text = (s: string) => terminalText(s, { unicode });
  const ascii = (s: string) =>
    unicode
      ? s
      : s.replaceAll("…", "..").replaceAll("—", "-").replaceAll("α", "alpha");
  const paint = (c: Change, s: string) =>
    options.color && COLORS[c] ? `${COLORS[c]}${s}\x1b[0m` : s;
  const bold = (s: string) => options.color ? `\x1b[1m${s}\x1b[0m` : s;
  const lines = [
    bold(`tensile compare: ${view.title}`),
    `  BASE: ${view.files.base.map(text).join(", ")}`,
    `  HEAD: ${view.files.head.map(text).join(", ")}`,
    ...(options.columns === undefined
      ? [ascii(view.settings)]
      : wrap(ascii(view.settings), options.columns, 2)),
    "",
  ];
  for (const scenario of view.scenarios) {
    lines.push(`${bold(text(scenario.name))}  (${scenario.facts})`);
    const ci = `${Math.round((1 - compare.settings.alpha) * 1000) / 10}% CI`;
    const rows = [
      ["op", "metric", "verdict", "change", "BASE", "HEAD", ci, "test"],
      ...scenario.rows.map((r) => [
        text(r.op),
        r.metric,
        paint(r.change, r.change),
        r.effect,
        r.base,
        r.head,
        ascii(r.ci),
        r.test,
      ]),
    ];
    lines.push(
      ...layoutTable(rows, {
        right: [3, 4, 5],
        columns: options.columns === undefined
          ? undefined
          : options.columns - 2,
        drop: [6, 7, 5, 4],
        shrink: 0,
        ellipsis: unicode ? "…" : "...",
      }).map((line) => `  ${line}`),
    );
    const notes = [
      ...scenario.notes,
      ...unmatchedLines(scenario.unmatched, "op", text),
    ];
    for (const note of notes) {
      const line = `  note: ${ascii(note)}`;
      lines.push(
        ...(options.columns === undefined
          ? [line]
          : wrap(line, options.columns, 8)),
      );
    }
    lines.push("");
  }
  lines.push(...unmatchedLines(view.unmatched, "scenario", text));
  const nothing = view.scenarios.length === 0
    ? " (no scenario on both sides)"
    : "";
  lines.push(bold(`Result: ${view.summary}${nothing}`));
  return lines.join("\n") + "\n";
}

/** `only in BASE (not compared): op a, b`, each name escaped by `escape`. */
export function unmatchedLines(
  unmatched: { base: string[]; head: string[] },
  what: string,
  escape: (s: string) => string,
): string[] {
  const lines: string[] = [];
  if (unmatched.base.length > 0) {
    lines.push(
      `only in BASE (not compared): ${what} ${
        unmatched.base.map(escape).join(", ")
      }`,
    );
  }
  if (unmatched.head.length > 0) {
    lines.push(
      `only in HEAD (not compared): ${what} ${
        unmatched.head.map(escape).join(", ")
      }`,
    );
  }
  return lines;
}

function cell(content: string): string {
  return content.replaceAll("|", "\\|");
}

const ICONS: Record<Change, string> = {
  regression: "🔴 regression",
  improvement: "🟢 improvement",
  "within noise": "within noise",
  unknown: "⚪ unknown",
};

/** The compare document as Markdown (a pull request comment, a file). */
export function renderCompareMarkdown(compare: Compare): string {
  const view = compareView(compare);
  const code = (s: string) => cell(markdownCode(s));
  const lines = [
    `# tensile compare: ${view.title}`,
    "",
    `**${view.summary}**`,
    "",
    `- BASE: ${view.files.base.map(markdownCode).join(", ")}`,
    `- HEAD: ${view.files.head.map(markdownCode).join(", ")}`,
    `- ${view.settings}`,
    "",
  ];
  const ci = `${Math.round((1 - compare.settings.alpha) * 1000) / 10}% CI`;
  for (const scenario of view.scenarios) {
    lines.push(`## ${markdownText(scenario.name)}`, "", scenario.facts, "");
    lines.push(
      `| op | metric | BASE | HEAD | change | ${ci} | test | verdict |`,
      "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
    );
    for (const r of scenario.rows) {
      lines.push(
        `| ${
          [
            code(r.op),
            r.metric,
            r.base,
            r.head,
            r.effect,
            r.ci,
            r.test,
            ICONS[r.change],
          ]
            .join(" | ")
        } |`,
      );
    }
    const notes = [
      ...scenario.notes,
      ...unmatchedLines(scenario.unmatched, "op", markdownCode),
    ];
    if (notes.length > 0) lines.push("", ...notes.map((n) => `- ${n}`));
    lines.push("");
  }
  const unmatched = unmatchedLines(view.unmatched, "scenario", markdownCode);
  if (unmatched.length > 0) lines.push(...unmatched.map((n) => `- ${n}`), "");
  return lines.join("\n");
}

/**
 * The compare document for a GitHub Actions log: at most 10 `::error`
 * annotations, one per regression, then a one-line result. The job
 * summary and the step outputs are {@link compareGithubAppends}.
 */
export function renderCompareGithub(compare: Compare): string {
  const annotations: string[] = [];
  let regressions = 0;
  for (const scenario of compare.scenarios) {
    for (const op of scenario.ops) {
      for (const m of op.metrics) {
        if (m.change !== "regression") continue;
        if (regressions++ >= GITHUB_ANNOTATIONS) continue;
        annotations.push(
          `::error title=${
            workflowText(`regression in ${scenario.name}`, true)
          }::${
            workflowText(
              `${op.op} ${m.metric} ${change(m.ratio)} (${m.test})`,
              false,
            )
          }`,
        );
      }
    }
  }
  if (regressions > annotations.length) {
    annotations.push(
      `::notice::${
        regressions - annotations.length
      } more regressions: see the job summary`,
    );
  }
  const view = compareView(compare);
  return [...annotations, `tensile compare: ${view.summary}`].join("\n") +
    "\n";
}

/** Annotations GitHub shows per kind for a step; the rest it drops. */
const GITHUB_ANNOTATIONS = 10;

/** Bytes a job summary may take (GitHub refuses over 1 MiB). */
const GITHUB_SUMMARY_MAX_BYTES = 1_000_000;

/**
 * What the github format appends to the files GitHub names: the Markdown
 * as the job summary (cut at a line under 1 MiB, no line starting with
 * `::`), and the step outputs `regression` (true or false) and
 * `regressions` (how many).
 */
export function compareGithubAppends(compare: Compare): ReportAppend[] {
  const encoder = new TextEncoder();
  let summary = renderCompareMarkdown(compare).replace(/^::/gm, "\\::");
  if (encoder.encode(summary).length > GITHUB_SUMMARY_MAX_BYTES) {
    const lines: string[] = [];
    let kept = 0;
    for (const line of summary.split("\n")) {
      kept += encoder.encode(line).length + 1;
      if (kept > GITHUB_SUMMARY_MAX_BYTES - 200) break;
      lines.push(line);
    }
    summary = `${
      lines.join("\n")
    }\n\n> **Truncated** at GitHub's 1 MiB: the whole comparison is compare.md (--out DIR)\n`;
  }
  return [
    { env: "GITHUB_STEP_SUMMARY", what: "job summary", text: summary },
    {
      env: "GITHUB_OUTPUT",
      what: "step outputs",
      text: `regression=${
        compare.summary.regression > 0
      }\nregressions=${compare.summary.regression}\n`,
    },
  ];
}

/** Escapes a workflow command's data (and property, `,` and `:` too). */
function workflowText(text: string, property: boolean): string {
  let out = text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll(
    "\n",
    "%0A",
  );
  if (property) out = out.replaceAll(":", "%3A").replaceAll(",", "%2C");
  // deno-lint-ignore no-control-regex
  return out.replace(/[\x00-\x1f\x7f-\x9f]/g, " ");
}

/** The compare document as JSON (what `compare.json` holds). */
export function renderCompareJson(compare: Compare): string {
  return jsonText(JSON.stringify(compare, null, 2)) + "\n";
}
