import assert from "node:assert/strict";
import { z } from "zod";
import { ConflictError } from "../../errors.ts";
import type { Entity, TransitionContext } from "./context.ts";
import {
  IllegalTransitionError,
  TransitionValidationError,
  UnknownTransitionError,
} from "./errors.ts";
import { TransitionRegistry } from "./registry.ts";
import { defineTransition } from "./transition.ts";

const amount = z.object({ amount: z.int().positive() });

function pay(log: string[] = []) {
  return defineTransition({
    entity: "order",
    name: "pay",
    from: "created",
    to: "paid",
    params: amount,
    guard: (ctx) => {
      log.push(`guard ${ctx.currentState}->${ctx.targetState}`);
      return ctx.user !== null;
    },
    validate: (_ctx, p) => {
      log.push("validate");
      if (p.amount > 1000) {
        throw new TransitionValidationError(`amount ${p.amount} is over 1000`);
      }
    },
    apply: (ctx, p) => {
      log.push("apply");
      return { charged: p.amount, at: ctx.timestamp };
    },
  });
}

function simple(entity: string, name: string, from = "*", to = "done") {
  return defineTransition({ entity, name, from, to, apply: () => name });
}

function order(state = "created"): Entity {
  return { id: "o-1", type: "order", state, version: 0 };
}

const user = { id: 123 };

Deno.test("TransitionRegistry.register() makes a transition resolvable by (entity, name)", () => {
  const registry = new TransitionRegistry();
  const transition = pay();
  registry.register(transition);
  registry.register(simple("order", "cancel"));
  registry.register(simple("ticket", "close"));
  assert.equal(registry.size, 3);
  assert.equal(registry.get("order", "pay"), transition);
  assert.equal(registry.has("order", "pay"), true);
  assert.equal(registry.has("order", "ship"), false);
  assert.deepEqual(registry.listEntities(), ["order", "ticket"]);
  assert.deepEqual(registry.listTransitions("order"), ["pay", "cancel"]);
  assert.deepEqual(registry.listTransitions("nobody"), []);
  assert.equal([...registry.values()].length, 3);
});

Deno.test("TransitionRegistry.register() refuses a duplicate unless replacing on purpose", () => {
  const registry = new TransitionRegistry();
  registry.register(simple("order", "pay"));
  assert.throws(() => registry.register(simple("order", "pay")), {
    name: "ConflictError",
    message:
      'Cannot register "order.pay": already registered (pass { replace: true } to replace it)',
  });
  const replacement = simple("order", "pay", "*", "settled");
  registry.register(replacement, { replace: true });
  assert.equal(registry.get("order", "pay"), replacement);
  assert.equal(registry.size, 1);
});

Deno.test("TransitionRegistry.unregister() removes a key and empty entities", () => {
  const registry = new TransitionRegistry();
  registry.register(simple("order", "pay"));
  assert.equal(registry.unregister("order", "pay"), true);
  assert.equal(registry.unregister("order", "pay"), false);
  assert.equal(registry.size, 0);
  assert.deepEqual(registry.listEntities(), []);
});

Deno.test("TransitionRegistry.get() names an unknown key with the nearest names", () => {
  const registry = new TransitionRegistry();
  registry.register(simple("order", "ship"));
  registry.register(simple("order", "pay"));
  assert.throws(() => registry.get("order", "shp"), (error: unknown) => {
    assert.ok(error instanceof UnknownTransitionError);
    assert.equal(error.outcome, "validation");
    assert.equal(
      error.message,
      'Cannot find transition "order.shp": entity "order" has no transition "shp" (did you mean "ship"?)',
    );
    assert.deepEqual(error.suggestions, ["ship"]);
    return true;
  });
  assert.throws(() => registry.get("ordr", "ship"), {
    message:
      'Cannot find transition "ordr.ship": no transitions for entity "ordr" (did you mean "order"?)',
  });
  assert.throws(() => registry.get("invoice", "zzz"), {
    message:
      'Cannot find transition "invoice.zzz": no transitions for entity "invoice"',
  });
});

Deno.test("TransitionRegistry.execute() runs guard, validate, apply, then moves the entity", async () => {
  const log: string[] = [];
  const registry = new TransitionRegistry({ now: () => 42 });
  registry.register(pay(log));
  const entity = order();
  const result = await registry.execute(entity, "pay", {
    params: { amount: 30 },
    user,
  });
  assert.deepEqual(result, {
    from: "created",
    to: "paid",
    data: { charged: 30, at: 42 },
  });
  assert.deepEqual(log, ["guard created->paid", "validate", "apply"]);
  assert.equal(entity.state, "paid");
  assert.equal(entity.version, 1);
});

Deno.test("TransitionRegistry.execute() refuses a state the transition does not start from", async () => {
  const registry = new TransitionRegistry();
  registry.register(pay());
  const entity = order("shipped");
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: 1 }, user }),
    (error: unknown) => {
      assert.ok(error instanceof IllegalTransitionError);
      assert.equal(error.outcome, "validation");
      assert.equal(
        error.message,
        'Cannot execute "order.pay": entity "o-1" cannot move from "shipped" to "paid" ("pay" starts only from "created")',
      );
      assert.deepEqual(error.allowed, ["created"]);
      assert.equal(error.state, "shipped");
      assert.equal(error.target, "paid");
      return true;
    },
  );
  assert.equal(entity.state, "shipped");
});

