import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ARTIFACT_MAX_BYTES,
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
async function assertRejects(
  path: string,
  says: RegExp,
  maxBytes?: number,
): Promise<void> {
  const error = await readArtifact(path, { maxBytes }).then(
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

Deno.test("readArtifact() rejects a histogram that is not HDR compressed base64, naming the field", async (t) => {
  const golden = JSON.parse(await Deno.readTextFile(GOLDEN));
  const real: string = golden.scenarios[0].measurements.histogram;
  await withTempDir(async (dir) => {
    const path = join(dir, "result.json");
    // Each once reached merge/compare and failed there with zlib's message
    // ("incorrect header check") and exit 3, naming no file or field.
    const bogus = {
      "not base64": "HISTFAAAAlx4!!!notbase64",
      "base64 of no histogram": "AAAAAAAAAAAAAAAA",
      "cut short": real.slice(0, real.length - 8),
    };
    for (const [what, histogram] of Object.entries(bogus)) {
      await t.step(what, async () => {
        const edited = structuredClone(golden);
        edited.scenarios[0].measurements.histogram = histogram;
        await Deno.writeTextFile(path, formatJson(edited));
        await assertRejects(
          path,
          /not a tensile\/result@1 file \(scenarios\.0\.measurements\.histogram: not an encoded HDR histogram /,
        );
      });
    }
    await t.step("the real one reads", async () => {
      await Deno.writeTextFile(path, formatJson(golden));
      const artifact = await readArtifact(path);
      assert.equal(artifact.scenarios[0].measurements.histogram, real);
    });
  });
});

Deno.test("readArtifact() rejects a missing file with the system's reason", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "missing.json");
    await assertRejects(
      path,
      new RegExp(`^Cannot read artifact "${path}": No such file or directory$`),
    );
  });
});

Deno.test("readArtifact() reads regular files only, saying what the path is", async () => {
  await withTempDir(async (dir) => {
    await assertRejects(
      dir,
      new RegExp(
        `^Cannot read artifact "${dir}": not a regular file \\(a directory\\)$`,
      ),
    );
  });
  // A FIFO and /dev/zero would block or never end: see
  // tests/cli_report_input_test.ts, which can kill a reader that hangs.
});

Deno.test("readArtifact() refuses a file larger than the cap without reading it", async () => {
  assert.equal(ARTIFACT_MAX_BYTES, 256 * 1024 * 1024);
  await withTempDir(async (dir) => {
    const path = join(dir, "huge.json");
    // Sparse: takes no disk space, but would take 257 MiB of memory to read.
    await Deno.writeTextFile(path, "");
    await Deno.truncate(path, ARTIFACT_MAX_BYTES + 1024 * 1024);
    await assertRejects(
      path,
      /: larger than the 256 MiB limit for an artifact$/,
    );
  });
});

Deno.test({
  name: "readArtifact() stops reading past the cap when the size lies",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Files under /proc say they are empty, then stream on.
    const path = "/proc/self/maps";
    assert.equal((await Deno.stat(path)).size, 0);
    await assertRejects(path, /: larger than the 16 bytes limit/, 16);
  },
});

Deno.test({
  name:
    "readArtifact() says an unreadable file is not permitted, with no Deno flags",
  // root reads anything.
  ignore: Deno.build.os === "windows" || Deno.uid() === 0,
  async fn() {
    await withTempDir(async (dir) => {
      const path = join(dir, "secret.json");
      await Deno.writeTextFile(path, "{}");
      await Deno.chmod(path, 0o000);
      await assertRejects(
        path,
        new RegExp(`^Cannot read artifact "${path}": permission denied$`),
      );
    });
  },
});

Deno.test({
  name:
    "readArtifact() reports a /proc file that fails to read with the system's reason",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // A regular file by stat, an I/O error on read.
    await assertRejects(
      "/proc/self/mem",
      /^Cannot read artifact "\/proc\/self\/mem": Input\/output error$/,
    );
  },
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

Deno.test("readArtifact() keeps the open model's fields, and reads artifacts written before them", async () => {
  const closed = await readArtifact(GOLDEN);
  assert.equal("service_time" in closed.scenarios[0].measurements, false);
  const open = structuredClone(closed);
  const scenario = open.scenarios[0];
  Object.assign(scenario.load, {
    executor: "ramping-arrival-rate",
    time_unit_ms: 1000,
    start_rate: 10,
    stages: [{ duration_ms: 1000, target: 50 }],
  });
  const m = scenario.measurements;
  Object.assign(m, {
    service_time: { ...m.latency, p99: 0.01 },
    service_histogram: m.histogram,
    dropped: 3,
    max_lag_ms: 12.5,
  });
  Object.assign(m.timeseries[0], {
    target: 30,
    achieved: 29.5,
    dropped: 3,
    lag_ms: 12.5,
  });
  await withTempDir(async (dir) => {
    const path = join(dir, "result.json");
    await writeArtifact(path, open);
    assert.deepEqual(await readArtifact(path), open);
  });
});
