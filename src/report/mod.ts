/**
 * Reports made from the artifact only: terminal, Markdown, JSON.
 * @module
 */
export { renderMarkdown } from "./markdown.ts";
export {
  renderOverall,
  renderProgress,
  renderScenario,
  renderSummary,
  type TerminalOptions,
} from "./terminal.ts";
export { renderJson } from "./json.ts";
export {
  formatActual,
  formatBytes,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
} from "./format.ts";
export { table } from "./_table.ts";
