import assert from "node:assert/strict";
import { SeededRng } from "../../engine/rng.ts";
import { TransitionValidationError } from "./errors.ts";
import { TransitionRegistry } from "./registry.ts";
import { defineMachine, type MachineSpec } from "./yaml_machine.ts";

const ORDER: MachineSpec = {
  entity: "order",
  initial: "created",
  states: ["created", "paid", "shipped", "cancelled"],
  transitions: {
    pay: {
      from: "created",
      to: "paid",
      params: {
        amount: { type: "int", min: 1, max: 500 },
        rate: { type: "number", min: 0, max: 1, optional: true },
      },
    },
    ship: {
      from: ["paid"],
      to: "shipped",
      params: {
        carrier: { type: "string", enum: ["ups", "dhl"] },
        note: { type: "string", min_length: 2, max_length: 5 },
        gift: { type: "boolean" },
      },
    },
    cancel: { from: "*", to: "cancelled" },
  },
};

Deno.test("defineMachine() compiles declared transitions and edges", () => {
  const machine = defineMachine(ORDER);
  assert.equal(machine.entity, "order");
  assert.deepEqual(machine.transitions.map((t) => t.key), [
    "order.pay",
    "order.ship",
    "order.cancel",
  ]);
  assert.deepEqual(machine.available("created").map((t) => t.name), [
    "pay",
    "cancel",
  ]);
  assert.deepEqual(machine.available("paid").map((t) => t.name), [
    "ship",
    "cancel",
  ]);
  assert.equal(machine.isEdge("created", "paid"), true);
  assert.equal(machine.isEdge("created", "shipped"), false);
  assert.equal(
    machine.isEdge("shipped", "cancelled"),
    true,
    "from * reaches any state",
  );
  assert.equal(machine.isState("lost"), false);
  assert.throws(() => machine.transition("refund"), RangeError);
});

Deno.test("defineMachine() names the path of a declaration error", () => {
  assert.throws(
    () =>
      defineMachine({
        ...ORDER,
        transitions: { ship: { from: "paid", to: "shiped" } },
      }),
    {
      name: "TypeError",
      message:
        'Cannot define machine "order": transitions.ship.to: "shiped" is not a declared state',
    },
  );
  assert.throws(() => defineMachine({ ...ORDER, initial: "new" }), {
    message: /initial: "new" is not a declared state/,
  });
  assert.throws(
    () =>
      defineMachine({
        ...ORDER,
        transitions: {
          pay: {
            from: "created",
            to: "paid",
            params: { n: { type: "int", min: 5, max: 1 } },
          },
        },
      }),
    {
      message: /transitions.pay.params.n: lower bound 5 is above upper bound 1/,
    },
  );
  assert.throws(
    () => defineMachine({ ...ORDER, wat: 1 } as unknown as MachineSpec),
    TypeError,
  );
});

Deno.test("defineMachine() enforces declared param types and bounds", async () => {
  const machine = defineMachine(ORDER);
  const registry = new TransitionRegistry();
  for (const transition of machine.transitions) registry.register(transition);
  const entity = { id: 1, type: "order", state: "created" };
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: 501 } }),
    { message: /params.amount is 501: too big: expected number to be <=500/ },
  );
  await assert.rejects(
    registry.execute(entity, "pay", { params: { amount: 1.5 } }),
    TransitionValidationError,
  );
  const result = await registry.execute(entity, "pay", {
    params: { amount: 500 },
  });
  assert.deepEqual(result, {
    from: "created",
    to: "paid",
    data: { amount: 500 },
  });
  await assert.rejects(
    registry.execute(entity, "ship", {
      params: { carrier: "fedex", note: "ok", gift: true },
    }),
    { message: /params.carrier is "fedex"/ },
  );
});

Deno.test("Machine.sampleParams() draws params the schema accepts, or one it rejects", () => {
  const machine = defineMachine(ORDER);
  const rng = new SeededRng(42);
  for (let i = 0; i < 300; i++) {
    for (const transition of machine.transitions) {
      const valid = machine.sampleParams(transition.name, rng);
      assert.doesNotThrow(() => transition.parse(valid), JSON.stringify(valid));
      const invalid = machine.sampleParams(transition.name, rng, {
        valid: false,
      });
      assert.throws(() => transition.parse(invalid), TransitionValidationError);
    }
  }
});

Deno.test("defineMachine() with yields makes apply await, so executions interleave", async () => {
  const machine = defineMachine(ORDER, { yields: 2 });
  const registry = new TransitionRegistry();
  for (const transition of machine.transitions) registry.register(transition);
  const entity = { id: 1, type: "order", state: "created" };
  const outcomes = await Promise.allSettled([
    registry.execute(entity, "pay", { params: { amount: 3 } }),
    registry.execute(entity, "cancel"),
  ]);
  assert.deepEqual(outcomes.map((o) => o.status).sort(), [
    "fulfilled",
    "rejected",
  ]);
  assert.equal(entity.state, "paid");
});
