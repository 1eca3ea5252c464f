import { fileURLToPath as fromFileUrl } from "node:url";
import {
  artifactJsonSchema,
  compareJsonSchema,
  formatJson,
  writeFileAtomic,
} from "../artifact/mod.ts";
import { scenarioJsonSchema } from "../scenario/mod.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";

/** Where the checked-in schemas live. */
export const SCHEMA_FILES = {
  scenario: fromFileUrl(
    new URL("../../schema/scenario.schema.json", import.meta.url),
  ),
  result: fromFileUrl(
    new URL("../../schema/result.schema.json", import.meta.url),
  ),
  compare: fromFileUrl(
    new URL("../../schema/compare.schema.json", import.meta.url),
  ),
};

/** The JSON Schema texts, as written to the repo. */
export function schemaTexts(): {
  scenario: string;
  result: string;
  compare: string;
} {
  return {
    scenario: formatJson(scenarioJsonSchema()),
    result: formatJson(artifactJsonSchema()),
    compare: formatJson(compareJsonSchema()),
  };
}

/** `tensile schema`: prints (or writes) the JSON Schemas. */
export async function schemaCommand(
  options: { artifact: boolean; write: boolean },
  io: Io,
): Promise<ExitCode> {
  const texts = schemaTexts();
  if (options.write) {
    await writeFileAtomic(SCHEMA_FILES.scenario, texts.scenario);
    await writeFileAtomic(SCHEMA_FILES.result, texts.result);
    await writeFileAtomic(SCHEMA_FILES.compare, texts.compare);
    io.err(
      `Wrote ${SCHEMA_FILES.scenario}, ${SCHEMA_FILES.result} and ${SCHEMA_FILES.compare}\n`,
    );
    return EXIT.ok;
  }
  io.out(options.artifact ? texts.result : texts.scenario);
  return EXIT.ok;
}
