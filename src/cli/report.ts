import { measuredNothing, readArtifact } from "../artifact/mod.ts";
import {
  type Reporter,
  REPORTERS,
  type ReportFormat,
  type ReportOptions,
} from "../report/mod.ts";
import { EXIT, type ExitCode, exitCodeOf } from "./exit_codes.ts";
import { appendEach, type Io } from "./io.ts";

/** Every format `tensile report --format` accepts, the default first. */
export { FORMAT_CHOICES } from "./_formats.ts";

/**
 * `tensile report`: renders an artifact in another format to standard
 * output. A format that adds text to files the environment names (github:
 * `$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`) has it appended there when the
 * variable is set; when it is not, a note on standard error says what was
 * not written.
 */
export async function reportCommand(
  path: string,
  options: { format: ReportFormat },
  io: Io,
): Promise<ExitCode> {
  const artifact = await readArtifact(path);
  const reporter: Reporter = REPORTERS[options.format];
  const style: ReportOptions = {
    color: io.color.out,
    unicode: io.unicode,
    columns: io.columns.out,
    artifactPath: path,
    // What `tensile run` exited with; a run that never finished was stopped.
    exitCode: artifact.status === "running"
      ? EXIT.interrupted
      : exitCodeOf(artifact.status),
  };
  io.out(reporter.render(artifact, style));
  await appendEach(reporter.appends?.(artifact, style) ?? [], io);
  // Rendered, but no measurement is no verdict: a script must not read it
  // as a pass.
  return measuredNothing(artifact) ? EXIT.failed : EXIT.ok;
}
