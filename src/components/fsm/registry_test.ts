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

const amount = z.object({ amount: z.number().int().positive() });

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
        'Cannot execute "order.pay": entity "o-1" is in "shipped", and "pay" starts only from "created"',
      );
      assert.deepEqual(error.allowed, ["created"]);
      assert.equal(error.state, "shipped");
      return true;
    },
  );
  assert.equal(entity.state, "shipped");
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
