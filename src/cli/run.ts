/**
 * `tensile run`: load scenarios, drive them, grade, write the artifact and
 * the Markdown and HTML reports, print the summary.
 * @module
 */
import { dirname, join } from "node:path";
import {
  type Artifact,
  buildArtifact,
  OutDir,
  readArtifact,
  type ScenarioResult,
  scenarioResult,
  VERSION,
  writeArtifact,
  writeArtifactSync,
  writeFileAtomic,
} from "../artifact/mod.ts";
import { TARGETS } from "../components/mod.ts";
import { runPlan } from "../engine/mod.ts";
import { totalsProblem } from "../executors/mod.ts";
import { plainReason } from "../files.ts";
import { findGc } from "../runtime.ts";
import {
  renderHtml,
  renderJson,
  renderMarkdown,
  renderOverall,
  renderProgress,
  renderScenario,
} from "../report/mod.ts";
import type { SelfCommand } from "../target.ts";
import { BUILTIN_DIR } from "./_builtin.ts";
import {
  parseStartAt,
  type Plan,
  planFingerprint,
  type Profile,
  type Shard,
  shardPlan,
} from "../scenario/mod.ts";
import { selectPlans, UsageError } from "./_scenarios.ts";
import { EXIT, type ExitCode, exitCodeOf } from "./exit_codes.ts";
import { type Io, quotedText } from "./io.ts";

/** Options of `tensile run`. */
export interface RunCommandOptions {
  profile: Profile;
  out?: string;
  seed?: number;
  workers?: number;
  only?: string[];
  json: boolean;
  quiet: boolean;
  /** Hosts beyond loopback network targets may reach (`--allow-host`). */
  allowHost?: string[];
  /** A result.json whose scenarios `regression.*` thresholds compare with. */
  baseline?: string;
  /** Run only this shard of every plan (`--shard i/n`). */
  shard?: Shard;
  /** Wait for this wall-clock start (`--start-at`), as written. */
  startAt?: string;
}

const WORKER_URL = new URL("../worker.ts", import.meta.url);

/** A second stop request forces exit only this long after the first. */
const REPEAT_MS = 1000;

