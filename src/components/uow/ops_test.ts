import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SeededRng } from "../../engine/rng.ts";
import { outcomeOf } from "../../errors.ts";
import { parseScenarios, ScenarioError } from "../../scenario/mod.ts";
import type { InvariantResult, TargetInstance } from "../../target.ts";
import { uowTarget } from "./ops.ts";
import { openConnections } from "./unit_of_work.ts";

const ALL_INVARIANTS = Object.keys(uowTarget.invariants!);

interface Opened extends AsyncDisposable {
  /** The first worker's instance. */
  instance: TargetInstance;
  /** Every worker's instance (one connection each), all in this thread. */
  instances: TargetInstance[];
  path: string;
}

/** Prepares a run directory and opens `workers` instances in-process. */
async function openUow(
  options: Record<string, unknown>,
  workers = 1,
): Promise<Opened> {
  const runDir = await Deno.makeTempDir({ prefix: "tensile-uow-ops-" });
  const parsed = uowTarget.options!.parse(options);
  const shared = await uowTarget.prepare!(parsed, {
    workers,
    seed: 1,
    runDir,
    signal: new AbortController().signal,
  });
  const instances: TargetInstance[] = [];
  for (let index = 0; index < workers; index++) {
    instances.push(
      await uowTarget.open(parsed, {
        index,
        count: workers,
        concurrency: 4,
        seed: 1,
        runDir,
        shared,
      }),
    );
  }
  return {
    instance: instances[0],
    instances,
    path: `${runDir}/uow.db`,
    [Symbol.asyncDispose]: async () => {
      for (const instance of instances) await instance.close();
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
  assert.equal(parsed.defect, "none");
  assert.throws(() => uowTarget.options!.parse({ acounts: 5 }), /acounts/);
  assert.throws(
    () => uowTarget.options!.parse({ accounts: 3, hot_accounts: 4 }),
    /hot_accounts \(4\) exceeds accounts \(3\)/,
  );
  assert.throws(() => uowTarget.options!.parse({ defect: "nope" }));
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
  await using run = await openUow({
    entities: 10,
    hot_entities: 1,
    history: 2,
  });
  const outcomes = await drive(run.instance, { op: "update", times: 25 });
  assert.ok((outcomes.conflict ?? 0) > 0, JSON.stringify(outcomes));
  const db = new DatabaseSync(run.path, { readOnly: true });
  try {
    const row = db.prepare(
      "SELECT version, data FROM entities WHERE id = 'item-0'",
    ).get()!;
    assert.equal(row.version, 2 + outcomes.ok);
    assert.equal(JSON.parse(row.data as string).touched, outcomes.ok);
  } finally {
    db.close();
  }
});

Deno.test("uowTarget batch_insert lands 1000+ rows where query reads", async () => {
  await using run = await openUow({ entities: 1000 });
  await drive(run.instance, { op: "batch_insert", times: 1, tasks: 2 });
  const db = new DatabaseSync(run.path, { readOnly: true });
  try {
    // The batch rows are items dated among the seeded ones, in the range
    // the query op scans through the (kind, created_at) index.
    const seeded = db.prepare(
      "SELECT min(created_at) AS lo, max(created_at) AS hi FROM entities WHERE id LIKE 'item-%'",
    ).get()!;
    assert.equal(
      db.prepare(
        "SELECT count(*) AS n FROM entities WHERE kind = 'item' AND id LIKE 'uow-w0-b%' AND created_at BETWEEN ? AND ?",
      ).get(seeded.lo as number, (seeded.hi as number) + 1000)?.n,
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

Deno.test("uowTarget seeds items with a history that serialize carries", async () => {
  await using run = await openUow({ entities: 20, history: 5 });
  const db = new DatabaseSync(run.path, { readOnly: true });
  try {
    const rows = db.prepare(
      `SELECT e.version AS version, count(t.id) AS logged FROM entities e
        JOIN transitions t ON t.entity_id = e.id WHERE e.id LIKE 'item-%'
        GROUP BY e.id`,
    ).all();
    assert.equal(rows.length, 20);
    for (const row of rows) {
      assert.deepEqual({ ...row }, { version: 5, logged: 5 });
    }
  } finally {
    db.close();
  }
  // deserialize refuses a document whose history is not the seeded one.
  assert.deepEqual(
    await drive(run.instance, { op: "deserialize", times: 10 }),
    { ok: 40 },
  );
  await using bare = await openUow({ entities: 20, history: 0 });
  assert.deepEqual(
    await drive(bare.instance, { op: "serialize", times: 5 }),
    { ok: 20 },
  );
});

Deno.test("uowTarget counters count lock retries across connections", async () => {
  await using run = await openUow({ counters: 2 }, 3);
  const before = run.instances.map((i) => i.counters!());
  // Three connections in one thread: a transaction yields between BEGIN and
  // COMMIT, so another connection's BEGIN IMMEDIATE meets the lock.
  const outcomes = await Promise.all(
    run.instances.map((instance) =>
      drive(instance, { op: "increment", times: 20, tasks: 2 })
    ),
  );
  assert.deepEqual(outcomes, [{ ok: 40 }, { ok: 40 }, { ok: 40 }]);
  const total = (name: string) =>
    run.instances.reduce(
      (sum, instance, i) => sum + instance.counters!()[name] - before[i][name],
      0,
    );
  assert.equal(total("transactions"), 120);
  assert.ok(total("busy_retried") > 0, "some increments met the lock");
  assert.ok(total("busy_retried") <= 120);
  assert.ok(total("busy_retries") >= total("busy_retried"));
  assert.ok(total("busy_wait_ms") > 0);
  assert.equal(total("busy_errors"), 0);
  assert.deepEqual(
    Object.keys(run.instance.counters!()).sort(),
    Object.keys(uowTarget.counters!).sort(),
  );
});

Deno.test("uowTarget open_close counts its extra connections", async () => {
  await using run = await openUow({});
  const before = run.instance.counters!().transactions;
  await drive(run.instance, { op: "open_close", times: 3, tasks: 1 });
  // Each extra connection: its migration check and one read.
  assert.equal(run.instance.counters!().transactions - before, 6);
});

Deno.test("uowTarget connections_released", async (t) => {
  const base = openConnections();

  await t.step(
    "holds after rapid open/close with failing transactions",
    async () => {
      await using run = await openUow({});
      await drive(run.instance, {
        op: "open_close",
        params: { fail: 0.5 },
        times: 10,
      });
      await drive(run.instance, { op: "rollback", times: 5 });
      const [result] = await run.instance.invariants!(["connections_released"]);
      assert.ok(result.ok, result.detail);
      assert.match(
        result.detail,
        /1 connections open in this worker, 0 beyond/,
      );
    },
  );

  await t.step("breaks when the error path leaks connections", async () => {
    await using run = await openUow({ defect: "leak-connections" });
    const outcomes = await drive(run.instance, {
      op: "open_close",
      params: { fail: 0.5 },
      times: 10,
    });
    assert.deepEqual(outcomes, { ok: 40 });
    const [result] = await run.instance.invariants!(["connections_released"]);
    assert.equal(result.ok, false, result.detail);
    assert.match(result.detail, /open in this worker, [1-9]\d* beyond/);
  });

  await t.step("close() releases even leaked connections", () => {
    assert.equal(openConnections(), base);
  });
});

Deno.test("uowTarget defect split-transfer breaks total_balance_conserved", async () => {
  await using run = await openUow({
    accounts: 10,
    hot_accounts: 3,
    defect: "split-transfer",
  });
  await drive(run.instance, { op: "transfer", params: { hot: 1 }, times: 50 });
  const [result] = await run.instance.invariants!(["total_balance_conserved"]);
  assert.equal(result.ok, false, result.detail);
  assert.doesNotMatch(result.detail, /is 10000 \(/);
});

Deno.test("uowTarget defect split-increment breaks no_lost_updates", async () => {
  await using run = await openUow({ counters: 2, defect: "split-increment" });
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
    const run = {
      workers: 1,
      seed: 1,
      runDir,
      signal: new AbortController().signal,
    };
    await uowTarget.prepare!(options, run);
    edit(`${runDir}/uow.db`, "UPDATE accounts SET balance = 0");
    const shared = await uowTarget.prepare!(options, run);
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

/** Validates a one-scenario file whose options are `options` (line 3). */
function validateUow(options: string) {
  return parseScenarios(
    "s.yaml",
    `name: x
target: uow
options: ${options}
load: { executor: shared-iterations, iterations: 10 }
mix:
  - { op: transfer }
`,
    { targets: { uow: uowTarget } },
  );
}

Deno.test("uowTarget options refuse what prepare() cannot seed or total exactly, saying why and where", async (t) => {
  const refuses = (options: string, says: RegExp) =>
    assert.throws(
      () => validateUow(options),
      (error: unknown) => {
        assert.ok(error instanceof ScenarioError, String(error));
        assert.match(error.message, says);
        return true;
      },
    );
  await t.step(
    "accounts beyond 1,000,000 (1e9 would allocate gigabytes)",
    () =>
      refuses(
        "{ accounts: 1000000000 }",
        /^s\.yaml:3:22: "options\.accounts": 1000000000 accounts is more than 1,000,000: prepare\(\) seeds every one/,
      ),
  );
  await t.step("a total balance beyond 2^53 - 1", () =>
    refuses(
      "{ initial_balance: 9007199254740000 }",
      /^s\.yaml:3:29: "options\.initial_balance": initial_balance × accounts \(9007199254740000 × 100\) is above 2\^53 − 1 \(9007199254740991\), where the total balance stops being exact: at most 90071992547409 with 100 accounts/,
    ));
  await t.step("entities, counters and log rows beyond their bounds", () => {
    refuses("{ entities: 1000001 }", /"options\.entities": 1000001 entities/);
    refuses("{ counters: 100001 }", /"options\.counters": 100001 counters/);
    refuses(
      "{ entities: 1000000, history: 11 }",
      /"options\.history": entities × history \(1000000 × 11\) is 11,000,000 log rows, more than 10,000,000/,
    );
  });
  await t.step("the largest sizes allowed pass", () => {
    const [plan] = validateUow(
      "{ accounts: 1000000, initial_balance: 9007199254, entities: 1000000, history: 10, counters: 100000 }",
    );
    assert.equal(plan.options.accounts, 1_000_000);
  });
});
