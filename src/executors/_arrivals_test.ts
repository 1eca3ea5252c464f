import assert from "node:assert/strict";
import { ArrivalSchedule, workerShare } from "./_arrivals.ts";

function flat(rate: number, duration_ms: number, time_unit_ms = 1000) {
  return new ArrivalSchedule({
    start_rate: rate,
    time_unit_ms,
    stages: [{ duration_ms, target: rate }],
  });
}

/** Every arrival time of a worker's share: k = worker, worker + n, … */
function times(schedule: ArrivalSchedule, worker = 0, workers = 1): number[] {
  const out: number[] = [];
  for (let k = worker; k < schedule.total; k += workers) {
    out.push(schedule.at(k));
  }
  return out;
}

Deno.test("ArrivalSchedule: a whole number of time units holds exactly rate × units arrivals, all inside the duration", () => {
  for (
    const [rate, ms, unit] of [[100, 3000, 1000], [7, 2000, 1000], [
      5,
      60_000,
      60_000,
    ], [3000, 1000, 1000]]
  ) {
    const schedule = flat(rate, ms, unit);
    assert.equal(
      schedule.total,
      rate * ms / unit,
      `${rate}/${unit}ms × ${ms}ms`,
    );
    const all = times(schedule);
    assert.equal(all[0], 0, "the first arrival is due at the start");
    assert.ok(all.at(-1)! < ms, "the last is due before the end");
  }
  assert.equal(
    flat(3, 500).total,
    2,
    "1.5 arrivals due: the one at 0 and the one at 333 ms",
  );
});

Deno.test("ArrivalSchedule: workers × their share is the declared schedule, at the same instants", () => {
  for (const workers of [1, 2, 3, 7]) {
    const schedule = flat(1000, 2000);
    let sum = 0;
    const merged: number[] = [];
    for (let worker = 0; worker < workers; worker++) {
      const mine = times(schedule, worker, workers);
      assert.equal(mine.length, workerShare(schedule.total, worker, workers));
      sum += mine.length;
      merged.push(...mine);
    }
    assert.equal(sum, 2000, `${workers} workers`);
    merged.sort((a, b) => a - b);
    assert.deepEqual(merged, times(flat(1000, 2000)));
  }
  assert.equal(workerShare(5, 3, 4), 1);
  assert.equal(workerShare(5, 4, 8), 1);
  assert.equal(workerShare(5, 5, 8), 0);
});

Deno.test("ArrivalSchedule: sub-millisecond arrivals are spread evenly, not bunched per millisecond", () => {
  // 20,000/s is one arrival every 50 µs: every gap is 50 µs, within
  // floating-point error, and each millisecond holds exactly 20.
  const all = times(flat(20_000, 1000));
  assert.equal(all.length, 20_000);
  for (let i = 1; i < all.length; i++) {
    assert.ok(Math.abs(all[i] - all[i - 1] - 0.05) < 1e-9, `gap ${i}`);
  }
  const perMs = new Map<number, number>();
  for (const t of all) {
    const ms = Math.floor(t + 1e-9);
    perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
  }
  assert.deepEqual(new Set(perMs.values()), new Set([20]));
});

Deno.test("ArrivalSchedule: a stage ramp holds each stage's declared count within one arrival", () => {
  const stages = [
    { duration_ms: 2000, target: 300 }, // 100 → 300: 400 due
    { duration_ms: 1000, target: 300 }, // hold: 300
    { duration_ms: 1500, target: 0 }, // 300 → 0: 225
    { duration_ms: 500, target: 0 }, // nothing
    { duration_ms: 1000, target: 50 }, // 0 → 50: 25
  ];
  const schedule = new ArrivalSchedule({
    start_rate: 100,
    time_unit_ms: 1000,
    stages,
  });
  const declared = [400, 300, 225, 0, 25];
  assert.equal(schedule.total, 950);
  const all = times(schedule);
  let start = 0;
  stages.forEach((stage, i) => {
    const end = start + stage.duration_ms;
    const n = all.filter((t) => t >= start && t < end).length;
    assert.ok(
      Math.abs(n - declared[i]) <= 1,
      `stage ${i}: ${n} of ${declared[i]}`,
    );
    start = end;
  });
  for (let i = 1; i < all.length; i++) {
    assert.ok(all[i] >= all[i - 1], "arrivals never go back in time");
  }
});

Deno.test("ArrivalSchedule.expected() is the real-valued count due before an instant", () => {
  const schedule = new ArrivalSchedule({
    start_rate: 0,
    time_unit_ms: 1000,
    stages: [{ duration_ms: 1000, target: 100 }, {
      duration_ms: 1000,
      target: 100,
    }],
  });
  assert.equal(schedule.expected(0), 0);
  assert.equal(schedule.expected(500), 12.5);
  assert.equal(schedule.expected(1000), 50);
  assert.equal(schedule.expected(1500), 100);
  assert.equal(schedule.expected(5000), 150);
  // at() inverts it: arrival k is due where k are due before.
  for (const k of [1, 10, 49, 50, 120, 149]) {
    assert.ok(Math.abs(schedule.expected(schedule.at(k)) - k) < 1e-6, `k=${k}`);
  }
});

Deno.test("ArrivalSchedule.at() answers out of order as it does in order", () => {
  const schedule = new ArrivalSchedule({
    start_rate: 10,
    time_unit_ms: 1000,
    stages: [{ duration_ms: 1000, target: 50 }, {
      duration_ms: 1000,
      target: 10,
    }],
  });
  const forward = times(schedule);
  const backward = [...forward.keys()].reverse().map((k) => schedule.at(k));
  assert.deepEqual(backward.reverse(), forward);
});
