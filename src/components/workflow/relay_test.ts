import assert from "node:assert/strict";
import { openDatabase, type OutboxMessage } from "../uow/mod.ts";
import { inboxConsumer, relayOutbox } from "./relay.ts";

async function outboxOf(count: number) {
  const uow = await openDatabase(":memory:");
  await uow.run((tx) => {
    for (let i = 0; i < count; i++) {
      tx.outbox.add({ topic: "t", key: `k${i}`, payload: { i } });
    }
  });
  return uow;
}

Deno.test("relayOutbox()", async (t) => {
  await t.step(
    "delivers every pending message in order and marks it",
    async () => {
      await using uow = await outboxOf(250);
      const seen: number[] = [];
      const result = await relayOutbox(uow, {
        deliver: (m) => seen.push((m.payload as { i: number }).i),
        batchSize: 100,
      });
      assert.deepEqual(result, { delivered: 250, marked: 250 });
      assert.deepEqual(seen, Array.from({ length: 250 }, (_, i) => i));
      assert.equal(
        await uow.read((tx) => tx.outbox.count({ delivered: false })),
        0,
      );
    },
  );

  await t.step("maxBatches bounds one call", async () => {
    await using uow = await outboxOf(30);
    const result = await relayOutbox(uow, {
      deliver: () => {},
      batchSize: 10,
      maxBatches: 2,
    });
    assert.equal(result.delivered, 20);
    assert.equal(
      await uow.read((tx) => tx.outbox.count({ delivered: false })),
      10,
    );
  });

  await t.step(
    "a failed delivery stops the relay; the rest stays pending",
    async () => {
      await using uow = await outboxOf(5);
      await assert.rejects(
        relayOutbox(uow, {
          deliver: (m) => {
            if (m.id === 3) throw new Error("broker down");
          },
        }),
        /broker down/,
      );
      const pending = await uow.read((tx) => tx.outbox.pending());
      assert.deepEqual(pending.map((m) => m.id), [3, 4, 5]);
      const again = await relayOutbox(uow, { deliver: () => {} });
      assert.equal(again.delivered, 3);
    },
  );
});

Deno.test("inboxConsumer() processes each message id once under redelivery", async () => {
  await using uow = await outboxOf(40);
  const handled: number[] = [];
  let duplicates = 0;
  const deliver = inboxConsumer(uow, {
    consumer: "mailer",
    handle: (tx, m: OutboxMessage) => {
      handled.push(m.id);
      tx.statement("SELECT 1").get(); // the effect runs in the inbox transaction
    },
    onDuplicate: () => duplicates++,
  });
  // Three relays race over the same rows: at-least-once delivery.
  await Promise.all([
    relayOutbox(uow, { deliver, batchSize: 7 }),
    relayOutbox(uow, { deliver, batchSize: 5 }),
    relayOutbox(uow, { deliver, batchSize: 11 }),
  ]);
  assert.deepEqual(
    [...handled].sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.ok(duplicates > 0, "expected some redeliveries");
  assert.equal(await uow.read((tx) => tx.inbox.count("mailer")), 40);
});

Deno.test("inboxConsumer() rolls back the id when the effect fails", async () => {
  await using uow = await outboxOf(1);
  let fail = true;
  const deliver = inboxConsumer(uow, {
    consumer: "c",
    handle: () => {
      if (fail) throw new Error("effect failed");
    },
  });
  await assert.rejects(relayOutbox(uow, { deliver }), /effect failed/);
  assert.equal(await uow.read((tx) => tx.inbox.has("c", 1)), false);
  fail = false;
  assert.equal((await relayOutbox(uow, { deliver })).delivered, 1);
  assert.equal(await uow.read((tx) => tx.inbox.has("c", 1)), true);
});
