/**
 * The unit of work against the same statements run raw on `node:sqlite`:
 * the UoW's lock, transaction object, repositories and busy handling must
 * cost less than 20% (`deno task bench`). The two-worker scaling check is
 * `bench_workers.ts`.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { openDatabase } from "./unit_of_work.ts";

const ACCOUNTS = 100;
const dir = await Deno.makeTempDir({ prefix: "tensile-uow-bench-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

// synchronous=off on both sides: checkpoint fsyncs on a shared disk vary by
// tens of ms and would swamp what is measured here, the UoW's own cost.
const uow = await openDatabase(`${dir}/uow.db`, { synchronous: "off" });
// The raw side gets the same schema (WAL) and the same pragmas.
await (await openDatabase(`${dir}/raw.db`)).close();
const raw = new DatabaseSync(`${dir}/raw.db`, { timeout: 0 });
raw.exec("PRAGMA synchronous = off; PRAGMA foreign_keys = on");

const seed = Array.from(
  { length: ACCOUNTS },
  (_, i) => ({ id: i + 1, balance: 1e12 }),
);
await uow.run((tx) => tx.accounts.insertMany(seed));
const insertAccount = raw.prepare(
  "INSERT INTO accounts (id, balance, version) VALUES (?, ?, 1)",
);
raw.exec("BEGIN IMMEDIATE");
for (const account of seed) insertAccount.run(account.id, account.balance);
raw.exec("COMMIT");

const begin = raw.prepare("BEGIN IMMEDIATE");
const commit = raw.prepare("COMMIT");
const getAccount = raw.prepare(
  "SELECT id, balance, version FROM accounts WHERE id = ?",
);
const setBalance = raw.prepare(
  "UPDATE accounts SET balance = ?1, version = version + 1 WHERE id = ?2 AND (?3 IS NULL OR version = ?3) RETURNING version",
);
const insertEntity = raw.prepare(
  "INSERT INTO entities (id, kind, state, version, data, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?)",
);

let n = 0;
function pair(): [number, number] {
  const from = (n++ % ACCOUNTS) + 1;
  return [from, (from % ACCOUNTS) + 1];
}

Deno.bench({
  name: "transfer: raw node:sqlite statements",
  group: "transfer",
  baseline: true,
  n: 20_000,
  warmup: 2_000,
  fn() {
    const [from, to] = pair();
    begin.run();
    try {
      const source = getAccount.get(from)!;
      const target = getAccount.get(to)!;
      if ((source.balance as number) < 1) throw new Error("insufficient funds");
      setBalance.get((source.balance as number) - 1, from, null);
      setBalance.get((target.balance as number) + 1, to, null);
      commit.run();
    } catch (error) {
      raw.exec("ROLLBACK");
      throw error;
    }
  },
});

Deno.bench({
  name: "transfer: uow.run + tx.accounts.transfer",
  group: "transfer",
  n: 20_000,
  warmup: 2_000,
  async fn() {
    const [from, to] = pair();
    await uow.run((tx) => tx.accounts.transfer(from, to, 1));
  },
});

const ROWS = 1000;
let batch = 0;
function rows(prefix: string) {
  const id = `${prefix}-${batch++}`;
  return Array.from({ length: ROWS }, (_, i) => ({
    id: `${id}-${i}`,
    kind: "batch",
    state: "new",
    data: { n: i, tags: ["a", "b"], note: "batched row" },
    createdAt: i,
  }));
}

Deno.bench({
  name: "batch insert 1000: raw node:sqlite statements",
  group: "batch_insert",
  baseline: true,
  n: 150,
  warmup: 10,
  fn() {
    const entities = rows("raw");
    begin.run();
    try {
      for (const e of entities) {
        insertEntity.run(
          e.id,
          e.kind,
          e.state,
          JSON.stringify(e.data),
          e.createdAt,
          e.createdAt,
        );
      }
      commit.run();
    } catch (error) {
      raw.exec("ROLLBACK");
      throw error;
    }
  },
});

Deno.bench({
  name: "batch insert 1000: uow.run + tx.entities.insertMany",
  group: "batch_insert",
  n: 150,
  warmup: 10,
  async fn() {
    const entities = rows("uow");
    await uow.run((tx) => tx.entities.insertMany(entities));
  },
});