Deno.test("TransitionRegistry.execute() names a computed target in an illegal-transition error when it can", async () => {
  const registry = new TransitionRegistry();
  registry.register(defineTransition({
    entity: "job",
    name: "route",
    from: "new",
    target: (_ctx, p) => `queued_${p.lane}`,
    params: z.object({ lane: z.enum(["fast", "slow"]) }),
    apply: () => null,
  }));
  const job = { id: 9, type: "job", state: "done" };
  await assert.rejects(
    registry.execute(job, "route", { params: { lane: "fast" } }),
    {
      name: "IllegalTransitionError",
      message:
        'Cannot execute "job.route": entity "9" cannot move from "done" to "queued_fast" ("route" starts only from "new")',
    },
  );
  await assert.rejects(
    registry.validate(job, "route", { params: { lane: 3 } }),
    (error: unknown) => {
      assert.ok(error instanceof IllegalTransitionError);
      assert.equal(
        error.message,
        'Cannot validate "job.route": entity "9" cannot move from "done" ("route" starts only from "new")',
      );
      assert.equal(error.target, undefined);
      return true;
    },
  );
});

Deno.test("TransitionRegistry.execute() commits the target resolved before the hooks, on a frozen context", async () => {
  const registry = new TransitionRegistry();
  const seen: TransitionContext[] = [];
  registry.register(defineTransition({
    entity: "order",
    name: "pay",
    from: "created",
    to: "paid",
    apply: (ctx) => {
      seen.push(ctx);
      const writable = ctx as { targetState: string };
      try {
        writable.targetState = "hacked";
      } catch (error) {
        assert.ok(error instanceof TypeError);
      }
      assert.throws(() => {
        (ctx.entity as { state: string }).state = "hacked";
      }, TypeError);
      return null;
    },
  }));
  const entity = order();
  const result = await registry.execute(entity, "pay");
  assert.equal(result.to, "paid");
  assert.equal(entity.state, "paid");
  const [ctx] = seen;
  assert.equal(Object.isFrozen(ctx), true);
  assert.equal(Object.isFrozen(ctx.entity), true);
  assert.notEqual(ctx.entity, entity, "the context holds a snapshot");
  assert.deepEqual(ctx.entity, {
    id: "o-1",
    type: "order",
    state: "created",
    version: 0,
  });
  assert.equal(ctx.targetState, "paid");
});

Deno.test("TransitionRegistry.execute() gives hooks a frozen copy of the caller's metadata", async () => {
  const registry = new TransitionRegistry();
  registry.register(defineTransition({
    entity: "job",
    name: "run",
    from: "*",
    to: "done",
    apply: async (ctx) => {
      assert.throws(() => {
        (ctx.metadata as Record<string, unknown>).tag = "hook";
      }, TypeError);
      await undefined;
      await undefined;
      return ctx.metadata;
    },
  }));
  const metadata: Record<string, unknown> = { tag: "caller" };
  const running = registry.execute(
    { id: 1, type: "job", state: "new" },
    "run",
    {
      metadata,
    },
  );
  metadata.tag = "changed while the hooks ran";
  const { data } = await running;
  assert.deepEqual(data, { tag: "caller" });
  assert.notEqual(data, metadata);
  assert.equal(metadata.tag, "changed while the hooks ran");
  const frozen = Object.freeze({ tag: "frozen" });
  const again = await registry.execute(
    { id: 2, type: "job", state: "new" },
    "run",
    { metadata: frozen },
  );
  assert.equal(again.data, frozen, "frozen metadata needs no copy");
});

Deno.test("TransitionRegistry.execute() conflicts when an entity without version moved away and back while it ran", async () => {
  const registry = new TransitionRegistry();
  registry.register(simple("door", "open", "shut", "open"));
  registry.register(simple("door", "shut", "open", "shut"));
  registry.register(defineTransition({
    entity: "door",
    name: "lock",
    from: "shut",
    to: "locked",
    apply: async () => {
      await undefined;
      await undefined;
      return null;
    },
  }));
  const door: Entity = { id: "d-1", type: "door", state: "shut" };
  const locking = registry.execute(door, "lock");
  await registry.execute(door, "open");
  await registry.execute(door, "shut");
  assert.equal(door.state, "shut");
  await assert.rejects(locking, {
    name: "ConflictError",
    message:
      'Cannot execute "door.lock": entity "d-1" moved (and is in "shut" again) while the transition ran',
  });
  assert.equal(door.state, "shut");
  assert.equal("version" in door, false);
  await registry.execute(door, "lock");
  assert.equal(door.state, "locked");
});

