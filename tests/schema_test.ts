import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { builtinFiles } from "../src/cli/_builtin.ts";
import { main } from "../src/cli/mod.ts";
import { SCHEMA_FILES, schemaTexts } from "../src/cli/schema.ts";
import { captureIo } from "./_helpers.ts";

Deno.test("the checked-in JSON Schemas match the zod schemas (run `deno task schema` to update)", async () => {
  const texts = schemaTexts();
  assert.equal(await Deno.readTextFile(SCHEMA_FILES.scenario), texts.scenario);
  assert.equal(await Deno.readTextFile(SCHEMA_FILES.result), texts.result);
  assert.equal(await Deno.readTextFile(SCHEMA_FILES.compare), texts.compare);
});

Deno.test("tensile schema prints the scenario schema", async () => {
  const { io, out } = captureIo();
  assert.equal(await main(["schema"], io), 0);
  assert.equal(out(), schemaTexts().scenario);
});

Deno.test("every built-in scenario file validates against the scenario JSON Schema", () => {
  const validate = new Ajv2020({ strict: false }).compile(
    JSON.parse(schemaTexts().scenario),
  );
  for (const file of builtinFiles()) {
    assert.ok(
      validate(parse(Deno.readTextFileSync(file))),
      `${file}: ${JSON.stringify(validate.errors)}`,
    );
  }
});
