import assert from "node:assert/strict";
import { findGc } from "../../runtime.ts";
import { StateStore, type Subscription } from "./state_store.ts";
import { LeakProbe, type LeakSeams, type LeakSubject } from "./_leak_probe.ts";

/** A target of `n` subscriptions; `keep` holds them after unsubscribe. */
function subject(probe: LeakProbe, n: number, keep: Subscription[]) {
  const store = new StateStore({ initial: { state: "IDLE" } });
  const subs: Subscription[] = [];
  for (let i = 0; i < n; i++) {
    const sub = store.subscribe({ capacity: 4 });
    probe.watch(sub);
    subs.push(sub);
    keep.push(sub);
  }
  const target: LeakSubject = {
    store,
    unsubscribeAll: () => {
      for (const sub of subs) sub.unsubscribe();
      subs.length = 0;
      return Promise.resolve();
    },
    release: () => {},
    ownBytes: () => 0,
  };
  return target;
}

const FLAT: LeakSeams = { heapUsed: () => 1e6, gc: findGc() };

Deno.test("LeakProbe holds once every subscription is gone, store open and closed", async () => {
  assert.ok(FLAT.gc, "run with --v8-flags=--expose-gc");
  const probe = new LeakProbe(FLAT, 1.5);
  const result = await probe.check(subject(probe, 3, []));
  assert.deepEqual(result, {
    ok: true,
    detail:
      "0 of the last 3 subscriptions reachable after unsubscribe (store open, its lists empty) and after close; heap 0.0 MB from start (tolerance 1.5 MB)",
  });
});

Deno.test("LeakProbe catches a subscription the target still holds", async () => {
  const probe = new LeakProbe(FLAT, 1.5);
  const kept: Subscription[] = [];
  const result = await probe.check(subject(probe, 2, kept));
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /2 of the last 2 subscriptions are still reachable after unsubscribe and GC \(store open\).*after close and GC/,
  );
  assert.equal(kept.length, 2);
});

Deno.test("LeakProbe catches heap growth beyond tolerance, not counting the target's own", async () => {
  let heap = 1e6;
  const probe = new LeakProbe({ heapUsed: () => heap, gc: findGc() }, 1);
  heap += 3 * 1024 * 1024;
  const target = subject(probe, 1, []);
  target.ownBytes = () => 1024 * 1024;
  const result = await probe.check(target);
  assert.equal(result.ok, false);
  assert.equal(
    result.detail,
    "heap is 2.0 MB above its start after close and GC (tolerance 1.0 MB, not counting the target's own 1.0 MB)",
  );
});

Deno.test("LeakProbe without GC says it cannot check", async () => {
  const probe = new LeakProbe({ heapUsed: () => 0, gc: undefined }, 1);
  const target = subject(probe, 1, []);
  const result = await probe.check(target);
  target.store.close();
  assert.deepEqual(result, {
    ok: false,
    detail: "cannot check: run with --v8-flags=--expose-gc",
  });
});
