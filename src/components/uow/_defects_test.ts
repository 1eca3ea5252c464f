import assert from "node:assert/strict";
import { openDatabase } from "./unit_of_work.ts";
import { type CounterData, counterId, seed } from "./_data.ts";
import { splitIncrement, splitTransfer } from "./_defects.ts";

const OPTIONS = {
  accounts: 3,
  initial_balance: 100,
  entities: 1,
  history: 0,
  counters: 1,
  signal: new AbortController().signal,
};

Deno.test("splitIncrement() loses an update when two increments interleave", async () => {
  await using uow = await openDatabase(":memory:");
  await seed(uow, OPTIONS);
  const id = counterId(0);
  await Promise.all([
    splitIncrement(uow, { id, actor: "a" }),
    splitIncrement(uow, { id, actor: "b" }),
  ]);
  const value = await uow.read((tx) => tx.entities.get<CounterData>(id)!);
  const logged = await uow.read((tx) => tx.transitions.forEntity(id).length);
  assert.equal(logged, 2);
  assert.equal(value.data.value, 1, "one of the two increments is lost");
});

Deno.test("splitTransfer() loses money when two transfers through one account interleave", async () => {
  await using uow = await openDatabase(":memory:");
  await seed(uow, OPTIONS);
  await Promise.all([
    splitTransfer(uow, { from: 1, to: 2, amount: 10 }),
    splitTransfer(uow, { from: 2, to: 3, amount: 10 }),
  ]);
  const totals = await uow.read((tx) => tx.accounts.totals());
  assert.equal(totals.sum, 290, "account 2's credit is overwritten");
});
