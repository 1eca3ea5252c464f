/**
 * Reports made from the artifact only. Each format is one file and one line
 * in {@link REPORTERS}; the CLI offers exactly the formats listed there.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderSummary } from "./terminal.ts";

/**
 * How a report is rendered: for the terminal it is printed on (a document
 * format ignores all three).
 */
export interface ReportOptions {
  /** ANSI colors where the format has any; false for NO_COLOR or a non-TTY. */
  color: boolean;
  /** Whether the terminal shows more than ASCII; default true. */
  unicode?: boolean;
  /** The terminal's width; default: no limit. */
  columns?: number;
}

/** A report format. */
export interface Reporter {
  /** One line on what the format is for. */
  description: string;
  /** Renders the artifact: a pure function of it. */
  render(artifact: Artifact, options: ReportOptions): string;
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
  junit: {
    description:
      "JUnit XML for CI test reports: a suite per scenario, a case per check",
    render: renderJunit,
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
