import assert from "node:assert/strict";
import {
  ArrivalSchedule,
  arrivalSchedule,
  type LoadRecord,
  plannedOps,
  schedule,
} from "../executors/mod.ts";
import { testPlan } from "../engine/testdata/plan.ts";
import {
  parseShard,
  parseStartAt,
  planFingerprint,
  type Shard,
  shardPlan,
} from "./shard.ts";

function shards(count: number): Shard[] {
  return Array.from({ length: count }, (_, index) => ({ index, count }));
}

Deno.test("parseShard() reads i/n from 0 and refuses the rest with why", () => {
  assert.deepEqual(parseShard("0/3"), { index: 0, count: 3 });
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.deepEqual(parseShard(" 0 / 1 "), { index: 0, count: 1 });
  assert.throws(
    () => parseShard("3/3"),
    /--shard "3\/3": the index must be from 0 to 2 \(shards are numbered from 0, as Kubernetes' JOB_COMPLETION_INDEX/,
  );
  assert.throws(() => parseShard("1/0"), /shard count must be from 1 to/);
  assert.throws(() => parseShard("a/b"), /expected "i\/n"/);
  assert.throws(() => parseShard("-1/3"), /expected "i\/n"/);
  assert.throws(() => parseShard("3"), /expected "i\/n"/);
});

Deno.test("shardPlan() splits closed-model loads by whole workers: the shards add up to the plan", async (t) => {
  const loads: Partial<LoadRecord>[] = [
    { executor: "per-worker-iterations", workers: 5, iterations: 7 },
    { executor: "shared-iterations", workers: 4, iterations: 1001 },
    { executor: "shared-iterations", workers: 7, iterations: 8 },
    { executor: "constant-workers", workers: 6, duration_ms: 1000 },
    {
      executor: "ramping-workers",
      workers: 3,
      concurrency: 4,
      start_tasks: 1,
      stages: [{ duration_ms: 1000, target: 4 }],
      duration_ms: 1000,
    },
  ];
  for (const load of loads) {
    await t.step(`${load.executor}, ${load.workers} workers`, () => {
      const plan = testPlan({ load });
      const parts = shards(3).map((shard) => shardPlan(plan, shard));
      const globals = parts.flatMap((p) => p.shard!.workers).sort((a, b) =>
        a - b
      );
      assert.deepEqual(
        globals,
        Array.from({ length: plan.load.workers }, (_, i) => i),
        "every worker of the plan runs in exactly one shard",
      );
      for (const part of parts) {
        assert.equal(part.load.workers, part.shard!.workers.length);
        assert.deepEqual(part.shard!.whole, plan.load);
        assert.equal(part.load.concurrency, plan.load.concurrency);
      }
      const whole = plannedOps(plan.load);
      if (whole !== undefined) {
        const sum = parts.reduce((s, p) => s + plannedOps(p.load)!, 0);
        assert.equal(sum, whole, "the shards' ops add up to the plan's");
      }
    });
  }
  await t.step("one shard of one is the plan, workers numbered alike", () => {
    const plan = testPlan({ load: { workers: 2 } });
    const [only] = shards(1).map((shard) => shardPlan(plan, shard));
    assert.deepEqual(only.load, plan.load);
    assert.deepEqual(only.shard!.workers, [0, 1]);
  });
});

Deno.test("shardPlan() refuses more shards than a closed-model load has workers", () => {
  const plan = testPlan({ name: "tiny", load: { workers: 2 } });
  assert.throws(
    () => shardPlan(plan, { index: 2, count: 3 }),
    /Cannot run scenario "tiny" as shard 2\/3: the load has 2 workers, fewer than the 3 shards: .*raise load.workers \(or --workers\) to at least 3/,
  );
  // shared-iterations: fewer iterations than workers leaves a shard idle.
  const few = testPlan({
    load: { executor: "shared-iterations", workers: 3, iterations: 2 },
  });
  assert.throws(
    () => shardPlan(few, { index: 2, count: 3 }),
    /"iterations" 2 is fewer than the 3 workers: shard 2 would run nothing/,
  );
});

Deno.test("open-model striping: the shards' arrivals are the plan's schedule, each once, at the same times", async (t) => {
  const loads: Partial<LoadRecord>[] = [
    {
      executor: "constant-arrival-rate",
      workers: 2,
      concurrency: 10,
      rate: 997,
      time_unit_ms: 1000,
      duration_ms: 1500,
    },
    {
      executor: "ramping-arrival-rate",
      workers: 3,
      concurrency: 10,
      start_rate: 10,
      time_unit_ms: 1000,
      stages: [
        { duration_ms: 700, target: 400 },
        { duration_ms: 300, target: 0 },
      ],
      duration_ms: 1000,
    },
  ];
  for (const load of loads) {
    for (const count of [1, 2, 3, 7]) {
      await t.step(`${load.executor}, ${count} shards`, () => {
        const plan = testPlan({ load });
        const whole = arrivalSchedule(plan.load)!;
        const seen: number[] = [];
        for (const shard of shards(count)) {
          const part = shardPlan(plan, shard);
          assert.equal(part.load.workers, plan.load.workers);
          for (let worker = 0; worker < part.load.workers; worker++) {
            const { arrivals } = schedule(part.load, {
              claimed: new Int32Array(1),
              now: 0,
              worker,
              shard: part.shard,
            });
            for (let j = 0; j < arrivals!.count; j++) {
              const k = arrivals!.first + j * arrivals!.step;
              assert.equal(k % count, shard.index, "every n-th from its index");
              assert.equal(arrivals!.schedule.at(k), whole.at(k));
              seen.push(k);
            }
          }
        }
        seen.sort((a, b) => a - b);
        assert.deepEqual(
          seen,
          Array.from({ length: whole.total }, (_, k) => k),
          "the union is the whole schedule, each arrival once",
        );
        assert.ok(whole instanceof ArrivalSchedule && whole.total > 0);
      });
    }
  }
});

Deno.test("planFingerprint() is shared by a plan's shards and changes with seed, profile and version", async () => {
  const plan = testPlan({ load: { workers: 3 } });
  const whole = await planFingerprint(plan, "0.1.0");
  assert.match(whole, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await planFingerprint(plan, "0.1.0"), whole, "stable");
  for (const shard of shards(3)) {
    assert.equal(
      await planFingerprint(shardPlan(plan, shard), "0.1.0"),
      whole,
      `shard ${shard.index} names the whole plan`,
    );
  }
  assert.equal(
    await planFingerprint({ ...plan, file: "elsewhere/test.yaml" }, "0.1.0"),
    whole,
    "the file's path is not the plan",
  );
  const other = [
    await planFingerprint(testPlan({ load: { workers: 3, seed: 2 } }), "0.1.0"),
    await planFingerprint({ ...plan, profile: "smoke" }, "0.1.0"),
    await planFingerprint(plan, "0.2.0"),
    await planFingerprint(testPlan({ load: { workers: 4 } }), "0.1.0"),
  ];
  for (const fingerprint of other) assert.notEqual(fingerprint, whole);
});

Deno.test("parseStartAt() reads an ISO time or +Ns within an hour ahead and a few seconds behind", () => {
  const now = new Date("2026-11-26T15:00:00Z");
  assert.equal(
    parseStartAt("+30s", now).toISOString(),
    "2026-11-26T15:00:30.000Z",
  );
  assert.equal(
    parseStartAt("+1.5s", now).toISOString(),
    "2026-11-26T15:00:01.500Z",
  );
  assert.equal(
    parseStartAt("2026-11-26T15:10:00Z", now).toISOString(),
    "2026-11-26T15:10:00.000Z",
  );
  assert.equal(
    parseStartAt("2026-11-26T14:59:58Z", now).toISOString(),
    "2026-11-26T14:59:58.000Z",
    "a shard a little late still starts",
  );
  assert.throws(
    () => parseStartAt("+2h", now),
    /Cannot read --start-at "\+2h": expected an ISO time like "2026-11-26T15:30:00Z" or a delay like "\+30s"/,
  );
  assert.throws(() => parseStartAt("soon", now), /Cannot read --start-at/);
  assert.throws(
    () => parseStartAt("+7200s", now),
    /Cannot wait for --start-at "\+7200s": it is 7200 s away, more than the hour a run may wait/,
  );
  assert.throws(
    () => parseStartAt("2026-11-26T14:59:00Z", now),
    /Cannot start at --start-at "2026-11-26T14:59:00Z": it passed 60 s ago .*more than the 5 s a late shard may start behind/,
  );
});
