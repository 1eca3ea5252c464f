import { type Artifact, ArtifactSchema } from "../grade/mod.ts";
import { renderJson, renderMarkdown, renderSummary } from "../report/mod.ts";
import { UsageError } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** Report formats made from an artifact. */
export const REPORT_FORMATS = ["markdown", "terminal", "json"] as const;
/** A report format. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/** Reads and checks an artifact file. */
export async function readArtifact(path: string): Promise<Artifact> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new UsageError(
      `Cannot read artifact "${path}": ${(error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `Cannot read artifact "${path}": not JSON (${(error as Error).message})`,
    );
  }
  const parsed = ArtifactSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `Cannot read artifact "${path}": not a tensile/result@1 file (${
        issue.path.join(".") || "top level"
      }: ${issue.message})`,
    );
  }
  return parsed.data;
}

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
