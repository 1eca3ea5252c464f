import { readArtifact } from "../artifact/mod.ts";
import { renderJson, renderMarkdown, renderSummary } from "../report/mod.ts";
import { UsageError } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** Report formats made from an artifact. */
export const REPORT_FORMATS = ["markdown", "terminal", "json"] as const;
/** A report format. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/** `tensile report`: renders an artifact in another format. */
export async function reportCommand(
  path: string,
  options: { format: ReportFormat },
  io: Io,
): Promise<ExitCode> {
  const artifact = await readArtifact(path);
  switch (options.format) {
    case "markdown":
      io.out(renderMarkdown(artifact));
      break;
    case "terminal":
      io.out(renderSummary(artifact, { color: io.color.out }));
      break;
    case "json":
      io.out(renderJson(artifact));
      break;
    default: {
      const never: never = options.format;
      throw new UsageError(`Unknown format "${never}"`);
    }
  }
  return EXIT.ok;
}
