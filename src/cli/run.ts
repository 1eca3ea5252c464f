/**
 * `tensile run`: load scenarios, drive them, grade, write the artifact and
 * the Markdown report, print the summary.
 * @module
 */
import { join } from "node:path";
import {
  type Artifact,
  buildArtifact,
  type ScenarioResult,
  scenarioResult,
  writeArtifact,
  writeFileAtomic,
} from "../artifact/mod.ts";
import { TARGETS } from "../components/mod.ts";
import { runPlan } from "../engine/mod.ts";
import {
  renderJson,
  renderMarkdown,
  renderOverall,
  renderProgress,
  renderScenario,
} from "../report/mod.ts";
import type { Plan, Profile } from "../scenario/mod.ts";
import { selectPlans, UsageError } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** Options of `tensile run`. */
export interface RunCommandOptions {
  profile: Profile;
  out?: string;
  seed?: number;
  workers?: number;
  only?: string[];
  json: boolean;
  quiet: boolean;
}

const WORKER_URL = new URL("../worker.ts", import.meta.url);

/** Runs the scenarios the arguments name; returns the exit code. */
export async function runCommand(
  args: readonly string[],
  options: RunCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const plans = (await selectPlans(args, options)).map((plan) =>
    override(plan, options)
  );
  const startedAt = io.now();
  // Milliseconds and a random suffix: parallel shards never share a folder.
  const outDir = options.out ??
    join(
      "tensile-results",
      `${startedAt.toISOString().replaceAll(":", "-")}-${
        crypto.randomUUID().slice(0, 4)
      }`,
    );
  try {
    await Deno.mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `Cannot write results to "${outDir}": ${(error as Error).message}`,
    );
  }
  const human = options.json ? io.err : io.out;
  const humanColor = options.json ? io.color.err : io.color.out;
  const stopping = new AbortController();
  let signals = 0;
  const removeSignals = io.onSignal(() => {
    signals++;
    if (signals === 1) {
      io.err(
        "\nStopping: letting in-flight ops finish (Ctrl-C again to quit now)\n",
      );
      stopping.abort();
    } else io.exit(EXIT.interrupted);
  });
  const results: ScenarioResult[] = [];
  const write = async (artifact: Artifact) => {
    await writeArtifact(join(outDir, "result.json"), artifact);
    await writeFileAtomic(join(outDir, "report.md"), renderMarkdown(artifact));
  };
  try {
    for (const plan of plans) {
      if (stopping.signal.aborted) break;
      const runDir = join(outDir, "work", plan.name);
      await Deno.mkdir(runDir, { recursive: true });
      const showProgress = io.isTty && !options.quiet;
      const run = await runPlan(plan, {
        target: TARGETS[plan.target],
        workerUrl: WORKER_URL,
        runDir,
        signal: stopping.signal,
        onProgress: showProgress
          ? (progress) =>
            io.err(`\r\x1b[2K${renderProgress(plan.name, progress)}`)
          : undefined,
      });
      if (showProgress) io.err("\r\x1b[2K");
      const result = scenarioResult(plan, run);
      results.push(result);
      if (!options.quiet) {
        human(renderScenario(result, { color: humanColor }) + "\n\n");
      }
      // Keep what has been measured so far on disk: nothing is lost if a
      // later scenario crashes the process.
      await write(buildArtifact(results, {
        profile: options.profile,
        startedAt,
        endedAt: io.now(),
      }));
      if (result.status === "passed") {
        await Deno.remove(runDir, { recursive: true }).catch(() => {});
      }
    }
  } finally {
    removeSignals();
  }
  await Deno.remove(join(outDir, "work")).catch(() => {});
  if (results.length === 0) {
    io.err("Interrupted before any scenario ran\n");
    return EXIT.interrupted;
  }
  const artifact = buildArtifact(results, {
    profile: options.profile,
    startedAt,
    endedAt: io.now(),
  });
  if (stopping.signal.aborted && artifact.status !== "error") {
    artifact.status = "interrupted";
  }
  await write(artifact);
  if (options.json) io.out(renderJson(artifact));
  // The scenarios were printed as they finished; end with the overall grade.
  human(renderOverall(artifact, { color: humanColor }));
  human(
    `Wrote ${join(outDir, "result.json")} and ${join(outDir, "report.md")}\n`,
  );
  switch (artifact.status) {
    case "passed":
      return EXIT.ok;
    case "failed":
      return EXIT.failed;
    case "interrupted":
      return EXIT.interrupted;
    case "error":
      return EXIT.runtime;
    default: {
      const never: never = artifact.status;
      throw new TypeError(`Unknown status "${never}"`);
    }
  }
}

function override(plan: Plan, options: RunCommandOptions): Plan {
  return {
    ...plan,
    load: {
      ...plan.load,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
    },
  };
}
