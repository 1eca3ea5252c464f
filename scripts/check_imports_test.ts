import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { checkFile, checkTree, importsOf } from "./check_imports.ts";

const ROOT = resolve(dirname(fromFileUrl(import.meta.url)), "..");
const at = (path: string) => join(ROOT, path);
const reasons = (path: string, text: string) =>
  checkFile(ROOT, at(path), text).map((v) => v.reason);

Deno.test("importsOf() finds imports and re-exports, not those in comments", () => {
  const found = importsOf(`/**
 * import { x } from "./not_this.ts";
 */
import { a } from "./a.ts";
// import { b } from "./not_that.ts";
export { c } from "../c/mod.ts";
const w = new URL("./worker.ts", import.meta.url);
const d = await import("./d.ts");
`);
  assert.deepEqual(found.map((f) => f.specifier), [
    "./a.ts",
    "../c/mod.ts",
    "./worker.ts",
    "./d.ts",
  ]);
  assert.deepEqual(found.map((f) => f.line), [4, 6, 7, 8]);
});

Deno.test("checkFile() refuses imports against the data flow", async (t) => {
  await t.step("a component importing the engine", () => {
    assert.match(
      reasons("src/components/fsm/ops.ts", 'import "../../engine/mod.ts";')[0],
      /components\/ may not import engine\//,
    );
  });
  await t.step("a report reading live engine state", () => {
    assert.equal(
      reasons("src/report/terminal.ts", 'import "../engine/mod.ts";').length,
      1,
    );
  });
  await t.step("anything but an entry importing cli", () => {
    assert.match(
      reasons("src/engine/run_test.ts", 'import "../cli/mod.ts";')[0],
      /nothing imports cli/,
    );
  });
  await t.step("a private file of another part", () => {
    assert.match(
      reasons("src/cli/run.ts", 'import "../engine/_worker_runtime.ts";')[0],
      /through its door/,
    );
  });
  await t.step("the kernel importing the harness", () => {
    assert.match(
      reasons("src/target.ts", 'import "./engine/mod.ts";')[0],
      /kernel imports no part/,
    );
  });
});

Deno.test("checkFile() allows what the data flow allows", () => {
  assert.deepEqual(reasons("src/cli/run.ts", 'import "../engine/mod.ts";'), []);
  assert.deepEqual(
    reasons(
      "src/engine/run.ts",
      'import "../stats/mod.ts";\nimport "../errors.ts";',
    ),
    [],
  );
  assert.deepEqual(
    reasons("src/components/workflow/ops.ts", 'import "../uow/mod.ts";'),
    [],
  );
  assert.deepEqual(reasons("src/mod.ts", 'import "./cli/mod.ts";'), []);
  assert.deepEqual(
    reasons("src/engine/run_test.ts", 'import "../components/mod.ts";'),
    [],
  );
});

Deno.test("checkTree() finds nothing against the data flow in src/", async () => {
  assert.deepEqual(await checkTree(ROOT), []);
});
