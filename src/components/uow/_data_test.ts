import assert from "node:assert/strict";
import { openDatabase } from "./unit_of_work.ts";
import {
  type CounterData,
  counterId,
  EPOCH,
  itemData,
  itemId,
  logIncrement,
  seed,
  STEP,
} from "./_data.ts";

const OPTIONS = {
  accounts: 4,
  initial_balance: 50,
  entities: 3,
  history: 3,
  counters: 2,
  signal: new AbortController().signal,
};

Deno.test("seed() writes the accounts, items with their history, and counters", async () => {
  await using uow = await openDatabase(":memory:");
  await seed(uow, OPTIONS);
  await uow.read((tx) => {
    assert.deepEqual(tx.accounts.totals(), { count: 4, sum: 200, min: 50 });
    const item = tx.entities.get(itemId(2))!;
    assert.equal(item.version, 3);
    assert.equal(item.createdAt, EPOCH + 2 * STEP);
    assert.deepEqual(item.data, itemData(2, 3));
    assert.deepEqual(
      tx.transitions.forEntity(itemId(2)).map((t) => [t.name, t.version]),
      [["create", 1], ["revise", 2], ["revise", 3]],
    );
    const counter = tx.entities.get<CounterData>(counterId(1))!;
    assert.deepEqual(counter.data, { value: 0 });
    assert.equal(tx.entities.get(counterId(2)), undefined);
  });
});

Deno.test("seed() with history 0 logs nothing and leaves items at version 1", async () => {
  await using uow = await openDatabase(":memory:");
  await seed(uow, { ...OPTIONS, history: 0 });
  await uow.read((tx) => {
    assert.equal(tx.entities.get(itemId(0))!.version, 1);
    assert.deepEqual(tx.transitions.forEntity(itemId(0)), []);
  });
});

Deno.test("itemData() is the same for the same n, with the lines asked for", () => {
  assert.deepEqual(itemData(7, 2), itemData(7, 2));
  assert.equal(itemData(7, 5).lines.length, 5);
  assert.notDeepEqual(itemData(7, 2), itemData(8, 2));
});

Deno.test("logIncrement() logs one increment by its actor", async () => {
  await using uow = await openDatabase(":memory:");
  await seed(uow, OPTIONS);
  await uow.run((tx) =>
    logIncrement(tx, { id: counterId(0), version: 2, actor: "w1" })
  );
  const [row] = await uow.read((tx) => tx.transitions.forEntity(counterId(0)));
  assert.equal(row.name, "increment");
  assert.equal(row.from, "active");
  assert.equal(row.to, "active");
  assert.equal(row.version, 2);
  assert.equal(row.actor, "w1");
});

Deno.test("seed() writes in batches across transactions, the same rows as one", async () => {
  await using uow = await openDatabase(":memory:");
  // 5,000 items with 3 log rows each span ten transactions of 500 items.
  await seed(uow, { ...OPTIONS, accounts: 4500, entities: 5000 });
  assert.ok(uow.stats.commits >= 10 + 3, `${uow.stats.commits} commits`);
  await uow.read((tx) => {
    assert.deepEqual(tx.accounts.totals(), {
      count: 4500,
      sum: 4500 * 50,
      min: 50,
    });
    const versions = tx.statement(
      "SELECT min(version) AS lo, max(version) AS hi, count(*) AS n FROM entities WHERE kind = 'item'",
    ).get();
    assert.deepEqual({ ...versions }, { lo: 3, hi: 3, n: 5000 });
    assert.equal(tx.transitions.forEntity(itemId(4999)).length, 3);
  });
});

Deno.test("seed() stops between batches once its signal is aborted", async () => {
  await using uow = await openDatabase(":memory:");
  const stop = new AbortController();
  const seeding = seed(uow, {
    ...OPTIONS,
    accounts: 10_000_000,
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(new Error("stopped")), 50);
  await assert.rejects(seeding, /stopped/);
  const { count } = await uow.read((tx) => tx.accounts.totals());
  assert.ok(count > 0 && count < 10_000_000, `${count} accounts seeded`);
  assert.equal(count % 2000, 0, "whole batches only");
});
