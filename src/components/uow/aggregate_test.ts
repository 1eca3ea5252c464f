import assert from "node:assert/strict";
import { ValidationError } from "../../errors.ts";
import {
  type Aggregate,
  parseAggregate,
  serializeAggregate,
} from "./aggregate.ts";
import { openDatabase } from "./unit_of_work.ts";

Deno.test("serializeAggregate() and parseAggregate() round-trip a stored aggregate", async () => {
  await using uow = await openDatabase(":memory:");
  const aggregate = await uow.run((tx) => {
    tx.entities.insert({
      id: "o-1",
      kind: "order",
      state: "new",
      data: { lines: [{ sku: "a", qty: 1 }], total: 12.5 },
    });
    const version = tx.entities.update("o-1", { state: "paid" });
    tx.transitions.append({
      entityId: "o-1",
      name: "pay",
      from: "new",
      to: "paid",
      version,
      params: { amount: 12.5 },
    });
    return {
      entity: tx.entities.get("o-1")!,
      history: tx.transitions.forEntity("o-1"),
    };
  });
  const json = serializeAggregate(aggregate);
  assert.match(json, /^\{"format":"tensile\/aggregate@1"/);
  assert.deepEqual(parseAggregate(json), aggregate);
});

Deno.test("parseAggregate() rejects malformed JSON and wrong shapes", () => {
  const good: Aggregate = {
    entity: {
      id: "o-1",
      kind: "order",
      state: "new",
      version: 1,
      data: null,
      createdAt: 0,
      updatedAt: 0,
    },
    history: [],
  };
  assert.throws(
    () => parseAggregate("{"),
    (error) =>
      error instanceof ValidationError &&
      /^Cannot parse aggregate: /.test(error.message),
  );
  const wrongVersion = JSON.parse(serializeAggregate(good));
  wrongVersion.entity.version = 0;
  assert.throws(
    () => parseAggregate(JSON.stringify(wrongVersion)),
    (error) =>
      error instanceof ValidationError &&
      /at "entity.version"/.test(error.message),
  );
  const wrongFormat = JSON.parse(serializeAggregate(good));
  wrongFormat.format = "other";
  assert.throws(
    () => parseAggregate(JSON.stringify(wrongFormat)),
    ValidationError,
  );
});
