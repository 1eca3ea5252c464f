import assert from "node:assert/strict";
import { ConflictError, ValidationError } from "../../errors.ts";
import { openDatabase } from "./unit_of_work.ts";

Deno.test("AccountRepository", async (t) => {
  await using uow = await openDatabase(":memory:");
  await uow.run((tx) =>
    tx.accounts.insertMany([{ id: 1, balance: 100 }, { id: 2, balance: 5 }])
  );

  await t.step("transfer() moves money and bumps both versions", async () => {
    const result = await uow.run((tx) => tx.accounts.transfer(1, 2, 40));
    assert.deepEqual(result, {
      from: { id: 1, balance: 60, version: 2 },
      to: { id: 2, balance: 45, version: 2 },
    });
    assert.deepEqual(await uow.read((tx) => tx.accounts.totals()), {
      count: 2,
      sum: 105,
      min: 45,
    });
  });

  await t.step("transfer() rejects bad input without writing", async () => {
    for (
      const [from, to, amount, pattern] of [
        [1, 2, 61, /balance is 60/],
        [1, 1, 5, /to itself/],
        [1, 2, 0, /above 0/],
        [1, 2, 1.5, /whole number/],
        [1, 9, 5, /account 9: it does not exist/],
      ] as const
    ) {
      await assert.rejects(
        uow.run((tx) => tx.accounts.transfer(from, to, amount)),
        (error) =>
          error instanceof ValidationError && pattern.test(error.message),
      );
    }
    assert.equal((await uow.read((tx) => tx.accounts.totals())).sum, 105);
  });

  await t.step("insert() of a taken id is a ConflictError", async () => {
    await assert.rejects(
      uow.run((tx) => tx.accounts.insert({ id: 1, balance: 0 })),
      /Cannot insert account 1: it already exists/,
    );
  });

  await t.step("setBalance() checks the expected version", async () => {
    await assert.rejects(
      uow.run((tx) => tx.accounts.setBalance(1, 0, { expectedVersion: 1 })),
      (error) =>
        error instanceof ConflictError &&
        error.message ===
          "Cannot update account 1: expected version 1, found 2",
    );
    await assert.rejects(
      uow.run((tx) => tx.accounts.setBalance(7, 0)),
      ValidationError,
    );
    assert.equal(
      await uow.run((tx) =>
        tx.accounts.setBalance(1, 61, { expectedVersion: 2 })
      ),
      3,
    );
    assert.deepEqual(await uow.read((tx) => tx.accounts.list()), [
      { id: 1, balance: 61, version: 3 },
      { id: 2, balance: 45, version: 2 },
    ]);
  });
});

Deno.test("EntityRepository", async (t) => {
  await using uow = await openDatabase(":memory:");

  await t.step("insert() and get() round-trip JSON data", async () => {
    const data = {
      lines: [{ sku: "a", qty: 2 }],
      note: "ünïcødé",
      nested: { ok: true },
    };
    const created = await uow.run((tx) =>
      tx.entities.insert({
        id: "o-1",
        kind: "order",
        state: "new",
        data,
        createdAt: 10,
      })
    );
    assert.deepEqual(created, {
      id: "o-1",
      kind: "order",
      state: "new",
      data,
      version: 1,
      createdAt: 10,
      updatedAt: 10,
    });
    assert.deepEqual(await uow.read((tx) => tx.entities.get("o-1")), created);
    assert.equal(await uow.read((tx) => tx.entities.get("nope")), undefined);
  });

  await t.step("insert() of a taken id is a ConflictError", async () => {
    await assert.rejects(
      uow.run((tx) =>
        tx.entities.insert({ id: "o-1", kind: "order", state: "x", data: {} })
      ),
      (error) =>
        error instanceof ConflictError &&
        error.message === 'Cannot insert entity "o-1": it already exists',
    );
  });

  await t.step(
    "update() changes what it is given and bumps the version",
    async () => {
      const version = await uow.run((tx) =>
        tx.entities.update("o-1", { state: "paid" }, {
          expectedVersion: 1,
          at: 20,
        })
      );
      assert.equal(version, 2);
      const entity = await uow.read((tx) =>
        tx.entities.get<{ note: string }>("o-1")
      );
      assert.equal(entity?.state, "paid");
      assert.equal(entity?.data.note, "ünïcødé");
      assert.equal(entity?.updatedAt, 20);
      await uow.run((tx) => tx.entities.update("o-1", { data: { note: "x" } }));
      assert.deepEqual((await uow.read((tx) => tx.entities.get("o-1")))?.data, {
        note: "x",
      });
    },
  );

  await t.step("update() with a stale version is a ConflictError", async () => {
    await assert.rejects(
      uow.run((tx) =>
        tx.entities.update("o-1", { state: "x" }, { expectedVersion: 2 })
      ),
      /expected version 2, found 3/,
    );
    await assert.rejects(
      uow.run((tx) => tx.entities.update("missing", { state: "x" })),
      ValidationError,
    );
  });

  await t.step(
    "insertMany() is all or nothing inside the transaction",
    async () => {
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        id: `b-${i}`,
        kind: "batch",
        state: "new",
        data: { i },
        createdAt: 1000 + i,
      }));
      assert.equal(await uow.run((tx) => tx.entities.insertMany(rows)), 1000);
      await assert.rejects(
        uow.run((tx) =>
          tx.entities.insertMany([
            { id: "c-1", kind: "batch", state: "new", data: {} },
            { id: "b-5", kind: "batch", state: "new", data: {} },
          ])
        ),
        /entity "b-5": it already exists/,
      );
      assert.equal(await uow.read((tx) => tx.entities.count("batch")), 1000);
      assert.equal(await uow.read((tx) => tx.entities.count()), 1001);
    },
  );

  await t.step(
    "list() returns one kind's creation-time range, in order",
    async () => {
      const found = await uow.read((tx) =>
        tx.entities.list<{ i: number }>({ kind: "batch", from: 1100, to: 1149 })
      );
      assert.deepEqual(
        found.map((e) => e.data.i),
        Array.from({ length: 50 }, (_, i) => 100 + i),
      );
      const limited = await uow.read((tx) =>
        tx.entities.list({ kind: "batch", limit: 3 })
      );
      assert.deepEqual(limited.map((e) => e.id), ["b-0", "b-1", "b-2"]);
      const plan = await uow.read((tx) =>
        tx.statement(
          "EXPLAIN QUERY PLAN SELECT id FROM entities WHERE kind = ? AND created_at BETWEEN ? AND ? ORDER BY created_at LIMIT ?",
        ).all("batch", 0, 1, 1).map((row) => row.detail).join("\n")
      );
      assert.match(plan, /USING INDEX entities_kind_created/);
    },
  );

  await t.step("remove() deletes", async () => {
    assert.equal(await uow.run((tx) => tx.entities.remove("b-0")), true);
    assert.equal(await uow.run((tx) => tx.entities.remove("b-0")), false);
  });
});

