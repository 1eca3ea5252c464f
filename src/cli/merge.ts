/**
 * `tensile merge`: reads every shard's result.json of a split run, merges
 * them into one artifact of the whole plan (graded again on the merged
 * data), writes result.json and report.md and prints the summary.
 * @module
 */
import {
  mergeArtifacts,
  OutDir,
  readArtifact,
  writeArtifact,
  writeFileAtomic,
} from "../artifact/mod.ts";
import { TARGETS } from "../components/mod.ts";
import {
  renderJson,
  renderMarkdown,
  renderOverall,
  renderScenario,
} from "../report/mod.ts";
import { type ExitCode, exitCodeOf } from "./exit_codes.ts";
import { type Io, quotedText } from "./io.ts";

/** Options of `tensile merge`. */
export interface MergeCommandOptions {
  /** Where to write the merged result.json and report.md. */
  out: string;
  json: boolean;
  quiet: boolean;
}

/** Merges the shards' artifacts `files`; returns the exit code. */
export async function mergeCommand(
  files: readonly string[],
  options: MergeCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const inputs = [];
  for (const file of files) {
    inputs.push({ file, artifact: await readArtifact(file) });
  }
  const artifact = await mergeArtifacts(inputs, {
    peakCounters: (target) =>
      Object.hasOwn(TARGETS, target)
        ? TARGETS[target as keyof typeof TARGETS].peakCounters ?? []
        : [],
  });
  await using out = await OutDir.open(options.out);
  await writeArtifact(out.file("result.json"), artifact);
  await writeFileAtomic(out.file("report.md"), renderMarkdown(artifact));
  const human = options.json ? io.err : io.out;
  const style = {
    color: options.json ? io.color.err : io.color.out,
    unicode: io.unicode,
    columns: options.json ? io.columns.err : io.columns.out,
  };
  if (!options.quiet) {
    for (const scenario of artifact.scenarios) {
      human(renderScenario(scenario, style) + "\n\n");
    }
  }
  if (options.json) io.out(renderJson(artifact));
  human(renderOverall(artifact, style));
  human(
    `Merged ${artifact.merged?.count} shards into ${
      quotedText(out.file("result.json"), io)
    } and ${quotedText(out.file("report.md"), io)}\n`,
  );
  if (artifact.status === "running") {
    throw new TypeError("A merged run cannot be running");
  }
  return exitCodeOf(artifact.status);
}
