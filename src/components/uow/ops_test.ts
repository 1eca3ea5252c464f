import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SeededRng } from "../../engine/rng.ts";
import { outcomeOf } from "../../errors.ts";
import type { InvariantResult, TargetInstance } from "../../target.ts";
import { uowTarget } from "./ops.ts";

const ALL_INVARIANTS = Object.keys(uowTarget.invariants!);

interface Opened extends AsyncDisposable {
  instance: TargetInstance;
  path: string;
}

/** Prepares a run directory and opens one worker's instance in-process. */
async function openUow(
  options: Record<string, unknown>,
  concurrency = 4,
): Promise<Opened> {
  const runDir = await Deno.makeTempDir({ prefix: "tensile-uow-ops-" });
  const parsed = uowTarget.options!.parse(options);
  const shared = await uowTarget.prepare!(parsed, {
    workers: 1,
    seed: 1,
    runDir,
  });
  const instance = await uowTarget.open(parsed, {
    index: 0,
    count: 1,
    concurrency,
    seed: 1,
    runDir,
    shared,
  });
  return {
    instance,
    path: `${runDir}/uow.db`,
    [Symbol.asyncDispose]: async () => {
      await instance.close();
      await Deno.remove(runDir, { recursive: true });
    },
  };
}

/** Runs `op` `times` times on each of `tasks` interleaved tasks; counts outcomes. */
async function drive(
  instance: TargetInstance,
  run: { op: string; params?: unknown; times: number; tasks?: number },
): Promise<Record<string, number>> {
  const params = uowTarget.ops[run.op].params?.parse(run.params);
  const outcomes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: run.tasks ?? 4 }, async (_, task) => {
      const rng = new SeededRng(3, task);
      for (let i = 0; i < run.times; i++) {
        let outcome = "ok";
        try {
          await instance.ops[run.op](params, rng);
        } catch (error) {
          outcome = outcomeOf(error);
          if (outcome === "error") throw error;
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  return outcomes;
}

function byName(results: InvariantResult[]): Record<string, InvariantResult> {
  return Object.fromEntries(results.map((result) => [result.name, result]));
}

function edit(path: string, sql: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

Deno.test("uowTarget.options parses defaults and refuses bad keys", () => {
  const parsed = uowTarget.options!.parse(undefined) as Record<string, unknown>;
  assert.equal(parsed.accounts, 100);
  assert.equal(parsed.journal_mode, "wal");
  assert.equal(parsed.fault, "none");
  assert.throws(() => uowTarget.options!.parse({ acounts: 5 }), /acounts/);
  assert.throws(
    () => uowTarget.options!.parse({ accounts: 3, hot_accounts: 4 }),
    /hot_accounts \(4\) exceeds accounts \(3\)/,
  );
  assert.throws(() => uowTarget.options!.parse({ fault: "nope" }));
});

Deno.test("uowTarget runs every op and keeps every invariant", async () => {
  await using run = await openUow({ accounts: 20, entities: 300, counters: 3 });
  const params: Record<string, unknown> = {
    batch_insert: { rows: 50 },
    query: { span: 20 },
  };
  for (const op of Object.keys(uowTarget.ops)) {
    const outcomes = await drive(run.instance, {
      op,
      params: params[op],
      times: 5,
    });
    assert.ok((outcomes.ok ?? 0) > 0, `${op}: ${JSON.stringify(outcomes)}`);
  }
  const results = await run.instance.invariants!(ALL_INVARIANTS);
  assert.deepEqual(results.map((r) => r.name), ALL_INVARIANTS);
  for (const result of results) {
    assert.ok(result.ok, `${result.name}: ${result.detail}`);
  }
  assert.match(
    byName(results).total_balance_conserved.detail,
    /is 20000 \(seeded 20000\)/,
  );
  assert.match(
    byName(results).no_lost_updates.detail,
    /acknowledged 20, 20 logged/,
  );
});

Deno.test("uowTarget update conflicts on hot rows and never loses a write", async () => {
  await using run = await openUow({ entities: 10, hot_entities: 1 });
  const outcomes = await drive(run.instance, { op: "update", times: 25 });
  assert.ok((outcomes.conflict ?? 0) > 0, JSON.stringify(outcomes));
  const db = new DatabaseSync(run.path, { readOnly: true });
  try {
    const row = db.prepare(
      "SELECT version, data FROM entities WHERE id = 'item-0'",
    ).get()!;
    assert.equal(row.version, 1 + outcomes.ok);
    assert.equal(JSON.parse(row.data as string).touched, outcomes.ok);
  } finally {
    db.close();
  }
});

Deno.test("uowTarget batch_insert and query cover 1000+ rows", async () => {
  await using run = await openUow({ entities: 1000 });
  await drive(run.instance, { op: "batch_insert", times: 1, tasks: 2 });
  const db = new DatabaseSync(run.path, { readOnly: true });
  try {
    assert.equal(
      db.prepare("SELECT count(*) AS n FROM entities WHERE kind = 'batch'")
        .get()?.n,
      2000,
    );
  } finally {
    db.close();
  }
  const outcomes = await drive(run.instance, {
    op: "query",
    params: { span: 200 },
    times: 10,
  });
  assert.deepEqual(outcomes, { ok: 40 });
});

Deno.test("uowTarget fault split-transfer breaks total_balance_conserved", async () => {
  await using run = await openUow({
    accounts: 10,
    hot_accounts: 3,
    fault: "split-transfer",
  });
  await drive(run.instance, { op: "transfer", params: { hot: 1 }, times: 50 });
  const [result] = await run.instance.invariants!(["total_balance_conserved"]);
  assert.equal(result.ok, false, result.detail);
  assert.doesNotMatch(result.detail, /is 10000 \(/);
});

Deno.test("uowTarget fault split-increment breaks no_lost_updates", async () => {
  await using run = await openUow({ counters: 2, fault: "split-increment" });
  await drive(run.instance, { op: "increment", times: 25 });
  const [result] = await run.instance.invariants!(["no_lost_updates"]);
  assert.equal(result.ok, false);
  assert.match(result.detail, /holds \d+ but \d+ were logged/);
});

Deno.test("uowTarget invariants fail on a damaged database", async (t) => {
  await using run = await openUow({
    accounts: 4,
    hot_accounts: 2,
    counters: 2,
  });
  await drive(run.instance, { op: "increment", times: 5 });

  await t.step("total_balance_conserved: a negative balance", async () => {
    edit(
      run.path,
      "UPDATE accounts SET balance = -5 WHERE id = 1; UPDATE accounts SET balance = balance + 1005 WHERE id = 2",
    );
    const [result] = await run.instance.invariants!([
      "total_balance_conserved",
    ]);
    assert.equal(result.ok, false);
    assert.match(result.detail, /is 4000 \(seeded 4000\), lowest -5/);
  });

  await t.step("total_balance_conserved: money created", async () => {
    edit(run.path, "UPDATE accounts SET balance = 1000 WHERE id = 1");
    const [result] = await run.instance.invariants!([
      "total_balance_conserved",
    ]);
    assert.equal(result.ok, false);
    assert.match(result.detail, /is 5005 \(seeded 4000\)/);
  });

  await t.step(
    "no_lost_updates: an acknowledged increment missing from the log",
    async () => {
      edit(
        run.path,
        "DELETE FROM transitions WHERE id = (SELECT max(id) FROM transitions WHERE name = 'increment')",
      );
      const [result] = await run.instance.invariants!(["no_lost_updates"]);
      assert.equal(result.ok, false);
      assert.match(result.detail, /logged but \d+ acknowledged/);
    },
  );

  await t.step("integrity: a dangling foreign key", async () => {
    edit(
      run.path,
      "PRAGMA foreign_keys = OFF; INSERT INTO outbox (topic, key, transition_id, payload, created_at) VALUES ('t', 'k', 99999, '{}', 0)",
    );
    const [result] = await run.instance.invariants!(["integrity"]);
    assert.equal(result.ok, false);
    assert.match(result.detail, /foreign key/);
  });
});

Deno.test("uowTarget.prepare() starts from a fresh database file", async () => {
  const runDir = await Deno.makeTempDir({ prefix: "tensile-uow-ops-" });
  try {
    const options = uowTarget.options!.parse({ accounts: 5 });
    await uowTarget.prepare!(options, { workers: 1, seed: 1, runDir });
    edit(`${runDir}/uow.db`, "UPDATE accounts SET balance = 0");
    const shared = await uowTarget.prepare!(options, {
      workers: 1,
      seed: 1,
      runDir,
    });
    const instance = await uowTarget.open(options, {
      index: 0,
      count: 1,
      concurrency: 1,
      seed: 1,
      runDir,
      shared,
    });
    try {
      const [result] = await instance.invariants!(["total_balance_conserved"]);
      assert.ok(result.ok, result.detail);
    } finally {
      await instance.close();
    }
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
});
