/**
 * What a GitHub Actions step shows of a run, made from the artifact alone:
 * workflow-command annotations (`::error` and `::warning`, at most 10 of
 * each, as GitHub shows no more per step) pointing at the scenario file's
 * lines, a Markdown job summary for `$GITHUB_STEP_SUMMARY` kept under
 * GitHub's 1 MiB, and step outputs for `$GITHUB_OUTPUT`. Pure: it returns
 * text; the CLI prints the annotations and appends the rest to the files
 * those variables name. All GitHub-specific formatting lives here.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
import { formatOutcome } from "./format.ts";
import { renderMarkdown } from "./markdown.ts";
import type { ReportAppend, ReportOptions } from "./mod.ts";
import { terminalText } from "./_escape.ts";
import {
  buildView,
  type ScenarioView,
  type ThresholdView,
  type UserText,
} from "./_view.ts";

/** Annotations of one kind GitHub shows for a step; the rest it drops. */
export const GITHUB_ANNOTATIONS_PER_KIND = 10;

/**
 * Bytes the job summary may take: GitHub refuses a step's summary over
 * 1 MiB; this leaves room for what other tools add in the same step.
 */
export const GITHUB_SUMMARY_MAX_BYTES = 1_000_000;

/** What the run's context adds to the outputs (the artifact cannot say). */
export interface GithubOptions {
  /** Where the artifact was read from: the `result` output. */
  artifactPath?: string;
  /** The exit code `tensile run` gives for this artifact: `exit_code`. */
  exitCode?: number;
  /** Bytes the summary may take; default {@link GITHUB_SUMMARY_MAX_BYTES}. */
  summaryMaxBytes?: number;
}

/** The parts of the GitHub report, each for its own destination. */
export interface GithubReport {
  /** Workflow commands (and a line on any left out), for standard output. */
  annotations: string;
  /** The Markdown job summary, for `$GITHUB_STEP_SUMMARY`. */
  summary: string;
  /** `name=value` lines, for `$GITHUB_OUTPUT`. */
  outputs: string;
}

/**
 * A workflow command's message: `%`, CR and LF escaped as GitHub reads
 * them, so a message stays on its line.
 */
function commandData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D")
    .replaceAll("\n", "%0A");
}

