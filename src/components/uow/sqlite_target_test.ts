import assert from "node:assert/strict";
import { z } from "zod";
import {
  checkIntegrity,
  CONNECTION_COUNTERS,
  CONNECTION_OPTIONS,
  CONNECTION_PEAK_COUNTERS,
  connectionCounters,
  connectionOptions,
  createRunDatabase,
} from "./sqlite_target.ts";
import { openDatabase, type UnitOfWorkStats } from "./unit_of_work.ts";

Deno.test("CONNECTION_OPTIONS parse to the OpenOptions connectionOptions() makes", () => {
  const schema = z.strictObject(CONNECTION_OPTIONS);
  const MiB = 1024 * 1024;
  assert.deepEqual(connectionOptions(schema.parse({})), {
    journalMode: "wal",
    synchronous: "normal",
    wal: { sizeLimit: 16 * MiB, checkpointAt: 16 * MiB },
    busy: { retries: 40, baseDelayMs: 1, maxDelayMs: 16 },
  });
  assert.deepEqual(
    connectionOptions(schema.parse({
      journal_mode: "delete",
      synchronous: "full",
      busy_retries: 3,
      busy_base_delay_ms: 20,
      busy_max_delay_ms: 5,
      wal_limit_mb: 0.5,
    })),
    {
      journalMode: "delete",
      synchronous: "full",
      wal: { sizeLimit: MiB / 2, checkpointAt: MiB / 2 },
      busy: { retries: 3, baseDelayMs: 20, maxDelayMs: 20 },
    },
    "the largest delay is raised to the base delay",
  );
  assert.equal(schema.safeParse({ journal_mode: "wall" }).success, false);
});

Deno.test("connectionCounters() sums every connection's stats (the WAL peak is a peak), one counter per CONNECTION_COUNTERS entry", () => {
  const stats = (n: number): UnitOfWorkStats => ({
    commits: n,
    reads: 2 * n,
    rollbacks: 3 * n,
    conflicts: 0,
    busyRetries: 4 * n,
    busyRetried: 5 * n,
    busyWaitMs: 6 * n,
    busyErrors: 7 * n,
    statements: 0,
    checkpoints: 8 * n,
    checkpointsBusy: 9 * n,
    walBytesPeak: 1000 * n,
  });
  const counters = connectionCounters([stats(1), stats(10)]);
  assert.deepEqual(counters, {
    transactions: 66,
    busy_retries: 44,
    busy_retried: 55,
    busy_wait_ms: 66,
    busy_errors: 77,
    checkpoints: 88,
    checkpoints_busy: 99,
    wal_bytes_peak: 10_000,
  });
  assert.deepEqual(Object.keys(counters), Object.keys(CONNECTION_COUNTERS));
  assert.deepEqual(CONNECTION_PEAK_COUNTERS, ["wal_bytes_peak"]);
});

Deno.test("checkIntegrity() holds on a healthy database and names what a broken one lacks", async () => {
  await using uow = await openDatabase(":memory:", { foreignKeys: false });
  assert.deepEqual(await checkIntegrity(uow), {
    ok: true,
    detail: "integrity_check ok, no foreign key violations",
  });
  await uow.run((tx) =>
    tx.outbox.add({ topic: "t", key: "k", payload: {}, transitionId: 42 })
  );
  const result = await checkIntegrity(uow);
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /^foreign key: row \d+ of outbox points at a missing transitions row$/,
  );
});

Deno.test("createRunDatabase() makes the run directory and a fresh database in it, whatever an earlier run left", async () => {
  const root = await Deno.makeTempDir({ prefix: "tensile-sqlite-" });
  try {
    const run = { runDir: `${root}/run` };
    const options = z.strictObject(CONNECTION_OPTIONS).parse({});
    {
      await using first = await createRunDatabase(run, {
        file: "t.db",
        options,
      });
      assert.equal(first.path, `${root}/run/t.db`);
      await first.run((tx) => tx.accounts.insertMany([{ id: 1, balance: 5 }]));
    }
    await using again = await createRunDatabase(run, {
      file: "t.db",
      options,
    });
    assert.equal(await again.read((tx) => tx.accounts.get(1)), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
