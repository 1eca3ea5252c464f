/**
 * The command line: parses arguments, dispatches to one command per file, and
 * is the only place that turns errors into messages and exit codes.
 * @module
 */
import {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from "@commander-js/extra-typings";
// Only what parsing needs loads here; each command's action imports its own
// module (`await import("./x.ts")`), so `--version`, `--help` and `validate`
// never load the engine, SQLite or the histogram WebAssembly
// (tests/cold_start_test.ts checks the static graph).
import denoJson from "../../deno.json" with { type: "json" };
import { type Profile, PROFILES } from "../profiles.ts";
import type { Shard } from "../scenario/mod.ts";
import { FORMAT_CHOICES } from "./_formats.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { denoIo, type Io, quotedText } from "./io.ts";
import {
  COMPARE_FORMATS,
  type CompareFormat,
  parseNoise,
} from "./_compare_args.ts";

export { EXIT, type ExitCode } from "./exit_codes.ts";
export { denoIo, type Io } from "./io.ts";

/** A whole-number option parser bounded like the scenario schema. */
function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got "${value}"`,
      );
    }
    return n;
  };
}

/**
 * Reads `--shard` when `run` runs: its parser lives with the scenario loader,
 * which `--version` and `--help` do not load.
 */
async function shardOption(value: string): Promise<Shard> {
  const { parseShard } = await import("../scenario/mod.ts");
  try {
    return parseShard(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const { UsageError } = await import("./_scenarios.ts");
    throw new UsageError(error.message);
  }
}

function profileOption() {
  const names = `${PROFILES.slice(0, -1).join(", ")} or ${PROFILES.at(-1)}`;
  return new Option("--profile <profile>", `load profile: ${names}`)
    .choices(PROFILES)
    .default("ci" as Profile);
}

/**
 * Runs the CLI with `args` (without the program name); resolves to the exit
 * code. With no arguments, or options only, it runs every built-in scenario.
 */
export async function main(
  args: readonly string[],
  io: Io = denoIo(),
): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = new Command()
    .name("tensile")
    .description(
      "Stress-test stateful components: real load, a grade, hard numbers.",
    )
    .version(denoJson.version)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program.command("run")
    .description(
      "run scenario files, built-in suites or built-in scenarios (default: every built-in)",
    )
    .argument("[scenarios...]", "files, built-in suite names or scenario names")
    .addOption(profileOption())
    .option(
      "--out <dir>",
      "where to write result.json, report.md and report.html",
    )
    .option(
      "--seed <n>",
      "override every scenario's seed",
      wholeNumber(0, 2 ** 32 - 1),
    )
    .option(
      "--workers <n>",
      "override every scenario's worker count",
      wholeNumber(1, 64),
    )
    .option("--only <names>", "comma-separated scenario names to keep")
    .option(
      "--shard <i/n>",
      "run shard i (from 0) of n: the shards together run the load once (docs/sharding.md)",
    )
    .option(
      "--start-at <time>",
      'start the load at this wall-clock time: ISO ("2026-11-26T15:30:00Z") or "+30s"',
    )
    .option(
      "--json",
      "print the artifact to stdout (summary goes to stderr)",
      false,
    )
    .option("--quiet", "no progress and no per-scenario summaries", false)
    .option(
      "--allow-host <name>",
      "let network targets reach this host beyond loopback (repeatable)",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .option(
      "--baseline <file>",
      "a result.json to grade regression.* thresholds against",
    )
    .action(async (scenarios, options) => {
      const { runCommand } = await import("./run.ts");
      code = await runCommand(scenarios, {
        ...options,
        shard: options.shard === undefined
          ? undefined
          : await shardOption(options.shard),
        only: options.only?.split(",").map((name) => name.trim()),
      }, io);
    });

  program.command("merge")
    .description(
      "merge the result.json of every shard of a split run into one graded result",
    )
    .argument("<results...>", "each shard's result.json (tensile run --shard)")
    .requiredOption(
      "--out <dir>",
      "where to write the merged result.json and report.md",
    )
    .option(
      "--json",
      "print the merged artifact to stdout (summary goes to stderr)",
      false,
    )
    .option("--quiet", "no per-scenario summaries", false)
    .action(async (results, options) => {
      const { mergeCommand } = await import("./merge.ts");
      code = await mergeCommand(results, options, io);
    });

  program.command("validate")
    .description("check scenario files without running them")
    .argument("<files...>", "scenario files")
    .addOption(profileOption())
    .action(async (files, options) => {
      const { validateCommand } = await import("./validate.ts");
      code = await validateCommand(files, options, io);
    });

  program.command("list")
    .description("list built-in scenarios and targets")
    .action(async () => {
      const { listCommand } = await import("./list.ts");
      code = await listCommand(io);
    });

  program.command("schema")
    .description("print the JSON Schema of scenario files")
    .option("--artifact", "print the result artifact's schema instead", false)
    .option(
      "--write",
      "write the scenario, result and compare schemas into schema/",
      false,
    )
    .action(async (options) => {
      const { schemaCommand } = await import("./schema.ts");
      code = await schemaCommand(options, io);
    });

  program.command("report")
    .description("render a result.json in another format")
    .argument("<result>", "a result.json written by tensile run")
    .addOption(
      new Option("--format <format>", "output format")
        .choices(FORMAT_CHOICES)
        .default("markdown" as const),
    )
    .action(async (result, options) => {
      const { reportCommand } = await import("./report.ts");
      code = await reportCommand(result, options, io);
    });

  program.command("compare")
    .description(
      "compare BASE and HEAD results: regression, improvement or within noise",
    )
    .argument("[files...]", "BASE.json HEAD.json (without --base/--head)")
    .option("--base <files...>", "BASE result.json files (several runs)")
    .option("--head <files...>", "HEAD result.json files (several runs)")
    .addOption(
      new Option("--format <format>", "output format")
        .choices(COMPARE_FORMATS)
        .default("terminal" as CompareFormat),
    )
    .option(
      "--out <dir>",
      "also write compare.json, compare.md and compare.html there",
    )
    .option(
      "--fail-on-regression",
      "exit 4 when any metric regressed",
      false,
    )
    .option(
      "--noise <percent>",
      "smallest change that counts, as 5% or 0.05",
      (value: string) => {
        try {
          return parseNoise(value);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      },
      0.05,
    )
    .option(
      "--alpha <p>",
      "significance level",
      (value: string) => {
        const n = Number(value);
        if (!(n > 0 && n < 0.5)) {
          throw new InvalidArgumentError(
            `expected a level between 0 and 0.5, like 0.05, got "${value}"`,
          );
        }
        return n;
      },
      0.05,
    )
    .option(
      "--resamples <n>",
      "bootstrap resamples",
      wholeNumber(100, 10_000),
      1000,
    )
    .option(
      "--seed <n>",
      "bootstrap seed",
      wholeNumber(0, 2 ** 32 - 1),
      1,
    )
    .action(async (files, options) => {
      const { compareCommand } = await import("./compare.ts");
      code = await compareCommand(files, options, io);
    });

  program.command("serve")
    .description(
      "run the context server (an HTTP load target) until SIGINT/SIGTERM; first stdout line: {url, token, pid}",
    )
    .option("--port <n>", "port (0: a free one)", wholeNumber(0, 65535), 0)
    .option("--host <address>", "address to bind", "127.0.0.1")
    .option(
      "--allow-remote",
      "allow a --host other than loopback (prints a warning)",
      false,
    )
    .option("--token <token>", "bearer token (default: random per start)")
    .option("--db <file>", "SQLite file to load and write the context through")
    .option("--dump-dir <dir>", "folder POST /v1/dump writes into")
    .option(
      "--max-body <bytes>",
      "largest request body",
      wholeNumber(0, 2 ** 31),
      1024 * 1024,
    )
    .addOption(
      new Option("--defect <name>", "break the server on purpose").hideHelp(),
    )
    .action(async (options) => {
      const { serveCommand } = await import("./serve.ts");
      code = await serveCommand(options, io);
    });

  const argv = args.length === 0 || (args[0].startsWith("-") &&
      !["-h", "--help", "-V", "--version"].includes(args[0]))
    ? ["run", ...args]
    : [...args];
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    return await report(error, io);
  }
}

async function report(error: unknown, io: Io): Promise<ExitCode> {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // The error classes load lazily, as the commands do: the module that threw
  // is loaded already, and a check that matches stops the imports.
  // Messages quote what the user wrote (paths, keys, values): escaped.
  const { ScenarioError } = await import("../scenario/mod.ts");
  if (error instanceof ScenarioError) {
    io.err(`${quotedText(error.message, io)}\n`);
    return EXIT.usage;
  }
  const { UsageError } = await import("./_scenarios.ts");
  if (error instanceof UsageError) return usageError(error, io);
  const { ArtifactError, MergeError, OutDirError } = await import(
    "../artifact/mod.ts"
  );
  if (
    error instanceof ArtifactError || error instanceof OutDirError ||
    error instanceof MergeError
  ) {
    return usageError(error, io);
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${quotedText(message, io)}\n`);
  if (Deno.env.get("TENSILE_DEBUG") && error instanceof Error) {
    io.err(`${error.stack}\n`);
  }
  return EXIT.runtime;
}

function usageError(error: Error, io: Io): ExitCode {
  io.err(`error: ${quotedText(error.message, io)}\n`);
  return EXIT.usage;
}
