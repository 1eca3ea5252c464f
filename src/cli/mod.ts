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
import {
  ArtifactError,
  MergeError,
  OutDirError,
  VERSION,
} from "../artifact/mod.ts";
import {
  parseShard,
  type Profile,
  PROFILES,
  ScenarioError,
  type Shard,
} from "../scenario/mod.ts";
import { UsageError } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { denoIo, type Io, quotedText } from "./io.ts";
import { listCommand } from "./list.ts";
import { mergeCommand } from "./merge.ts";
import { FORMAT_CHOICES, reportCommand } from "./report.ts";
import { runCommand } from "./run.ts";
import { schemaCommand } from "./schema.ts";
import { validateCommand } from "./validate.ts";

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

function shardOption(value: string): Shard {
  try {
    return parseShard(value);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InvalidArgumentError(error.message);
    }
    throw error;
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
    .version(VERSION)
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
      shardOption,
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
    .action(async (scenarios, options) => {
      code = await runCommand(scenarios, {
        ...options,
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
      code = await mergeCommand(results, options, io);
    });

  program.command("validate")
    .description("check scenario files without running them")
    .argument("<files...>", "scenario files")
    .addOption(profileOption())
    .action(async (files, options) => {
      code = await validateCommand(files, options, io);
    });

  program.command("list")
    .description("list built-in scenarios and targets")
    .action(async () => {
      code = await listCommand(io);
    });

  program.command("schema")
    .description("print the JSON Schema of scenario files")
    .option("--artifact", "print the result artifact's schema instead", false)
    .option("--write", "write both schemas into schema/", false)
    .action(async (options) => {
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
      code = await reportCommand(result, options, io);
    });

  const argv = args.length === 0 || (args[0].startsWith("-") &&
      !["-h", "--help", "-V", "--version"].includes(args[0]))
    ? ["run", ...args]
    : [...args];
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  // Messages quote what the user wrote (paths, keys, values): escaped.
  if (error instanceof ScenarioError) {
    io.err(`${quotedText(error.message, io)}\n`);
    return EXIT.usage;
  }
  if (
    error instanceof UsageError || error instanceof ArtifactError ||
    error instanceof OutDirError || error instanceof MergeError
  ) {
    io.err(`error: ${quotedText(error.message, io)}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`error: ${quotedText(message, io)}\n`);
  if (Deno.env.get("TENSILE_DEBUG") && error instanceof Error) {
    io.err(`${error.stack}\n`);
  }
  return EXIT.runtime;
}
