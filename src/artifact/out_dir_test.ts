import assert from "node:assert/strict";
import { join } from "node:path";
import { OutDir, OutDirError } from "./out_dir.ts";
import { writeStaleLock } from "./testdata/stale_lock.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-out-dir-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("OutDir.open() lets exactly one of many runs take over a stale lock", async () => {
  for (let trial = 0; trial < 5; trial++) {
    await withTempDir(async (dir) => {
      await writeStaleLock(dir);
      const opened = await Promise.allSettled(
        Array.from({ length: 8 }, () => OutDir.open(dir)),
      );
      const won = opened.filter((o) => o.status === "fulfilled");
      assert.equal(won.length, 1, `trial ${trial}`);
      for (const o of opened) {
        if (o.status === "rejected") {
          assert.ok(o.reason instanceof OutDirError, String(o.reason));
        }
      }
      await (won[0] as PromiseFulfilledResult<OutDir>).value
        [Symbol.asyncDispose]();
      await assert.rejects(Deno.stat(join(dir, ".tensile.lock")));
    });
  }
});

Deno.test("OutDir.open() does not take a lock it cannot read for a stale one", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, ".tensile.lock"), "");
    await assert.rejects(OutDir.open(dir), /is not a tensile lock/);
    assert.equal(await Deno.readTextFile(join(dir, ".tensile.lock")), "");
  });
});

Deno.test("OutDir.releaseSync() removes this run's lock and no other", async () => {
  await withTempDir(async (dir) => {
    const out = await OutDir.open(dir);
    out.releaseSync();
    await assert.rejects(Deno.stat(join(dir, ".tensile.lock")));
    const second = await OutDir.open(dir);
    out.releaseSync(); // not the first run's lock any more
    await Deno.stat(join(dir, ".tensile.lock"));
    await second[Symbol.asyncDispose]();
  });
});
