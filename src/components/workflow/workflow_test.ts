import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ConflictError, ValidationError } from "../../errors.ts";
import {
  defineMachine,
  ORDER_LIFECYCLE,
  TransitionRegistry,
} from "../fsm/mod.ts";
import { openDatabase, type UnitOfWork } from "../uow/mod.ts";
import { checkAcks, checkPublished, checkTransitionLog } from "./checks.ts";
import { Workflow } from "./workflow.ts";

function orderRegistry(): TransitionRegistry {
  const registry = new TransitionRegistry();
  for (const t of defineMachine(ORDER_LIFECYCLE).transitions) {
    registry.register(t);
  }
  return registry;
}

async function tempDb(): Promise<{ path: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-workflow-" });
  return {
    path: `${dir}/wf.db`,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function rows(uow: UnitOfWork, entityId: string) {
  return await uow.read((tx) => ({
    entity: tx.entities.get(entityId),
    log: tx.transitions.forEntity(entityId),
    outbox: tx.outbox.count(),
  }));
}

Deno.test("Workflow.applyTransition()", async (t) => {
  await using uow = await openDatabase(":memory:");
  using workflow = new Workflow({
    uow,
    registry: orderRegistry(),
    actor: "api",
  });
  const created = await workflow.create("o-1", {
    kind: "order",
    state: "created",
  });

  await t.step(
    "create() writes the entity, a log row and an outbox row",
    async () => {
      assert.equal(created.version, 1);
      const found = await rows(uow, "o-1");
      assert.equal(found.entity?.state, "created");
      assert.deepEqual(
        found.log.map((r) => [r.name, r.from, r.to, r.version]),
        [
          ["create", null, "created", 1],
        ],
      );
      assert.equal(found.outbox, 1);
      assert.equal(workflow.store("o-1").get().state, "created");
    },
  );

  await t.step(
    "commits state + log + outbox, then publishes the snapshot",
    async () => {
      const store = workflow.store("o-1");
      let storeStateInsideTransaction: string | undefined;
      const commit = await workflow.applyTransition("o-1", "pay", {
        params: { amount: 30 },
        expectedVersion: 1,
        within: () => {
          storeStateInsideTransaction = store.get().state;
        },
      });
      assert.equal(storeStateInsideTransaction, "created"); // not yet published
      assert.deepEqual(
        [commit.from, commit.to, commit.version, commit.actor],
        ["created", "paid", 2, "api"],
      );
      const found = await rows(uow, "o-1");
      assert.equal(found.entity?.state, "paid");
      assert.equal(found.entity?.version, 2);
      assert.deepEqual(found.entity?.data, { amount: 30 });
      assert.deepEqual(found.log.at(-1)?.params, { amount: 30 });
      assert.equal(found.outbox, 2);
      const message = await uow.read((tx) => tx.outbox.pending(10).at(-1));
      assert.equal(message?.id, commit.messageId);
      assert.equal(message?.transitionId, commit.transitionId);
      assert.equal(message?.topic, "order.pay");
      assert.deepEqual(message?.payload, {
        entityId: "o-1",
        name: "pay",
        from: "created",
        to: "paid",
        version: 2,
        data: { amount: 30 },
      });
      const snapshot = store.get();
      assert.equal(snapshot.state, "paid");
      assert.equal(snapshot.reason, "pay");
      assert.equal(snapshot.context.version, 2);
      assert.equal(snapshot.context.transitionId, commit.transitionId);
    },
  );

  await t.step(
    "a refused or failed transition leaves no row and no snapshot",
    async () => {
      const before = await rows(uow, "o-1");
      const published = workflow.published;
      const attempts: [string, Promise<unknown>, (e: unknown) => boolean][] = [
        [
          "illegal from this state",
          workflow.applyTransition("o-1", "deliver", {
            params: { signed: true },
          }),
          (e) => e instanceof ValidationError,
        ],
        [
          "bad params",
          workflow.applyTransition("o-1", "pack", { params: { boxes: 99 } }),
          (e) => e instanceof ValidationError,
        ],
        [
          "stale version",
          workflow.applyTransition("o-1", "pack", {
            params: { boxes: 1 },
            expectedVersion: 1,
          }),
          (e) => e instanceof ConflictError,
        ],
        [
          "unknown entity",
          workflow.applyTransition("nope", "pay", { params: { amount: 1 } }),
          (e) => e instanceof ValidationError,
        ],
        [
          "failure after the writes",
          workflow.applyTransition("o-1", "pack", {
            params: { boxes: 1 },
            within: () => {
              throw new Error("crash before commit");
            },
          }),
          (e) => e instanceof Error && e.message === "crash before commit",
        ],
      ];
      for (const [what, attempt, expected] of attempts) {
        await assert.rejects(attempt, expected, what);
      }
      assert.deepEqual(await rows(uow, "o-1"), before);
      assert.equal(workflow.published, published);
      assert.equal(workflow.store("o-1").get().state, "paid");
      assert.ok((await checkTransitionLog(uow)).ok);
      assert.ok((await checkPublished(uow, workflow)).ok);
    },
  );

  await t.step(
    "create() refuses a kind the registry does not know",
    async () => {
      await assert.rejects(
        workflow.create("x-1", { kind: "invoice", state: "new" }),
        /no transitions for "invoice"/,
      );
    },
  );
});

Deno.test("Workflow on two connections to one WAL file stays consistent", async () => {
  await using tmp = await tempDb();
  await using a = await openDatabase(tmp.path);
  await using b = await openDatabase(tmp.path);
  const registry = orderRegistry();
  using left = new Workflow({ uow: a, registry, actor: "left" });
  using right = new Workflow({ uow: b, registry, actor: "right" });
  for (let i = 0; i < 5; i++) {
    await left.create(`o-${i}`, { kind: "order", state: "created" });
  }
  const machine = defineMachine(ORDER_LIFECYCLE);
  let conflicts = 0;
  const worker = async (workflow: Workflow, uow: UnitOfWork, seed: number) => {
    for (let i = 0; i < 60; i++) {
      const id = `o-${(i * seed) % 5}`;
      const seen = (await uow.read((tx) => tx.entities.get(id)))!;
      const options = machine.available(seen.state);
      const name = options[(i + seed) % options.length].name;
      const params = machine.sampleParams(name, {
        next: () => 0.5,
        int: (min, max) => Math.floor((min + max) / 2),
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
      try {
        await workflow.applyTransition(id, name, {
          params,
          expectedVersion: seen.version,
        });
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        conflicts++;
      }
    }
  };
  await Promise.all([
    worker(left, a, 3),
    worker(right, b, 7),
    worker(right, b, 2),
  ]);
  assert.ok(conflicts > 0, "expected some lost races on 5 shared orders");
  const log = await checkTransitionLog(a);
  assert.ok(log.ok, log.detail);
  for (const [workflow, uow] of [[left, a], [right, b]] as const) {
    const published = await checkPublished(uow, workflow);
    assert.ok(published.ok, published.detail);
  }
  assert.equal(left.published + right.published, 5 + 180 - conflicts);
});

Deno.test("checkTransitionLog() finds what a partial transaction leaves", async (t) => {
  await using tmp = await tempDb();
  {
    await using uow = await openDatabase(tmp.path);
    using workflow = new Workflow({ uow, registry: orderRegistry() });
    await workflow.create("o-1", { kind: "order", state: "created" });
    await workflow.applyTransition("o-1", "pay", { params: { amount: 5 } });
  }
  const edits: [string, string, RegExp][] = [
    [
      "a missing outbox row",
      "DELETE FROM outbox WHERE id = (SELECT max(id) FROM outbox)",
      /log row \d+ has 0 outbox rows/,
    ],
    [
      "a duplicate outbox row",
      "INSERT INTO outbox (topic, key, transition_id, payload, created_at) SELECT topic, key, transition_id, payload, created_at FROM outbox WHERE id = 1",
      /log row 1 has 2 outbox rows/,
    ],
    [
      "a state change without a log row",
      "UPDATE entities SET state = 'packed', version = 3",
      /at version 3 in "packed" but its log has 2 rows/,
    ],
    [
      "a log row without its entity change",
      "INSERT INTO transitions (entity_id, name, from_state, to_state, version, params, at) VALUES ('o-1', 'pack', 'paid', 'packed', 3, '{}', 0)",
      /log has 3 rows/,
    ],
    [
      "a log row for no entity",
      "INSERT INTO transitions (entity_id, name, from_state, to_state, version, params, at) VALUES ('ghost', 'pay', 'created', 'paid', 2, '{}', 0)",
      /log rows have no entity/,
    ],
  ];
  for (const [what, sql, expected] of edits) {
    await t.step(what, async () => {
      await using copy = await tempDb();
      await Deno.copyFile(tmp.path, copy.path);
      const raw = new DatabaseSync(copy.path);
      raw.exec(`PRAGMA foreign_keys = OFF; ${sql}`);
      raw.close();
      await using uow = await openDatabase(copy.path);
      const result = await checkTransitionLog(uow);
      assert.equal(result.ok, false);
      assert.match(result.detail, expected);
    });
  }
});

Deno.test("checkPublished() catches a snapshot published for a rollback", async () => {
  await using uow = await openDatabase(":memory:");
  using workflow = new Workflow({ uow, registry: orderRegistry() });
  await workflow.create("o-1", { kind: "order", state: "created" });
  await assert.rejects(
    uow.run(async (tx) => {
      const commit = await workflow.stage(tx, "o-1", {
        name: "pay",
        params: { amount: 1 },
      });
      workflow.publish(commit); // the bug: before the commit
      throw new Error("rolled back");
    }),
  );
  const result = await checkPublished(uow, workflow);
  assert.equal(result.ok, false);
  assert.match(result.detail, /2 snapshots published for 1 commits/);
});

Deno.test("checkAcks() finds an acknowledged commit that is not in the database", async () => {
  await using uow = await openDatabase(":memory:");
  using workflow = new Workflow({ uow, registry: orderRegistry() });
  const c = await workflow.create("o-1", { kind: "order", state: "created" });
  const ack = {
    e: c.entityId,
    v: c.version,
    t: c.transitionId,
    m: c.messageId,
  };
  assert.ok((await checkAcks(uow, [ack])).ok);
  const lost = await checkAcks(uow, [ack, { ...ack, v: 2, t: 99, m: 99 }]);
  assert.equal(lost.ok, false);
  assert.match(
    lost.detail,
    /1 of 2 acknowledged commits are missing: "o-1" v2/,
  );
});
