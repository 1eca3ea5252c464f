import type { Profile } from "../scenario/mod.ts";
import { formatIssue } from "../scenario/mod.ts";
import { loadArgs } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { type Io, quotedText } from "./io.ts";

/**
 * `tensile validate`: checks files without running them, exactly as `run`
 * would load them (the same {@link loadArgs}), names clashing across files
 * included. One line per file that holds, one per problem otherwise.
 */
export async function validateCommand(
  files: readonly string[],
  options: { profile: Profile },
  io: Io,
): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  for (const { arg, plans, issues } of await loadArgs(files, options.profile)) {
    if (issues.length > 0) {
      io.err(`${quotedText(issues.map(formatIssue).join("\n"), io)}\n`);
      code = EXIT.usage;
      continue;
    }
    io.out(
      `ok ${quotedText(arg, io)}: ${plans.length} scenario${
        plans.length === 1 ? "" : "s"
      } (${plans.map((plan) => plan.name).join(", ")})\n`,
    );
  }
  return code;
}
