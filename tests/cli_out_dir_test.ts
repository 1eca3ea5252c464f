/**
 * The output folder (`--out`): the tool deletes only what it made, two runs
 * never share one, and a folder that cannot take the results is refused
 * before any load runs.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { writeStaleLock } from "../src/artifact/testdata/stale_lock.ts";
import { captureIo, runCli, withTempDir } from "./_helpers.ts";

const QUICK = `name: quick
target: calibrate
load: { executor: per-worker-iterations, iterations: 50 }
mix: [{ op: noop }]
`;

async function run(dir: string, out: string) {
  const file = join(dir, "quick.yaml");
  await Deno.writeTextFile(file, QUICK);
  const { io, err } = captureIo();
  const code = await main(["run", file, "--out", out, "--quiet"], io);
  return { code, err: err() };
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("tensile run deletes nothing it did not create under --out", async (t) => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out");
    await t.step("a folder that was there before is kept", async () => {
      await Deno.mkdir(join(out, "work", "quick"), { recursive: true });
      await Deno.writeTextFile(join(out, "work", "quick", "mine.txt"), "x");
      const { code, err } = await run(dir, out);
      assert.equal(code, 0, err);
      assert.ok(await exists(join(out, "work", "quick", "mine.txt")));
    });
    await t.step(
      "a symlink to a folder outside --out is not followed",
      async () => {
        const outside = join(dir, "outside");
        await Deno.mkdir(join(outside, "quick"), { recursive: true });
        await Deno.writeTextFile(join(outside, "quick", "data.txt"), "x");
        await Deno.remove(join(out, "work"), { recursive: true });
        await Deno.symlink(outside, join(out, "work"));
        const { code, err } = await run(dir, out);
        assert.equal(code, 0, err);
        assert.ok(await exists(join(outside, "quick", "data.txt")));
        assert.ok(await exists(join(out, "work")));
      },
    );
    await t.step(
      "the run's own scratch folder is gone after a pass",
      async () => {
        const left = [];
        for await (const entry of Deno.readDir(out)) {
          if (entry.name.startsWith(".work-")) left.push(entry.name);
        }
        assert.deepEqual(left, []);
        assert.equal(await exists(join(out, ".tensile.lock")), false);
      },
    );
  });
});

Deno.test("a second run on the same --out is refused with exit 2, naming the first", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out");
    await Deno.mkdir(out);
    // A live run's lock: this test process stands in for it.
    await Deno.writeTextFile(
      join(out, ".tensile.lock"),
      JSON.stringify({
        pid: Deno.pid,
        host: Deno.hostname(),
        started_at: "2026-01-01T00:00:00.000Z",
      }),
    );
    const { code, err } = await run(dir, out);
    assert.equal(code, 2);
    assert.match(err, new RegExp(`another tensile run \\(pid ${Deno.pid}`));
    assert.equal(await exists(join(out, "result.json")), false);
  });
});

Deno.test("a lock left by a run that was killed does not block the next", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "out");
    await Deno.mkdir(out);
    await writeStaleLock(out);
    const { code, err } = await run(dir, out);
    assert.equal(code, 0, err);
  });
});

Deno.test("two runs started at once on one --out: one runs, the other gets exit 2", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "quick.yaml");
    await Deno.writeTextFile(
      file,
      `name: slow
target: calibrate
load: { executor: constant-workers, duration: 3s }
mix: [{ op: sleep, params: { ms: 2 } }]
`,
    );
    const out = join(dir, "out");
    const [a, b] = await Promise.all([
      runCli(["run", file, "--out", out, "--quiet"]),
      runCli(["run", file, "--out", out, "--quiet"]),
    ]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 2], a.stderr + b.stderr);
  });
});

Deno.test("an --out that cannot take the results is refused before any load runs", async (t) => {
  await withTempDir(async (dir) => {
    await t.step("a dangling symlink", async () => {
      const out = join(dir, "dangling");
      await Deno.symlink(join(dir, "nowhere"), out);
      const { code, err } = await run(dir, out);
      assert.equal(code, 2);
      assert.match(err, /is a symlink to ".*nowhere", which does not exist/);
    });
    await t.step("result.json is a folder", async () => {
      const out = join(dir, "folder");
      await Deno.mkdir(join(out, "result.json"), { recursive: true });
      const { code, err } = await run(dir, out);
      assert.equal(code, 2);
      assert.match(err, /"result\.json" there is a folder/);
      assert.doesNotMatch(err, /quick/, "no scenario ran");
    });
    await t.step("a file", async () => {
      const out = join(dir, "file");
      await Deno.writeTextFile(out, "");
      const { code, err } = await run(dir, out);
      assert.equal(code, 2);
      assert.match(err, /it is a file, not a folder/);
    });
  });
});
