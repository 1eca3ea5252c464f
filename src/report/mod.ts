/**
 * Reports made from the artifact only. Each format is one file and one line
 * in {@link REPORTERS}; the CLI offers exactly the formats listed there.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
import { githubAppends, renderGithubAnnotations } from "./github.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderSummary } from "./terminal.ts";

/**
 * How a report is rendered: for the terminal it is printed on (a document
 * format ignores these), and what the command knows beside the artifact
 * (only the github format's outputs say it).
 */
export interface ReportOptions {
  /** ANSI colors where the format has any; false for NO_COLOR or a non-TTY. */
  color: boolean;
  /** Whether the terminal shows more than ASCII; default true. */
  unicode?: boolean;
  /** The terminal's width; default: no limit. */
  columns?: number;
  /** Where the artifact was read from; default: not said. */
  artifactPath?: string;
  /** The exit code `tensile run` gives for this artifact; default: not said. */
  exitCode?: number;
}

/**
 * Text a format adds to a file that an environment variable names, such as
 * GitHub's `$GITHUB_STEP_SUMMARY`: the CLI appends it when the variable is
 * set and says it did not when it is not.
 */
export interface ReportAppend {
  /** The variable that names the file. */
  env: string;
  /** What the text is, for a message: `job summary`. */
  what: string;
  /** The text to append. */
  text: string;
}

/** A report format. */
export interface Reporter {
  /** One line on what the format is for. */
  description: string;
  /** Renders the artifact for standard output: a pure function of it. */
  render(artifact: Artifact, options: ReportOptions): string;
  /** What the format appends to files named by the environment, if any. */
  appends?(artifact: Artifact, options: ReportOptions): ReportAppend[];
}

/** Every report format by name, the default (`markdown`) first. */
export const REPORTERS = {
  markdown: {
    description: "a Markdown report for pull requests and job summaries",
    render: renderMarkdown,
  },
  terminal: {
    description: "the graded summary `tensile run` prints",
    render: renderSummary,
  },
  json: {
    description: "the artifact itself, as pretty JSON",
    render: renderJson,
  },
  github: {
    description:
      "GitHub Actions: annotations on stdout; job summary and step outputs appended to $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT",
    render: renderGithubAnnotations,
    appends: githubAppends,
  },
  junit: {
    description:
      "JUnit XML for CI test reports: a suite per scenario, a case per check",
    render: renderJunit,
  },
  html: {
    description:
      "one self-contained HTML page with charts, for a browser (works offline)",
    render: renderHtml,
  },
} as const satisfies Record<string, Reporter>;

/** A report format's name. */
export type ReportFormat = keyof typeof REPORTERS;

export { renderMarkdown } from "./markdown.ts";
export {
  type ProgressLine,
  renderOverall,
  renderProgress,
  renderScenario,
  renderSummary,
  type TerminalOptions,
} from "./terminal.ts";
export { renderJson } from "./json.ts";
export { renderJunit } from "./junit.ts";
export { renderHtml } from "./html.ts";
export {
  GITHUB_ANNOTATIONS_PER_KIND,
  GITHUB_SUMMARY_MAX_BYTES,
  type GithubOptions,
  type GithubReport,
  renderGithub,
} from "./github.ts";
export {
  formatActual,
  formatBytes,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
} from "./format.ts";
export { table } from "./_layout.ts";
export { terminalText } from "./_escape.ts";
export {
  compareGithubAppends,
  type CompareRow,
  type CompareScenarioView,
  type CompareTerminalOptions,
  type CompareView,
  compareView,
  renderCompareGithub,
  renderCompareJson,
  renderCompareMarkdown,
  renderCompareTerminal,
} from "./compare.ts";
export { renderCompareHtml } from "./_compare_html.ts";