/** A workflow command's property value: the message's escapes, `:` and `,`. */
function commandProperty(text: string): string {
  return commandData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

/**
 * Outside text in an annotation: controls, bidi and invisible characters
 * shown as escapes (`\n`, `\x1b`), as the log would otherwise obey them.
 */
function text(user: UserText): string {
  return terminalText(user.raw, { unicode: true });
}

type Severity = "error" | "warning";

interface Annotation {
  severity: Severity;
  file: string;
  line?: number;
  title: string;
  message: string;
}

function annotationLine(a: Annotation): string {
  const properties = [
    `file=${commandProperty(a.file)}`,
    ...(a.line === undefined ? [] : [`line=${a.line}`]),
    `title=${commandProperty(a.title)}`,
  ];
  return `::${a.severity} ${properties.join(",")}::${commandData(a.message)}`;
}

function thresholdAnnotation(
  view: ScenarioView,
  t: ThresholdView,
): Annotation | undefined {
  const severity: Severity | undefined = t.level === "failed"
    ? "error"
    : t.level === "optimal"
    ? undefined
    : "warning";
  if (!severity) return undefined;
  const outcome = formatOutcome(t, {
    optimal: text(t.optimal),
    warning: text(t.warning),
    critical: text(t.critical),
  });
  return {
    severity,
    file: text(view.file),
    line: t.line ?? view.line,
    title: `tensile ${text(view.name)}: ${text(t.metric)} (grade ${t.grade})`,
    message: `${text(t.metric)}: ${outcome}`,
  };
}

/** Every annotation of one scenario, errors first. */
function annotationsOf(view: ScenarioView): Annotation[] {
  const at = { file: text(view.file), line: view.line };
  const name = text(view.name);
  const found: Annotation[] = [];
  switch (view.status) {
    case "passed":
    case "failed":
      break;
    case "interrupted":
      found.push({
        severity: "error",
        ...at,
        title: `tensile ${name}: interrupted`,
        message: `the run was stopped before it finished${
          view.error ? `: ${text(view.error)}` : ""
        }`,
      });
      break;
    case "error":
      found.push({
        severity: "error",
        ...at,
        title: `tensile ${name}: the run failed`,
        message: view.error ? text(view.error) : "no reason recorded",
      });
      break;
    default: {
      const never: never = view.status;
      throw new TypeError(`Unknown status "${never}"`);
    }
  }
  for (const inv of view.invariants) {
    if (inv.ok) continue;
    found.push({
      severity: "error",
      ...at,
      title: `tensile ${name}: invariant ${text(inv.name)} broken`,
      message: text(inv.detail),
    });
  }
  // A failed run's thresholds judge too little to point at.
  if (view.status !== "error") {
    for (const t of view.thresholds) {
      const annotation = thresholdAnnotation(view, t);
      if (annotation) found.push(annotation);
    }
  }
  return found;
}

function renderAnnotations(views: readonly ScenarioView[]): string {
  const all = views.flatMap(annotationsOf);
  const lines: string[] = [];
  const left: string[] = [];
  for (const severity of ["error", "warning"] as const) {
    const of = all.filter((a) => a.severity === severity);
    lines.push(
      ...of.slice(0, GITHUB_ANNOTATIONS_PER_KIND).map(annotationLine),
    );
    const more = of.length - GITHUB_ANNOTATIONS_PER_KIND;
    if (more > 0) left.push(`${more} more ${severity}${more === 1 ? "" : "s"}`);
  }
  if (left.length > 0) {
    lines.push(
      `tensile: ${
        left.join(" and ")
      } not annotated (GitHub shows ${GITHUB_ANNOTATIONS_PER_KIND} of each per step): see the job summary`,
    );
  }
  return lines.map((line) => `${line}\n`).join("");
}

const encoder = new TextEncoder();

/**
 * The Markdown report as a job summary: no line starts with `::` (were it
 * ever printed to a log, it would read as a workflow command; `\:` shows the
 * same colon), cut at a line so that it stays within `maxBytes`, with a note
 * saying so.
 */
function renderSummary(artifact: Artifact, maxBytes: number): string {
  const full = renderMarkdown(artifact).replace(/^::/gm, "\\::");
  const size = encoder.encode(full).length;
  if (size <= maxBytes) return full;
  const note = (kept: number) =>
    `\n> **Truncated:** GitHub keeps at most 1 MiB of a job summary, so this one stops after ${kept} of ${size} bytes: the whole report is \`report.md\` beside \`result.json\`, or \`tensile report result.json --format markdown\`.\n`;
  const budget = maxBytes - encoder.encode(note(size)).length;
  let kept = 0;
  const lines: string[] = [];
  for (const line of full.split("\n")) {
    const bytes = encoder.encode(line).length + 1;
    if (kept + bytes > budget) break;
    lines.push(line);
    kept += bytes;
  }
  return `${lines.join("\n")}\n${note(kept)}`;
}

/**
 * One `$GITHUB_OUTPUT` entry: `name=value`, or GitHub's multiline form
 * with a delimiter the value does not hold when it has a line break.
 */
function output(name: string, value: string): string {
  if (!/[\r\n]/.test(value)) return `${name}=${value}\n`;
  let delimiter = "TENSILE_EOF";
  while (value.includes(delimiter)) delimiter += "_";
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

/** Renders the annotations, the job summary and the step outputs. */
export function renderGithub(
  artifact: Artifact,
  options: GithubOptions = {},
): GithubReport {
  const view = buildView(artifact, "full");
  const { overall } = view;
  return {
    annotations: renderAnnotations(view.scenarios),
    summary: renderSummary(
      artifact,
      options.summaryMaxBytes ?? GITHUB_SUMMARY_MAX_BYTES,
    ),
    outputs: [
      output("grade", overall.grade),
      output("status", overall.status),
      ...(options.exitCode === undefined
        ? []
        : [output("exit_code", String(options.exitCode))]),
      ...(options.artifactPath === undefined
        ? []
        : [output("result", options.artifactPath)]),
    ].join(""),
  };
}

/** The annotations, as `tensile report --format github` prints them. */
export function renderGithubAnnotations(
  artifact: Artifact,
  options: ReportOptions,
): string {
  return renderGithub(artifact, options).annotations;
}

/** The job summary and the step outputs, for the files GitHub names. */
export function githubAppends(
  artifact: Artifact,
  options: ReportOptions,
): ReportAppend[] {
  const { summary, outputs } = renderGithub(artifact, options);
  return [
    { env: "GITHUB_STEP_SUMMARY", what: "job summary", text: summary },
    { env: "GITHUB_OUTPUT", what: "step outputs", text: outputs },
  ];
}
