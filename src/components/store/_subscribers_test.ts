import assert from "node:assert/strict";
import { SeededRng } from "../../engine/rng.ts";
import { Problems } from "../../invariants.ts";
import { type Snapshot, StateStore, type Subscription } from "./state_store.ts";
import { settle, type SubscriberOptions, Subscribers } from "./_subscribers.ts";

function options(
  over: Partial<SubscriberOptions> = {},
): SubscriberOptions {
  return {
    subscribers: 0,
    capacity: 1024,
    policy: "drop-oldest",
    timeout_ms: 1000,
    consumer: "eager",
    slow_ms: 1,
    slow_every: 1,
    throwing_subscribers: 0,
    throw_every: 16,
    defect: "none",
    onSubscribe: () => {},
    ...over,
  };
}

async function write(store: StateStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await (store.set({ state: i % 2 ? "A" : "B" }) as Snapshot);
  }
}

Deno.test("Subscribers: eager consumers take every write, and delivery_exact holds with the counts", async () => {
  using store = new StateStore({ initial: { state: "IDLE" } });
  const seen: Subscription[] = [];
  const subscribers = new Subscribers(
    store,
    options({ subscribers: 3, onSubscribe: (sub) => seen.push(sub) }),
  );
  await write(store, 100);
  await settle();
  subscribers.finish();
  assert.equal(seen.length, 3);
  assert.deepEqual(subscribers.counts(), {
    subscribed: 3,
    delivered: 300,
    dropped: 0,
  });
  assert.deepEqual(subscribers.deliveryResult(store.metrics().dropped), {
    ok: true,
    detail:
      "3 subscribers, 300 received, 0 dropped and reported, 0 overflows, 0 crashes",
  });
  await subscribers.close();
});

Deno.test("Subscribers with the duplicate-delivery defect break delivery_exact", async () => {
  using store = new StateStore({ initial: { state: "IDLE" } });
  const subscribers = new Subscribers(
    store,
    options({ subscribers: 2, defect: "duplicate-delivery" }),
  );
  await write(store, 200);
  await settle();
  subscribers.finish();
  const result = subscribers.deliveryResult(store.metrics().dropped);
  assert.equal(result.ok, false);
  assert.match(result.detail, /delivered twice/);
  await subscribers.close();
});

Deno.test("Subscribers: churn subscribers join, leave beyond max, and stalled ones drain on demand", async () => {
  using store = new StateStore({ initial: { state: "IDLE" } });
  const subscribers = new Subscribers(store, options({ consumer: "stalled" }));
  subscribers.join(2);
  subscribers.join(2);
  subscribers.join(2); // the first leaves
  await write(store, 5);
  assert.equal(subscribers.drainStalled(), 10);
  assert.equal(subscribers.churn(), 0, "a fresh subscription has nothing yet");
  assert.equal(subscribers.leaveOne(new SeededRng(1)), true);
  assert.equal(subscribers.leaveOne(new SeededRng(1)), true);
  assert.equal(subscribers.leaveOne(new SeededRng(1)), false);
  await subscribers.retired();
  subscribers.finish();
  assert.deepEqual(subscribers.counts(), {
    subscribed: 4,
    delivered: 10,
    dropped: 0,
  });
  assert.equal(subscribers.deliveryResult(0).ok, true);
  await subscribers.close();
});

Deno.test("Subscribers.blockResult() judges block subscribers by what their consumers saw", async () => {
  using store = new StateStore({ initial: { state: "IDLE" } });
  const block = new Subscribers(
    store,
    options({ subscribers: 2, policy: "block" }),
  );
  await write(store, 20);
  await settle();
  block.finish();
  assert.deepEqual(block.blockResult(0), {
    ok: true,
    detail:
      "2 block subscribers each got every version in turn, 0 dropped; 0 writes timed out waiting instead",
  });
  await block.close();
  using other = new StateStore({ initial: { state: "IDLE" } });
  const none = new Subscribers(other, options({ subscribers: 1 }));
  none.finish();
  assert.deepEqual(none.blockResult(0), {
    ok: true,
    detail: "no block subscribers (policy drop-oldest)",
  });
  await none.close();
});

Deno.test("Subscribers.reached() names each open subscriber that missed a version", async () => {
  using store = new StateStore({ initial: { state: "IDLE" } });
  const subscribers = new Subscribers(
    store,
    options({ subscribers: 2, consumer: "stalled" }),
  );
  await write(store, 3);
  subscribers.drainAll();
  const problems = new Problems();
  assert.equal(subscribers.reached(3, problems), 2);
  assert.ok(problems.ok);
  assert.equal(subscribers.reached(4, problems), 0);
  assert.match(problems.summary(), /last got version 3, not the probe 4/);
  await subscribers.close();
});
