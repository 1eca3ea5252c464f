import { measuredNothing, readArtifact } from "../artifact/mod.ts";
import { REPORTERS, type ReportFormat } from "../report/mod.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** Every format `tensile report --format` accepts, the default first. */
export const FORMAT_CHOICES = Object.keys(REPORTERS) as ReportFormat[];

/** `tensile report`: renders an artifact in another format. */
export async function reportCommand(
  path: string,
  options: { format: ReportFormat },
  io: Io,
): Promise<ExitCode> {
  const artifact = await readArtifact(path);
  io.out(REPORTERS[options.format].render(artifact, {
    color: io.color.out,
    unicode: io.unicode,
    columns: io.columns.out,
  }));
  // Rendered, but no measurement is no verdict: a script must not read it
  // as a pass.
  return measuredNothing(artifact) ? EXIT.failed : EXIT.ok;
}