/** Runs the scenarios the arguments name; returns the exit code. */
export async function runCommand(
  args: readonly string[],
  options: RunCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const plans = await Promise.all(
    (await selectPlans(args, options)).map((plan) =>
      splitPlan(override(plan, options), options.shard)
    ),
  );
  let startAt: Date | undefined;
  if (options.startAt !== undefined) {
    try {
      startAt = parseStartAt(options.startAt, io.now());
    } catch (error) {
      if (error instanceof RangeError) throw new UsageError(error.message);
      throw error;
    }
  }
  if (findGc() === undefined) {
    throw new UsageError(
      "Cannot run: V8's gc is not exposed, so memory growth and leak checks cannot be measured: start tensile with --v8-flags=--expose-gc (deno task stress and the release binaries do)",
    );
  }
  // Read before any load: a bad baseline is a usage error, found at once.
  const baseline = options.baseline === undefined ? undefined : {
    file: options.baseline,
    artifact: await readArtifact(options.baseline),
  };
  const startedAt = io.now();
  // Milliseconds and a random suffix: parallel shards never share a folder.
  const outPath = options.out ??
    join(
      "tensile-results",
      `${startedAt.toISOString().replaceAll(":", "-")}-${
        crypto.randomUUID().slice(0, 4)
      }`,
    );
  await using out = await OutDir.open(outPath);
  const human = options.json ? io.err : io.out;
  // Read when printing: the terminal may have been resized since.
  const humanStyle = () => ({
    color: options.json ? io.color.err : io.color.out,
    unicode: io.unicode,
    columns: options.json ? io.columns.err : io.columns.out,
  });
  const stopping = new AbortController();
  let firstStop = 0;
  const results: ScenarioResult[] = [];
  const facts = () => ({
    profile: options.profile,
    startedAt,
    endedAt: io.now(),
    planned: plans.length,
    ...(options.shard ? { shard: options.shard } : {}),
    ...(startSkew !== undefined
      ? { startAt: { requested: startAt!.toISOString(), skew_ms: startSkew } }
      : {}),
  });
  let startSkew: number | undefined;
  // A full or read-only disk must not cost the measurements: a failed write
  // is said once, the run goes on, the artifact still reaches stdout with
  // --json, and the exit code says the run could not be saved.
  let unsaved: string | undefined;
  const write = async (artifact: Artifact) => {
    try {
      await writeArtifact(out.file("result.json"), artifact);
      await writeFileAtomic(out.file("report.md"), renderMarkdown(artifact));
      await writeFileAtomic(out.file("report.html"), renderHtml(artifact));
    } catch (error) {
      if (unsaved === undefined) {
        io.err(
          `error: cannot write results to ${quotedText(out.path, io)}: ${
            quotedText(plainReason(error), io)
          }\n`,
        );
      }
      unsaved ??= plainReason(error);
    }
  };
  const removeSignals = io.onSignal((stop) => {
    if (!stopping.signal.aborted) {
      firstStop = performance.now();
      io.err(
        `\nStopping (${stop}): letting in-flight ops finish (Ctrl-C again after a second to quit now)\n`,
      );
      stopping.abort();
    } else if (
      stop !== "parent-exit" && performance.now() - firstStop >= REPEAT_MS
    ) {
      // Quit now, but leave what finished on disk, marked interrupted, and
      // the folder unlocked (exit skips every finally and dispose).
      try {
        writeArtifactSync(
          out.file("result.json"),
          buildArtifact(results, { ...facts(), interrupted: true }),
        );
      } catch {
        // nothing more can be done in a hurry
      }
      out.releaseSync();
      io.exit(EXIT.interrupted);
    }
    // A terminal signals the whole process group and `deno task` forwards
    // the same signal: one key press arrives twice within milliseconds.
  });
  let artifact: Artifact;
  try {
    try {
      // Until the last write, the artifact on disk says the run is not over.
      await write(buildArtifact(results, { ...facts(), running: true }));
      if (startAt !== undefined) {
        if (!options.quiet) {
          io.err(
            `Waiting for --start-at ${startAt.toISOString()} (${
              Math.max(0, (startAt.getTime() - io.now().getTime()) / 1000)
                .toFixed(1)
            } s; Ctrl-C stops)\n`,
          );
        }
        await waitUntil(startAt, { io, signal: stopping.signal });
        if (!stopping.signal.aborted) {
          startSkew = io.now().getTime() - startAt.getTime();
        }
      }
      for (const plan of plans) {
        if (stopping.signal.aborted) break;
        const runDir = await out.scratch(plan.name);
        // Redrawn in place, so only where the cursor can move (not TERM=dumb).
        const showProgress = io.isTty && io.cursor && !options.quiet;
        const run = await runPlan(plan, {
          target: TARGETS[plan.target],
          workerUrl: WORKER_URL,
          runDir,
          signal: stopping.signal,
          allowHosts: options.allowHost,
          self: selfCommand(),
          onProgress: showProgress
            ? (progress) =>
              io.err(
                `\r\x1b[2K${
                  renderProgress({ ...progress, name: plan.name }, {
                    unicode: io.unicode,
                    columns: io.columns.err,
                  })
                }`,
              )
            : undefined,
        });
        if (showProgress) io.err("\r\x1b[2K");
        const result = scenarioResult(plan, run, { baseline });
        results.push(result);
        if (!options.quiet) {
          human(renderScenario(result, humanStyle()) + "\n\n");
        }
        // Keep what has been measured so far on disk: nothing is lost if a
        // later scenario crashes the process.
        await write(buildArtifact(results, { ...facts(), running: true }));
        if (result.status === "passed") await out.discard(runDir);
      }
    } catch (error) {
      // Not a pass, and no longer running: keep what finished, then report.
      await write(buildArtifact(results, { ...facts(), interrupted: true }));
      throw error;
    }
    artifact = buildArtifact(results, {
      ...facts(),
      interrupted: stopping.signal.aborted,
    });
    // Still listening: a signal now must not kill the final write.
    await write(artifact);
  } finally {
    removeSignals();
  }
  if (options.json) io.out(renderJson(artifact));
  // The scenarios were printed as they finished; end with the overall grade.
  human(renderOverall(artifact, humanStyle()));
  if (unsaved === undefined) {
    human(
      `Wrote ${quotedText(out.file("result.json"), io)}, ${
        quotedText(out.file("report.md"), io)
      } and ${quotedText(out.file("report.html"), io)}\n`,
    );
  } else {
    human(
      `Results NOT saved to ${quotedText(out.path, io)}: ${
        quotedText(unsaved, io)
      }\n`,
    );
    return EXIT.runtime;
  }
  if (artifact.status === "running") {
    throw new TypeError("A finished run cannot be running");
  }
  return exitCodeOf(artifact.status);
}

/**
 * How to run tensile again (a target's `tensile serve` child): a compiled
 * binary is its own command; from source it is `deno run` with the stress
 * task's permissions (net on loopback only) and the repository's `main.ts`
 * (beside `scenarios/`, also when a test runs the CLI in its own process).
 */
function selfCommand(): SelfCommand {
  const exec = Deno.execPath();
  const base = exec.replace(/\\/g, "/").split("/").pop() ?? "";
  if (!/^deno(\.exe)?$/.test(base)) return { command: exec, args: [] };
  return {
    command: exec,
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-net=127.0.0.1,localhost",
      "--v8-flags=--expose-gc",
      join(dirname(BUILTIN_DIR), "main.ts"),
    ],
  };
}

/**
 * The plan with its fingerprint (of the whole plan), and split to the shard
 * `--shard` names.
 */
async function splitPlan(plan: Plan, shard: Shard | undefined): Promise<Plan> {
  const whole = { ...plan, fingerprint: await planFingerprint(plan, VERSION) };
  if (!shard) return whole;
  try {
    return shardPlan(whole, shard);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

/** Waits for the wall clock (`io.now`) to reach `at`, or for `signal`. */
async function waitUntil(
  at: Date,
  { io, signal }: { io: Io; signal: AbortSignal },
): Promise<void> {
  while (!signal.aborted) {
    const left = at.getTime() - io.now().getTime();
    if (left <= 0) return;
    // Short steps near the end: a timer can fire late, never early.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, left > 50 ? Math.min(left - 20, 1000) : 1);
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

function override(plan: Plan, options: RunCommandOptions): Plan {
  const load = {
    ...plan.load,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  };
  // The scenario was checked as written; --workers can push it over a cap.
  const problem = totalsProblem(load);
  if (problem) {
    throw new UsageError(
      `Cannot run "${plan.name}" with --workers ${options.workers}: ${problem.message}`,
    );
  }
  return { ...plan, load };
}
