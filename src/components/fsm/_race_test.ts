import assert from "node:assert/strict";
import { ConflictError } from "../../errors.ts";
import { SeededRng } from "../../engine/rng.ts";
import type { Entity } from "./context.ts";
import { TransitionValidationError } from "./errors.ts";
import { TransitionRegistry } from "./registry.ts";
import { defineTransition } from "./transition.ts";
import { defineMachine } from "./yaml_machine.ts";
import { gatedTransition, Races } from "./_race.ts";

const DOOR = defineMachine({
  entity: "door",
  initial: "closed",
  states: ["closed", "open", "locked"],
  transitions: {
    open: { from: "closed", to: "open" },
    lock: { from: "closed", to: "locked" },
  },
}, { yields: 1 });

function races(contenders: number, progress = () => 0): Races {
  let ids = 0;
  return new Races(DOOR, {
    contenders,
    user: { id: 1 },
    newEntity: (): Entity => ({ id: ++ids, type: "door", state: "closed" }),
    progress,
    walkOn: (registry) => (entity, name, options) =>
      registry.execute(entity, name, options),
  });
}

Deno.test("gatedTransition() runs the gate before the transition's own guard, and a closed gate rejects", async () => {
  const calls: string[] = [];
  const pay = defineTransition({
    entity: "order",
    name: "pay",
    from: "created",
    to: "paid",
    guard: () => {
      calls.push("own");
      return true;
    },
    apply: () => ({}),
  });
  let open = true;
  const registry = new TransitionRegistry();
  registry.register(gatedTransition(pay, () => {
    calls.push("gate");
    return open;
  }));
  const order = { id: "o-1", type: "order", state: "created" };
  await registry.execute(order, "pay");
  assert.deepEqual(calls, ["gate", "own"]);
  assert.equal(order.state, "paid");
  open = false;
  await assert.rejects(
    registry.execute({ ...order, state: "created" }, "pay"),
    TransitionValidationError,
  );
});

Deno.test("Races: contenders that all joined before any commit give one winner, the rest conflict", async () => {
  const track = races(3);
  const rng = new SeededRng(1);
  const outcomes = await Promise.allSettled([
    track.join(rng),
    track.join(rng),
    track.join(rng),
  ]);
  track.close();
  assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1);
  for (const o of outcomes) {
    if (o.status === "rejected") assert.ok(o.reason instanceof ConflictError);
  }
  assert.deepEqual(track.counters(), {
    races: 1,
    overlapped_races: 1,
    late_contenders: 0,
  });
  assert.deepEqual(track.result(), {
    ok: true,
    detail:
      "1 races with 3 contenders each, 1 overlapped: 1 had one winner, 0 had several, 0 had none",
  });
});

Deno.test("Races: the barrier holds an early contender while the worker is busy, until the last one joins", async () => {
  let ops = 0;
  const track = races(2, () => ops++); // never idle
  const rng = new SeededRng(3);
  let settled = false;
  const first = track.join(rng).finally(() => settled = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false, "the first contender waits at the barrier");
  const outcomes = await Promise.allSettled([first, track.join(rng)]);
  track.close();
  assert.deepEqual(outcomes.map((o) => o.status).sort(), [
    "fulfilled",
    "rejected",
  ]);
  assert.equal(track.counters().overlapped_races, 1);
  assert.equal(track.result().ok, true);
});

Deno.test("Races: a contender left alone is let go once the worker is idle, and proves nothing", async () => {
  const track = races(2);
  await track.join(new SeededRng(2));
  track.close();
  assert.deepEqual(track.counters(), {
    races: 1,
    overlapped_races: 0,
    late_contenders: 0,
  });
  const result = track.result();
  assert.equal(result.ok, false);
  assert.match(result.detail, /1 had one winner.*no race overlapped/);
});