Deno.test("TransitionRegistry.execute() stops at a guard that says no", async () => {
  const log: string[] = [];
  const registry = new TransitionRegistry();
  registry.register(pay(log));
  const entity = order();
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: 1 } }),
    {
      name: "TransitionValidationError",
      message:
        'Cannot execute "order.pay": guard rejected entity "o-1" in "created"',
    },
  );
  assert.deepEqual(log, ["guard created->paid"]);
  assert.equal(entity.state, "created");
});

Deno.test("TransitionRegistry.execute() stops when validate throws or params are bad", async () => {
  const log: string[] = [];
  const registry = new TransitionRegistry();
  registry.register(pay(log));
  const entity = order();
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: 5000 }, user }),
    { name: "TransitionValidationError", message: "amount 5000 is over 1000" },
  );
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: -2 }, user }),
    {
      name: "TransitionValidationError",
      message:
        'Cannot execute "order.pay": params.amount is -2: too small: expected number to be >0',
    },
  );
  assert.equal(log.includes("apply"), false);
  assert.equal(entity.state, "created");
  assert.equal(entity.version, 0);
});

Deno.test("TransitionRegistry.execute() conflicts when the entity is not where the caller expects", async () => {
  const registry = new TransitionRegistry();
  registry.register(simple("order", "touch"));
  await assert.rejects(
    registry.execute(order("paid"), "touch", { expect: "created" }),
    {
      name: "ConflictError",
      message:
        'Cannot execute "order.touch": entity "o-1" is in "paid", expected "created"',
    },
  );
});

Deno.test("TransitionRegistry.execute() lets exactly one of racing executions win", async () => {
  const registry = new TransitionRegistry();
  for (const name of ["pay", "cancel", "hold"]) {
    registry.register(defineTransition({
      entity: "order",
      name,
      from: "created",
      to: name === "pay" ? "paid" : name === "cancel" ? "cancelled" : "held",
      guard: () => true,
      apply: async () => {
        await undefined;
        await undefined;
        return name;
      },
    }));
  }
  const entity = order();
  const outcomes = await Promise.allSettled(
    ["pay", "cancel", "hold", "pay", "cancel"].map((name) =>
      registry.execute(entity, name)
    ),
  );
  const winners = outcomes.filter((o) => o.status === "fulfilled");
  const losers = outcomes.filter((o) => o.status === "rejected");
  assert.equal(winners.length, 1);
  assert.equal(losers.length, 4);
  for (const loser of losers) {
    assert.ok(loser.reason instanceof ConflictError, String(loser.reason));
    assert.match(
      loser.reason.message,
      /moved from "created" to .* while the transition ran/,
    );
  }
  const won = (winners[0] as PromiseFulfilledResult<{ to: string }>).value;
  assert.equal(entity.state, won.to);
  assert.equal(entity.version, 1);
});

Deno.test("TransitionRegistry.execute() gives each interleaved execution its own context", async () => {
  const registry = new TransitionRegistry();
  const seen: TransitionContext[] = [];
  registry.register(defineTransition({
    entity: "job",
    name: "run",
    from: "*",
    to: "done",
    apply: async (ctx) => {
      seen.push(ctx);
      await undefined;
      return ctx.metadata.tag;
    },
  }));
  const results = await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map((tag) =>
      registry.execute({ id: tag, type: "job", state: "new" }, "run", {
        metadata: { tag },
      })
    ),
  );
  assert.deepEqual(results.map((r) => r.data), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(new Set(seen).size, 8);
  assert.deepEqual(seen.map((ctx) => ctx.entity.id), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("TransitionRegistry.execute() awaits async guards and validates", async () => {
  const registry = new TransitionRegistry();
  registry.register(defineTransition({
    entity: "job",
    name: "run",
    from: "new",
    to: "done",
    guard: (ctx) => Promise.resolve(ctx.metadata.allowed === true),
    validate: () => Promise.reject(new TransitionValidationError("not today")),
    apply: () => "ran",
  }));
  await assert.rejects(
    registry.execute({ id: 1, type: "job", state: "new" }, "run", {
      metadata: { allowed: false },
    }),
    { message: /guard rejected/ },
  );
  await assert.rejects(
    registry.execute({ id: 1, type: "job", state: "new" }, "run", {
      metadata: { allowed: true },
    }),
    { message: "not today" },
  );
});

Deno.test("TransitionRegistry.validate() checks without applying or moving", async () => {
  const log: string[] = [];
  const registry = new TransitionRegistry({ now: () => 7 });
  registry.register(pay(log));
  const entity = order();
  const result = await registry.validate(entity, "pay", {
    params: { amount: 10 },
    user,
    metadata: { note: "x" },
  });
  assert.equal(result.from, "created");
  assert.equal(result.to, "paid");
  assert.deepEqual(result.params, { amount: 10 });
  assert.equal(result.context.timestamp, 7);
  assert.deepEqual(result.context.metadata, { note: "x" });
  assert.deepEqual(log, ["guard created->paid", "validate"]);
  assert.equal(entity.state, "created");
  await assert.rejects(
    registry.validate(entity, "pay", { params: { amount: "ten" }, user }),
    { message: /^Cannot validate "order.pay": params.amount is "ten"/ },
  );
});
