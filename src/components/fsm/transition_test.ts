import assert from "node:assert/strict";
import { z } from "zod";
import { ValidationError } from "../../errors.ts";
import { createContext } from "./context.ts";
import { TransitionValidationError } from "./errors.ts";
import { defineTransition, specOf } from "./transition.ts";

const params = z.object({
  operation_id: z.int(),
  data_size: z.int().default(1),
});

function perf() {
  return defineTransition({
    entity: "test_entity",
    name: "performance_test",
    from: ["created", "queued"],
    to: "processed",
    params,
    apply: (_ctx, p) => p.operation_id,
  });
}

Deno.test("defineTransition() keys the transition and records its from states", () => {
  const transition = perf();
  assert.equal(transition.key, "test_entity.performance_test");
  assert.deepEqual(transition.from, ["created", "queued"]);
  assert.equal(transition.allows("created"), true);
  assert.equal(transition.allows("queued"), true);
  assert.equal(transition.allows("processed"), false);
  assert.equal(transition.to, "processed");
});

Deno.test('defineTransition() with from "*" allows every state', () => {
  const transition = defineTransition({
    entity: "doc",
    name: "touch",
    from: "*",
    to: "touched",
    apply: () => null,
  });
  assert.equal(transition.from, "*");
  assert.equal(transition.allows("anything"), true);
});

Deno.test("defineTransition() refuses a malformed definition", () => {
  assert.throws(
    () =>
      defineTransition({
        entity: "doc",
        name: "both",
        from: "a",
        to: "b",
        target: () => "c",
        apply: () => null,
      }),
    { name: "TypeError", message: /exactly one of "to" and "target"/ },
  );
  assert.throws(
    () =>
      defineTransition({
        entity: "doc",
        name: "none",
        from: "a",
        apply: () => 1,
      }),
    TypeError,
  );
  assert.throws(
    () =>
      defineTransition({
        entity: "doc",
        name: "empty",
        from: [],
        to: "b",
        apply: () => 1,
      }),
    { name: "TypeError", message: /"from" must name at least one state/ },
  );
  assert.throws(
    () =>
      defineTransition({
        entity: "a.b",
        name: "dotted",
        from: "a",
        to: "b",
        apply: () => 1,
      }),
    { name: "TypeError", message: /"entity" must be a non-empty string/ },
  );
});

Deno.test("Transition.parse() returns typed params with defaults applied", () => {
  const parsed = perf().parse({ operation_id: 7 });
  assert.deepEqual(parsed, { operation_id: 7, data_size: 1 });
});

Deno.test("Transition.parse() names the rejected field and its value", () => {
  assert.throws(
    () => perf().parse({ operation_id: "invalid", data_size: -1 }),
    (error: unknown) => {
      assert.ok(error instanceof TransitionValidationError);
      assert.ok(error instanceof ValidationError);
      assert.equal(error.outcome, "validation");
      assert.equal(error.transition, "test_entity.performance_test");
      assert.equal(error.issues.length, 1);
      assert.equal(error.issues[0].path, "operation_id");
      assert.equal(error.issues[0].value, "invalid");
      assert.equal(
        error.message,
        'Cannot create "test_entity.performance_test": params.operation_id is "invalid": expected number, received string',
      );
      return true;
    },
  );
});

Deno.test("Transition.parse() reports a missing field and counts the others", () => {
  assert.throws(() => perf().parse({ data_size: "big" }), {
    name: "TransitionValidationError",
    message:
      /params\.operation_id is missing: expected number, received undefined \(and 1 more\)$/,
  });
});

Deno.test("Transition.parse() accepts no params when the schema is omitted", () => {
  const transition = defineTransition({
    entity: "doc",
    name: "close",
    from: "open",
    to: "closed",
    apply: () => true,
  });
  assert.deepEqual(transition.parse(undefined), {});
  assert.throws(
    () => transition.parse({ extra: 1 }),
    TransitionValidationError,
  );
});

Deno.test("Transition.targetOf() computes a dynamic target from the params", () => {
  const transition = defineTransition({
    entity: "job",
    name: "finish",
    from: "running",
    target: (_ctx, p: { worker: number }) => `done_by_${p.worker}`,
    params: z.object({ worker: z.int() }),
    apply: () => null,
  });
  const ctx = createContext({ id: 1, type: "job", state: "running" }, {
    targetState: "",
  });
  assert.equal(transition.to, undefined);
  assert.equal(transition.targetOf(ctx, { worker: 3 }), "done_by_3");
});

Deno.test("specOf() defines the same transition again, its hooks calling the original's", async () => {
  const calls: string[] = [];
  const original = defineTransition({
    entity: "order",
    name: "pay",
    from: ["created"],
    target: (_ctx, params: { amount: number }) =>
      params.amount > 10 ? "paid" : "part_paid",
    params: z.object({ amount: z.number() }),
    guard(ctx) {
      calls.push(`guard ${this === original}`);
      return ctx.currentState === "created";
    },
    validate() {
      calls.push(`validate ${this === original}`);
    },
    apply: (_ctx, params) => params.amount,
  });
  const again = defineTransition({ ...specOf(original), from: "*" });
  assert.equal(again.key, "order.pay");
  assert.equal(again.allows("shipped"), true);
  assert.equal(original.allows("shipped"), false);
  assert.equal(again.params, original.params);
  const ctx = createContext({ id: 1, type: "order", state: "created" }, {
    targetState: "",
  });
  assert.equal(again.targetOf(ctx, { amount: 5 }), "part_paid");
  assert.equal(await again.guard!(ctx, { amount: 5 }), true);
  await again.validate!(ctx, { amount: 5 });
  assert.equal(await again.apply(ctx, { amount: 5 }), 5);
  assert.deepEqual(calls, ["guard true", "validate true"]);
});
