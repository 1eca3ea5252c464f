import assert from "node:assert/strict";
import {
  checkDrift,
  checkNoDrops,
  compareCounts,
  DeliveryRecorder,
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

Deno.test("sameValue() compares deeply, with key order and -0", () => {
  assert.ok(sameValue({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
  assert.ok(!sameValue({ a: 1, b: 2 }, { b: 2, a: 1 }));
  assert.ok(!sameValue(0, -0));
  assert.ok(!sameValue([1], { 0: 1 }));
  assert.ok(!sameValue({ a: [1, 2] }, { a: [1] }));
});

Deno.test("checkNoDrops() holds for a subscriber that got every version in turn", () => {
  const r = new DeliveryRecorder(3);
  for (let v = 4; v <= 8; v++) r.record(v, 0);
  // 9 and 10 were queued, then discarded when it left at version 10.
  assert.deepEqual(
    checkNoDrops(r, { offered: 7, dropped: 0, discarded: 2 }, 10),
    [],
  );
});

Deno.test("checkNoDrops() catches skips the store never counted, and missing offers", () => {
  const silent = new DeliveryRecorder(0);
  silent.record(1, 0);
  silent.record(4, 0); // 2 and 3 vanished without a word
  assert.deepEqual(
    checkNoDrops(silent, { offered: 4, dropped: 0, discarded: 0 }, 4),
    [
      "1 deliveries skipped versions (first: version 4 after 1)",
      "received 2 + discarded 0 != offered 4",
    ],
  );
  const reported = new DeliveryRecorder(0);
  reported.record(3, 2);
  assert.deepEqual(
    checkNoDrops(reported, { offered: 3, dropped: 2, discarded: 0 }),
    [
      "1 deliveries skipped versions (first: version 3 after 0)",
      "the store counted 2 drops",
      "received 1 + discarded 0 != offered 3",
    ],
  );
  const unoffered = new DeliveryRecorder(0);
  unoffered.record(1, 0);
  assert.deepEqual(
    checkNoDrops(unoffered, { offered: 1, dropped: 0, discarded: 0 }, 2),
    ["offered 1, but 2 versions were written while subscribed"],
  );
});

Deno.test("checkDrift() compares the medians of the first and last thirds", () => {
  const marks = (spans: number[]) => {
    const out = [0];
    for (const s of spans) out.push(out[out.length - 1] + s);
    return out;
  };
  const steady = checkDrift(
    marks([10, 10, 500, 10, 10, 10, 10, 10, 10]),
    1000,
    3,
  );
  assert.ok(steady.ok, steady.detail);
  assert.equal(
    steady.detail,
    "writes 100,000/s in the first third, 100,000/s in the last (1.00x the time per write, tolerance 3x)",
  );
  const slowing = checkDrift(
    marks([10, 10, 10, 20, 30, 40, 40, 40, 40]),
    1000,
    3,
  );
  assert.equal(slowing.ok, false);
  assert.match(slowing.detail, /4\.00x the time per write/);
  const short = checkDrift(marks([10, 90]), 1000, 3);
  assert.ok(short.ok);
  assert.equal(short.detail, "3000 writes, too few to judge drift");
});
