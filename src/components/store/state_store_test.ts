import assert from "node:assert/strict";
import { ConflictError, TimeoutError, ValidationError } from "../../errors.ts";
import { SeededRng } from "../../engine/rng.ts";
import { DeliveryRecorder } from "./_invariants.ts";
import {
  type BackpressurePolicy,
  breakStore,
  type Delivery,
  type Snapshot,
  StateStore,
  storeInternals,
  type Subscription,
  SubscriptionOverflowError,
} from "./state_store.ts";

/** A write known not to wait (no block subscriber is full). */
function write(store: StateStore, state: string): Snapshot {
  const result = store.set({ state });
  assert.ok(!(result instanceof Promise), "write should not wait");
  return result;
}

function versions(deliveries: readonly (Delivery | undefined)[]): number[] {
  return deliveries.map((d) => d?.version ?? -1);
}

function drain(sub: Subscription): Delivery[] {
  const out: Delivery[] = [];
  for (let d = sub.poll(); d !== undefined; d = sub.poll()) out.push(d);
  return out;
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("StateStore.set() makes the next version, frozen, with the clock's time", () => {
  let now = 1000;
  using store = new StateStore({
    initial: { state: "IDLE" },
    clock: () => now++,
  });
  assert.equal(store.get().version, 0);
  assert.equal(store.get().state, "IDLE");
  const context = { nested: { list: [1, "a"] } };
  const s1 = write(store, "ACTIVE");
  const s2 = store.set({ state: "IDLE", reason: "why", context }) as Snapshot;
  assert.deepEqual(
    [s1.version, s2.version, s2.reason, s1.at, s2.at],
    [1, 2, "why", 1001, 1002],
  );
  assert.equal(store.get(), s2);
  assert.ok(Object.isFrozen(s2));
  assert.ok(Object.isFrozen(s2.context));
  assert.ok(Object.isFrozen(context.nested.list));
  assert.throws(() => {
    (s2 as { version: number }).version = 9;
  }, TypeError);
  assert.throws(() => context.nested.list.push(2), TypeError);
  assert.deepEqual(s1.context, {});
});

Deno.test("StateStore starts at initialVersion and counts on from it", () => {
  using store = new StateStore({
    initial: { state: "IDLE" },
    initialVersion: 41,
  });
  assert.equal(store.get().version, 41);
  store.set({ state: "ACTIVE" }, { expectedVersion: 41 });
  assert.equal(store.version, 42);
  for (const bad of [-1, 1.5, Number.NaN]) {
    assert.throws(
      () => new StateStore({ initialVersion: bad }),
      RangeError,
      String(bad),
    );
  }
});

Deno.test("StateStore.set() rejects a stale version and changes nothing", () => {
  using store = new StateStore();
  const sub = store.subscribe();
  write(store, "A");
  const ok = store.set({ state: "B" }, { expectedVersion: 1 }) as Snapshot;
  assert.equal(ok.version, 2);
  assert.throws(
    () => store.set({ state: "C" }, { expectedVersion: 1 }),
    (e) =>
      e instanceof ConflictError && /expected version 1.*at 2/.test(e.message),
  );
  assert.equal(store.get().state, "B");
  assert.deepEqual(versions(drain(sub)), [1, 2]);
  const m = store.metrics();
  assert.deepEqual([m.sets, m.conflicts, m.version], [2, 1, 2]);
});

Deno.test("StateStore.set() refuses a bad state or a non-JSON context without freezing it", () => {
  using store = new StateStore();
  assert.throws(() => store.set({ state: "" }), ValidationError);
  assert.throws(
    () => store.set(undefined as unknown as { state: string }),
    ValidationError,
  );
  const bad = { ok: { x: 1 }, when: new Date(0) };
  assert.throws(
    () => store.set({ state: "A", context: bad as never }),
    (e) =>
      e instanceof ValidationError && /context\.when is a Date/.test(e.message),
  );
  assert.ok(!Object.isFrozen(bad) && !Object.isFrozen(bad.ok));
  for (
    const value of [NaN, Infinity, undefined, () => 1, 1n, "\ud800", [1, , 2]]
  ) {
    assert.throws(
      () => store.set({ state: "A", context: { value } as never }),
      ValidationError,
      String(value),
    );
  }
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.throws(
    () => store.set({ state: "A", context: cycle as never }),
    ValidationError,
  );
  assert.equal(store.version, 0);
  assert.equal(store.metrics().sets, 0);
});

Deno.test("StateStore.transition() keeps the context unless replaced, and supports CAS", () => {
  using store = new StateStore();
  store.set({ state: "A", context: { n: 1 } });
  const t1 = store.transition("B", "go") as Snapshot;
  assert.deepEqual([t1.version, t1.state, t1.reason, t1.context], [
    2,
    "B",
    "go",
    { n: 1 },
  ]);
  const t2 = store.transition("C", "swap", { context: { n: 2 } }) as Snapshot;
  assert.deepEqual(t2.context, { n: 2 });
  assert.throws(
    () => store.transition("D", "late", { expectedVersion: 2 }),
    ConflictError,
  );
  assert.throws(() => store.transition("", "empty"), ValidationError);
  assert.equal(store.version, 3);
});

Deno.test("StateStore.history() keeps the newest snapshots, oldest first", () => {
  using store = new StateStore({ historyLimit: 5 });
  assert.deepEqual(store.history().map((s) => s.version), [0]);
  for (let i = 0; i < 12; i++) write(store, "S");
  assert.deepEqual(store.history().map((s) => s.version), [8, 9, 10, 11, 12]);
  assert.deepEqual(store.history(2).map((s) => s.version), [11, 12]);
  assert.deepEqual(store.history(0), []);
  assert.deepEqual(store.history(99).length, 5);
  assert.throws(() => new StateStore({ historyLimit: 0 }), RangeError);
});

Deno.test("StateStore.history() refuses a count that is not an integer >= 0", () => {
  using store = new StateStore();
  for (
    const [n, shown] of [[NaN, "NaN"], [1.5, "1.5"], [-1, "-1"], [
      Infinity,
      "Infinity",
    ], ["3", '"3"']] as const
  ) {
    assert.throws(
      () => store.history(n as number),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot read history: n must be an integer >= 0, got ${shown}`,
      String(n),
    );
  }
});

Deno.test("StateStore.get() counts reads; version does not", () => {
  using store = new StateStore();
  store.get();
  store.get();
  void store.version;
  assert.equal(store.metrics().gets, 2);
});

Deno.test("StateStore.subscribe() delivers every version in order, each once", async () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 8 });
  assert.equal(sub.startVersion, 0);
  const got: Delivery[] = [];
  const reader = (async () => {
    for await (const d of sub) {
      got.push(d);
      if (d.version === 20) break;
    }
  })();
  for (let i = 0; i < 20; i++) {
    write(store, "S");
    if (i % 4 === 0) await tick();
  }
  await reader;
  assert.deepEqual(versions(got), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.ok(
    got.every((d) => d.missed === 0 && d.snapshot.version === d.version),
  );
  assert.equal(sub.status, "ended");
  assert.equal(store.metrics().subscribers, 0, "break unsubscribed");
});

Deno.test("StateStore.subscribe() with drop-oldest keeps the newest and reports the gap", () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 3, policy: "drop-oldest" });
  for (let i = 0; i < 10; i++) write(store, "S");
  const got = drain(sub);
  assert.deepEqual(versions(got), [8, 9, 10]);
  assert.deepEqual(got.map((d) => d.missed), [7, 0, 0]);
  const m = sub.metrics();
  assert.deepEqual(
    [m.offered, m.delivered, m.dropped, m.maxQueueDepth, m.queued, m.lag],
    [10, 3, 7, 3, 0, 0],
  );
  write(store, "S");
  assert.deepEqual(drain(sub).map((d) => [d.version, d.missed]), [[11, 0]]);
});

Deno.test("StateStore.subscribe() with capacity 1 and drop-oldest still reports each gap", () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 1, policy: "drop-oldest" });
  for (let i = 0; i < 5; i++) write(store, "S");
  assert.deepEqual(drain(sub).map((d) => [d.version, d.missed]), [[5, 4]]);
});

Deno.test("StateStore.subscribe() with drop-newest keeps the oldest and reports the gap on the next one", () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 3, policy: "drop-newest" });
  for (let i = 0; i < 10; i++) write(store, "S");
  assert.equal(sub.dropped, 7);
  assert.deepEqual(versions(drain(sub)), [1, 2, 3]);
  write(store, "S");
  assert.deepEqual(drain(sub).map((d) => [d.version, d.missed]), [[11, 7]]);
  assert.equal(sub.metrics().lag, 0);
});

Deno.test("StateStore.subscribe() with error ends the slow subscriber only, after what it queued", async () => {
  using store = new StateStore();
  const slow = store.subscribe({ capacity: 2, policy: "error" });
  const other = store.subscribe({ capacity: 100, policy: "error" });
  for (let i = 0; i < 5; i++) write(store, "S");
  assert.equal(slow.status, "failing");
  assert.equal(store.metrics().subscribers, 1);
  assert.deepEqual(versions([slow.poll(), slow.poll()]), [1, 2]);
  await assert.rejects(slow.next(), SubscriptionOverflowError);
  assert.equal(slow.status, "failed");
  assert.deepEqual(await slow.next(), { done: true, value: undefined });
  const m = slow.metrics();
  assert.deepEqual([m.offered, m.delivered, m.dropped], [3, 2, 1]);
  assert.deepEqual(versions(drain(other)), [1, 2, 3, 4, 5]);
});

Deno.test("StateStore.subscribe() with error rejects a waiting consumer at once", async () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 1, policy: "error" });
  const pending = sub.next();
  write(store, "S"); // handed straight to the waiting consumer
  assert.equal((await pending).value?.version, 1);
  const waiting = sub.next();
  write(store, "S"); // handed over again
  assert.equal((await waiting).value?.version, 2);
  write(store, "S"); // queued
  write(store, "S"); // overflow
  assert.equal((await sub.next()).value?.version, 3);
  await assert.rejects(sub.next(), SubscriptionOverflowError);
});

Deno.test("StateStore.subscribe() with block makes writers wait, never drops, and keeps FIFO", async (t) => {
  using store = new StateStore();
  const sub = store.subscribe({
    capacity: 2,
    policy: "block",
    timeoutMs: 5000,
  });
  write(store, "A");
  write(store, "B");
  assert.ok(sub.metrics().queued === 2);

  await t.step("writes wait in order while the queue is full", async () => {
    const c = store.set({ state: "C" });
    const d = store.set({ state: "D" });
    assert.ok(c instanceof Promise && d instanceof Promise);
    assert.equal(store.metrics().waiting, 2);
    // A new write queues behind the waiting ones even when room appears.
    assert.equal(sub.poll()?.version, 1);
    const e = store.set({ state: "E" });
    assert.ok(e instanceof Promise);
    assert.equal((await c).version, 3);
    assert.equal(sub.poll()?.version, 2);
    assert.equal(sub.poll()?.version, 3);
    assert.equal((await d).version, 4);
    assert.equal((await e).version, 5);
  });

  await t.step(
    "compare-and-set is checked when the write commits",
    async () => {
      // The queue holds 4, 5: full. Both writes read version 5.
      const blind = store.set({ state: "F" });
      const stale = store.set({ state: "G" }, { expectedVersion: 5 });
      assert.ok(blind instanceof Promise && stale instanceof Promise);
      assert.deepEqual(versions(drain(sub)), [4, 5]);
      assert.equal((await blind).version, 6);
      await assert.rejects(stale, ConflictError);
      assert.equal(store.version, 6);
    },
  );

  await t.step("nothing was dropped", () => {
    assert.deepEqual(versions(drain(sub)), [6]);
    const m = sub.metrics();
    assert.equal(m.dropped, 0);
    assert.equal(m.offered, m.delivered);
    assert.equal(m.maxQueueDepth, 2);
  });
});

Deno.test("StateStore.set() under block times out and changes nothing", async () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 1, policy: "block", timeoutMs: 5 });
  write(store, "A");
  const late = store.set({ state: "B" });
  assert.ok(late instanceof Promise);
  await assert.rejects(late, TimeoutError);
  assert.equal(store.version, 1);
  assert.equal(sub.dropped, 0);
  const m = store.metrics();
  assert.deepEqual([m.timeouts, m.waiting, m.sets], [1, 0, 1]);
  assert.deepEqual(versions(drain(sub)), [1]);
  assert.equal(write(store, "C").version, 2, "recovers once drained");
});

Deno.test("StateStore.set() under block resumes when the blocking subscriber leaves", async () => {
  using store = new StateStore();
  const sub = store.subscribe({ capacity: 1, policy: "block" });
  write(store, "A");
  const waiting = store.set({ state: "B" });
  assert.ok(waiting instanceof Promise);
  sub.unsubscribe();
  assert.equal((await waiting).version, 2);
  assert.equal(sub.metrics().discarded, 1);
});

Deno.test("StateStore subscribers: a throwing or slow one never stops the others", async () => {
  using store = new StateStore();
  const healthy = store.subscribe({ capacity: 1000 });
  const stalled = store.subscribe({ capacity: 1, policy: "drop-newest" });
  const filterThrows = store.subscribe({
    filter: (s) => {
      if (s.version === 3) throw new Error("bad filter");
      return true;
    },
  });
  const crashing = store.subscribe();
  const crashed = (async () => {
    for await (const _ of crashing) throw new Error("consumer bug");
  })().then(() => "no error", (error: Error) => error.message);
  for (let i = 0; i < 10; i++) {
    write(store, "S");
    await tick();
  }
  assert.equal(await crashed, "consumer bug");
  assert.equal(crashing.status, "ended");
  assert.deepEqual(versions(drain(filterThrows)), [1, 2]);
  await assert.rejects(filterThrows.next(), /bad filter/);
  assert.equal(stalled.dropped, 9);
  assert.deepEqual(
    versions(drain(healthy)),
    Array.from({ length: 10 }, (_, i) => i + 1),
  );
  assert.equal(store.metrics().subscribers, 2);
});

Deno.test("StateStore.subscribe() filter may not write, and may end another subscriber safely", () => {
  using store = new StateStore();
  const doomed: { sub?: Subscription } = {};
  const writer = store.subscribe({
    filter: () => {
      store.set({ state: "NESTED" });
      return true;
    },
  });
  const killer = store.subscribe({
    filter: () => {
      doomed.sub?.unsubscribe();
      return true;
    },
  });
  const victim = doomed.sub = store.subscribe();
  write(store, "A");
  assert.equal(store.version, 1, "the nested write was refused");
  assert.equal(writer.status, "failing");
  assert.equal(killer.poll()?.version, 1);
  assert.equal(victim.metrics().offered, 0);
  assert.equal(victim.metrics().queued, 0);
});

Deno.test("StateStore.subscribe() filter and replay choose what is offered", () => {
  using store = new StateStore();
  write(store, "A");
  const odd = store.subscribe({ filter: (s) => s.version % 2 === 1 });
  const replay = store.subscribe({ replay: true });
  assert.equal(replay.startVersion, 0);
  for (let i = 0; i < 4; i++) write(store, "S");
  assert.deepEqual(versions(drain(odd)), [3, 5]);
  assert.equal(odd.metrics().offered, 2);
  assert.deepEqual(versions(drain(replay)), [1, 2, 3, 4, 5]);
});

Deno.test("StateStore.subscribe() refuses bad options", () => {
  using store = new StateStore();
  assert.throws(() => store.subscribe({ capacity: 0 }), RangeError);
  assert.throws(() => store.subscribe({ capacity: 1.5 }), RangeError);
  assert.throws(
    () => store.subscribe({ policy: "drop-all" as BackpressurePolicy }),
    RangeError,
  );
  assert.throws(() => store.subscribe({ timeoutMs: -1 }), RangeError);
  assert.equal(store.metrics().subscribed, 0);
});

Deno.test("Subscription.next() refuses a second concurrent call", async () => {
  using store = new StateStore();
  const sub = store.subscribe();
  const first = sub.next();
  await assert.rejects(sub.next(), TypeError);
  sub.unsubscribe();
  assert.deepEqual(await first, { done: true, value: undefined });
});

Deno.test("Subscription supports await using", async () => {
  using store = new StateStore();
  let escaped: Subscription | undefined;
  {
    await using sub = store.subscribe();
    escaped = sub;
    write(store, "S");
    assert.equal(store.metrics().subscribers, 1);
  }
  assert.equal(store.metrics().subscribers, 0);
  assert.equal(escaped.status, "ended");
  assert.equal(escaped.metrics().discarded, 1);
  assert.deepEqual(await escaped.next(), { done: true, value: undefined });
});

Deno.test("StateStore.close() ends every subscription after its queue and rejects waiting writes", async () => {
  const store = new StateStore();
  const queued = store.subscribe({ capacity: 4 });
  const waiting = store.subscribe();
  const pending = waiting.next();
  const block = store.subscribe({ capacity: 1, policy: "block" });
  const reader = (async () => {
    const got: number[] = [];
    for await (const d of queued) got.push(d.version);
    return got;
  })();
  write(store, "A"); // fills block
  await pending; // waiting got version 1
  const writer = store.set({ state: "B" });
  assert.ok(writer instanceof Promise);
  store.close();
  await assert.rejects(writer, /store was closed/);
  assert.deepEqual(await reader, [1]);
  assert.deepEqual(await waiting.next(), { done: true, value: undefined });
  assert.equal(block.poll()?.version, 1, "queued items survive close");
  assert.equal(block.status, "ended");
  assert.equal(store.metrics().subscribers, 0);
  assert.deepEqual(store.history(), []);
  assert.throws(() => store.set({ state: "C" }), /store is closed/);
  assert.throws(() => store.subscribe(), /store is closed/);
  store.close(); // idempotent
});

Deno.test("StateStore metrics add up across subscribers", () => {
  using store = new StateStore();
  const a = store.subscribe({ capacity: 2, policy: "drop-oldest" });
  const b = store.subscribe({ capacity: 100 });
  for (let i = 0; i < 6; i++) write(store, "S");
  drain(a);
  drain(b);
  store.get();
  const m = store.metrics();
  assert.deepEqual(
    [m.sets, m.gets, m.subscribers, m.subscribed, m.delivered, m.dropped],
    [6, 1, 2, 2, 8, 4],
  );
  assert.deepEqual(store.subscriberMetrics().map((s) => s.delivered), [2, 6]);
});

const POLICIES: readonly BackpressurePolicy[] = [
  "block",
  "drop-oldest",
  "drop-newest",
  "error",
];

/**
 * Opens `n` subscribers of every policy, writes, and has each leave the
 * way `how` says. In a helper, so no (suspended) test frame holds one.
 */
function subscribeMany(
  store: StateStore,
  n: number,
  how: "unsubscribe" | "stay",
): WeakRef<Subscription>[] {
  const subs = Array.from(
    { length: n },
    (_, i) => store.subscribe({ capacity: 4, policy: POLICIES[i % 4] }),
  );
  for (let i = 0; i < 3; i++) write(store, "S");
  subs[0].poll();
  if (how === "unsubscribe") {
    for (const [i, sub] of subs.entries()) {
      // Every way out: unsubscribe(), return(), dispose.
      if (i % 3 === 0) sub.unsubscribe();
      else if (i % 3 === 1) void sub.return();
      else sub[Symbol.dispose]();
    }
  }
  return subs.map((sub) => new WeakRef(sub));
}

/**
 * Subscriptions still reachable after GC. A WeakRef read keeps its target
 * alive until the job ends and a finishing `return()` may hold one for a
 * turn, so collect over a few turns; a real leak survives all of them.
 */
async function reachable(refs: WeakRef<Subscription>[]): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  let alive = 0;
  for (let round = 0; round < 5; round++) {
    await tick();
    gc();
    alive = refs.filter((r) => r.deref() !== undefined).length;
    if (alive === 0) break;
  }
  return alive;
}

Deno.test("StateStore retains no subscriber once it unsubscribes, before and after close", async (t) => {
  const store = new StateStore();
  const refs = subscribeMany(store, 200, "unsubscribe");
  await t.step("after unsubscribe, store open", async () => {
    assert.equal(await reachable(refs), 0);
    assert.deepEqual(storeInternals(store), {
      subscribers: 0,
      blockSubscribers: 0,
      waiters: 0,
      history: 4,
    });
    write(store, "S");
  });
  await t.step("after close", async () => {
    store.close();
    assert.equal(await reachable(refs), 0);
    assert.equal(storeInternals(store).history, 0);
  });
});

Deno.test("StateStore leak check catches a store that keeps leavers (defect leak-in-store)", async () => {
  const store = new StateStore();
  breakStore(store, "leak-in-store");
  const refs = subscribeMany(store, 200, "unsubscribe");
  // The leak shows while the store is open...
  assert.equal(await reachable(refs), 200);
  assert.deepEqual(storeInternals(store).blockSubscribers, 50);
  // ...and close() hides it, which is why the check runs before close.
  store.close();
  assert.equal(await reachable(refs), 0);
});

Deno.test("StateStore.close() releases subscribers that never unsubscribed", async () => {
  const store = new StateStore();
  const refs = subscribeMany(store, 40, "stay");
  assert.equal(await reachable(refs), 40, "open subscriptions are held");
  store.close();
  assert.equal(await reachable(refs), 0);
});

Deno.test("StateStore defects break what they say (for the invariant tests)", async (t) => {
  await t.step("reuse-version repeats a version every 50 writes", () => {
    using store = new StateStore();
    breakStore(store, "reuse-version");
    const seen = Array.from({ length: 100 }, () => write(store, "S").version);
    assert.equal(new Set(seen).size, 98);
  });
  await t.step("lossy-cas lets every 5th stale write through", () => {
    using store = new StateStore();
    breakStore(store, "lossy-cas");
    let through = 0;
    for (let i = 0; i < 10; i++) {
      try {
        store.set({ state: "S" }, { expectedVersion: -1 });
        through++;
      } catch (error) {
        assert.ok(error instanceof ConflictError);
      }
    }
    assert.equal(through, 2);
    assert.equal(store.metrics().conflicts, 8);
  });
  await t.step("block-drops never waits and drops without a word", () => {
    using store = new StateStore();
    breakStore(store, "block-drops");
    const sub = store.subscribe({ capacity: 2, policy: "block" });
    for (let i = 0; i < 5; i++) write(store, "S");
    assert.deepEqual(versions(drain(sub)), [1, 2]);
    write(store, "S");
    const [next] = drain(sub);
    assert.deepEqual([next.version, next.missed, sub.dropped], [6, 0, 0]);
  });
  await t.step(
    "stuck-waiter: after one timeout, writes never flow again",
    async () => {
      using store = new StateStore();
      breakStore(store, "stuck-waiter");
      const sub = store.subscribe({
        capacity: 1,
        policy: "block",
        timeoutMs: 1,
      });
      write(store, "S");
      await assert.rejects(
        async () => await store.set({ state: "LATE" }),
        TimeoutError,
      );
      assert.equal(
        store.metrics().waiting,
        1,
        "the timed-out write still waits",
      );
      sub.poll(); // room again, but the queue is stuck behind the dead write
      const next = store.set({ state: "NEXT" });
      assert.ok(next instanceof Promise, "a write after the drain has to wait");
      await assert.rejects(async () => await next, TimeoutError);
      assert.equal(store.version, 1, "nothing committed after the timeout");
    },
  );
});

Deno.test("StateStore deliveries account for every version under random load and policies", async () => {
  for (
    const policy of ["drop-oldest", "drop-newest", "block", "error"] as const
  ) {
    const rng = new SeededRng(7, policy.length);
    using store = new StateStore();
    const subs = Array.from(
      { length: 4 },
      (_, i) => store.subscribe({ capacity: 1 + i * 3, policy, timeoutMs: 50 }),
    );
    const recorders = subs.map((s) => new DeliveryRecorder(s.startVersion));
    const take = (i: number) => {
      for (let d = subs[i].poll(); d !== undefined; d = subs[i].poll()) {
        recorders[i].record(d.version, d.missed);
      }
    };
    for (let step = 0; step < 2000; step++) {
      if (rng.next() < 0.7) {
        const result = store.set({ state: "S" });
        if (result instanceof Promise) {
          take(rng.int(0, subs.length - 1));
          for (let i = 0; i < subs.length; i++) take(i);
          await result;
        }
      } else {
        take(rng.int(0, subs.length - 1));
      }
    }
    for (let i = 0; i < subs.length; i++) {
      take(i);
      const open = subs[i].status === "open";
      const problems = recorders[i].finish(
        subs[i].metrics(),
        open ? store.version : undefined,
      );
      assert.ok(problems.ok, `${policy} #${i}: ${problems.summary()}`);
      if (policy === "block") assert.equal(subs[i].dropped, 0);
    }
    const total = subs.reduce((n, s) => n + s.metrics().delivered, 0);
    assert.equal(store.metrics().delivered, total);
  }
});