Deno.test("TransitionRepository", async (t) => {
  await using uow = await openDatabase(":memory:");

  await t.step(
    "append() logs rows that forEntity() and count() find",
    async () => {
      await uow.run((tx) => {
        tx.transitions.append({
          entityId: "o-1",
          name: "create",
          from: null,
          to: "new",
          version: 1,
          at: 1,
        });
        tx.transitions.append({
          entityId: "o-1",
          name: "pay",
          from: "new",
          to: "paid",
          version: 2,
          actor: "w0",
          params: { amount: 5 },
          at: 2,
        });
        tx.transitions.append({
          entityId: "o-2",
          name: "pay",
          from: "new",
          to: "paid",
          version: 2,
        });
      });
      const log = await uow.read((tx) => tx.transitions.forEntity("o-1"));
      assert.deepEqual(
        log.map((r) => [r.name, r.from, r.to, r.version, r.actor]),
        [
          ["create", null, "new", 1, null],
          ["pay", "new", "paid", 2, "w0"],
        ],
      );
      assert.deepEqual(log[1].params, { amount: 5 });
      const counts = await uow.read((tx) => [
        tx.transitions.count(),
        tx.transitions.count({ name: "pay" }),
        tx.transitions.count({ entityId: "o-1", name: "pay" }),
        tx.transitions.count({ actor: "w0" }),
      ]);
      assert.deepEqual(counts, [3, 2, 1, 1]);
    },
  );
});

Deno.test("OutboxRepository and InboxRepository", async (t) => {
  await using uow = await openDatabase(":memory:");

  await t.step(
    "pending() lists undelivered messages oldest first",
    async () => {
      const ids = await uow.run((tx) => {
        const transitionId = tx.transitions.append({
          entityId: "o-1",
          name: "create",
          from: null,
          to: "new",
          version: 1,
        });
        return [1, 2, 3].map((n) =>
          tx.outbox.add({
            topic: "order",
            key: "o-1",
            payload: { n },
            transitionId,
          })
        );
      });
      const pending = await uow.read((tx) =>
        tx.outbox.pending<{ n: number }>()
      );
      assert.deepEqual(pending.map((m) => m.id), ids);
      assert.deepEqual(pending.map((m) => m.payload.n), [1, 2, 3]);
      assert.equal(pending[0].deliveredAt, null);
    },
  );

  await t.step(
    "markDelivered() counts only messages still pending",
    async () => {
      const [first, second] = (await uow.read((tx) => tx.outbox.pending())).map(
        (m) => m.id,
      );
      assert.equal(
        await uow.run((tx) => tx.outbox.markDelivered([first, second], 5)),
        2,
      );
      assert.equal(await uow.run((tx) => tx.outbox.markDelivered([first])), 0);
      assert.deepEqual(
        await uow.read((tx) => [
          tx.outbox.count(),
          tx.outbox.count({ delivered: true }),
          tx.outbox.count({ delivered: false }),
        ]),
        [3, 2, 1],
      );
    },
  );

  await t.step("outbox ids are never reused after a delete", async () => {
    const last = await uow.run((tx) => {
      const id = tx.outbox.add({ topic: "t", key: "k", payload: null });
      tx.statement("DELETE FROM outbox WHERE id = ?").run(id);
      return id;
    });
    const next = await uow.run((tx) =>
      tx.outbox.add({ topic: "t", key: "k", payload: null })
    );
    assert.ok(next > last);
  });

  await t.step("markSeen() is true once per consumer and id", async () => {
    const seen = await uow.run((tx) => [
      tx.inbox.markSeen("mailer", 1),
      tx.inbox.markSeen("mailer", 1),
      tx.inbox.markSeen("audit", 1),
    ]);
    assert.deepEqual(seen, [true, false, true]);
    assert.deepEqual(
      await uow.read((
        tx,
      ) => [tx.inbox.has("mailer", 1), tx.inbox.has("mailer", 2)]),
      [true, false],
    );
    assert.equal(await uow.read((tx) => tx.inbox.count("mailer")), 1);
  });
});
