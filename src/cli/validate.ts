import { type Profile, ScenarioError } from "../scenario/mod.ts";
import { loadFile } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { type Io, quotedText } from "./io.ts";

/** `tensile validate`: checks files without running them. */
export async function validateCommand(
  files: readonly string[],
  options: { profile: Profile },
  io: Io,
): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  for (const file of files) {
    try {
      const plans = await loadFile(file, options.profile);
      io.out(
        `ok ${quotedText(file, io)}: ${plans.length} scenario${
          plans.length === 1 ? "" : "s"
        } (${plans.map((plan) => plan.name).join(", ")})\n`,
      );
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      io.err(`${quotedText(error.message, io)}\n`);
      code = EXIT.usage;
    }
  }
  return code;
}
