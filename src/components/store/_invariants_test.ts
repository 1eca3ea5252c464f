import assert from "node:assert/strict";
import {
  compareCounts,
  DeliveryRecorder,
  Problems,
  sameValue,
  VersionLog,
} from "./_invariants.ts";

Deno.test("VersionLog accepts each version once in any order", () => {
  const log = new VersionLog(10);
  for (const v of [11, 13, 12, 14]) log.record(v);
  assert.ok(log.check(14, [12, 13, 14]).ok);
});

Deno.test("VersionLog catches duplicates, gaps, stale versions and a broken history", () => {
  const dup = new VersionLog(0);
  for (const v of [1, 2, 2, 3]) dup.record(v);
  assert.match(
    dup.check(3, [1, 2, 3]).summary(),
    /version 2 was written twice/,
  );

  const gap = new VersionLog(0);
  for (const v of [1, 2, 4]) gap.record(v);
  assert.match(
    gap.check(4, [1, 2, 4]).summary(),
    /3 distinct writes.*moved by 4/,
  );

  const stale = new VersionLog(5);
  stale.record(5);
  assert.ok(!stale.check(5, [5]).ok);

  const history = new VersionLog(0);
  for (let v = 1; v <= 3; v++) history.record(v);
  assert.match(history.check(3, [1, 3, 2]).summary(), /after/);
  assert.ok(!new VersionLog(0).check(0, [1]).ok, "history past current");
});

Deno.test("DeliveryRecorder accepts reported gaps and checks the totals", () => {
  const r = new DeliveryRecorder(0);
  r.record(1, 0);
  r.record(4, 2); // 2, 3 dropped and reported
  r.record(5, 0);
  // 6 dropped at the tail (not yet reported), 7 queued then discarded.
  const p = r.finish({ offered: 7, dropped: 3, discarded: 1 }, 7);
  assert.ok(p.ok, p.summary());
});

Deno.test("DeliveryRecorder catches unreported loss, duplicates, reordering and miscounts", () => {
  const loss = new DeliveryRecorder(0);
  loss.record(1, 0);
  loss.record(3, 0);
  assert.match(loss.problems.summary(), /version 2 missing but 0 drops/);

  const dup = new DeliveryRecorder(0);
  dup.record(1, 0);
  dup.record(1, 0);
  assert.match(dup.problems.summary(), /delivered twice/);

  const order = new DeliveryRecorder(0);
  order.record(2, 1);
  order.record(1, 0);
  assert.match(order.problems.summary(), /order broken/);

  const over = new DeliveryRecorder(0);
  over.record(2, 3);
  assert.match(over.problems.summary(), /reports 3 drops but only 1/);

  const totals = new DeliveryRecorder(0);
  totals.record(1, 0);
  assert.match(
    totals.finish({ offered: 3, dropped: 0, discarded: 0 }).summary(),
    /received 1 \+ dropped 0 \+ discarded 0 != offered 3/,
  );
  const tail = new DeliveryRecorder(0);
  tail.record(1, 0);
  assert.match(
    tail.finish({ offered: 1, dropped: 0, discarded: 0 }, 4).summary(),
    /3 versions after 1 never arrived/,
  );
});

Deno.test("compareCounts() names each counter that differs", () => {
  assert.ok(compareCounts({ a: 1, b: 2, extra: 9 }, { a: 1, b: 2 }).ok);
  assert.equal(
    compareCounts({ a: 1, b: 3 }, { a: 2, b: 2 }).summary(),
    "a: store reports 1, counted 2; b: store reports 3, counted 2",
  );
});

Deno.test("Problems keeps the first few and counts the rest", () => {
  const p = new Problems();
  for (let i = 0; i < 8; i++) p.add(`p${i}`);
  assert.equal(p.summary(), "p0; p1; p2; p3; p4; and 3 more");
});

Deno.test("sameValue() compares deeply, with key order and -0", () => {
  assert.ok(sameValue({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  assert.ok(!sameValue({ a: 1, b: 2 }, { b: 2, a: 1 }));
  assert.ok(!sameValue(0, -0));
  assert.ok(!sameValue([1], { 0: 1 }));
  assert.ok(!sameValue({ a: [1, 2] }, { a: [1] }));
});
