import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ArtifactError,
  formatJson,
  readArtifact,
  writeArtifact,
} from "./mod.ts";

const GOLDEN = fileURLToPath(
  new URL("../../tests/fixtures/golden/result.json", import.meta.url),
);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-artifact-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that reading `path` fails with an ArtifactError saying `says`. */
async function assertRejects(path: string, says: RegExp): Promise<void> {
  const error = await readArtifact(path).then(
    () => assert.fail(`read "${path}" as an artifact`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof ArtifactError, String(error));
  assert.equal(error.path, path);
  assert.match(error.message, says);
}

Deno.test("readArtifact() reads a tensile/result@1 file into the artifact", async () => {
  const artifact = await readArtifact(GOLDEN);
  assert.equal(artifact.schema, "tensile/result@1");
  assert.deepEqual(
    artifact.scenarios.map((s) => s.name),
    ["calibrate-noop", "calibrate-faults"],
  );
  assert.equal(artifact.scenarios[1].thresholds[0].kind, "percent");
});

Deno.test("readArtifact() rejects a file that is not JSON, quoting the path", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "result.json");
    await Deno.writeTextFile(path, "{ not json");
    await assertRejects(
      path,
      new RegExp(`^Cannot read artifact "${path}": not JSON \\(`),
    );
  });
});

Deno.test("readArtifact() rejects JSON of another shape, naming the first wrong field", async (t) => {
  const golden = JSON.parse(await Deno.readTextFile(GOLDEN));
  await withTempDir(async (dir) => {
    const path = join(dir, "result.json");
    await t.step("another schema id", async () => {
      await Deno.writeTextFile(path, formatJson({ ...golden, schema: "x" }));
      await assertRejects(
        path,
        /not a tensile\/result@1 file \(schema: Invalid input: expected "tensile\/result@1"\)$/,
      );
    });
    await t.step("an unknown profile deep inside", async () => {
      const scenarios = [{ ...golden.scenarios[0], profile: "huge" }];
      await Deno.writeTextFile(path, formatJson({ ...golden, scenarios }));
      await assertRejects(
        path,
        /not a tensile\/result@1 file \(scenarios\.0\.profile: /,
      );
    });
    await t.step("not an object at all", async () => {
      await Deno.writeTextFile(path, "[]");
      await assertRejects(path, /not a tensile\/result@1 file \(top level: /);
    });
  });
});

Deno.test("readArtifact() rejects a missing file with the system's reason", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "missing.json");
    await assertRejects(
      path,
      new RegExp(`^Cannot read artifact "${path}": No such file`),
    );
  });
});

Deno.test("writeArtifact() writes what readArtifact() reads back, leaving no temp file", async () => {
  const artifact = await readArtifact(GOLDEN);
  await withTempDir(async (dir) => {
    const path = join(dir, "out", "result.json");
    await writeArtifact(path, artifact);
    assert.deepEqual(await readArtifact(path), artifact);
    assert.equal(await Deno.readTextFile(path), formatJson(artifact));
    const names = [];
    for await (const entry of Deno.readDir(join(dir, "out"))) {
      names.push(entry.name);
    }
    assert.deepEqual(names, ["result.json"]);
  });
});
