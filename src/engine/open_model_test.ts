import assert from "node:assert/strict";
import { calibrateTarget } from "../components/calibrate/mod.ts";
import type { Plan } from "../scenario/mod.ts";
import { runPlan, type RunResult } from "./mod.ts";
import { testPlan } from "./testdata/plan.ts";

const WORKER = new URL("./testdata/probe_worker.ts", import.meta.url);

async function run(plan: Plan): Promise<RunResult> {
  const runDir = await Deno.makeTempDir();
  try {
    return await runPlan(plan, {
      target: calibrateTarget,
      workerUrl: WORKER,
      runDir,
      sampleMs: 250,
    });
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

function openPlan(
  load: Parameters<typeof testPlan>[0]["load"],
  mix: Plan["mix"] = [{ op: "noop", weight: 1, params: {} }],
): Plan {
  return testPlan({
    mix,
    load: {
      executor: "constant-arrival-rate",
      time_unit_ms: 1000,
      concurrency: 100,
      ...load,
    },
  });
}

Deno.test("runPlan() open model: the workers' arrivals sum to the declared schedule, none dropped", async () => {
  const result = await run(
    openPlan({ workers: 2, rate: 200, duration_ms: 1000 }),
  );
  assert.equal(result.status, "completed");
  const m = result.measurements;
  assert.equal(m.total, 200, "rate × whole seconds, split over 2 workers");
  assert.equal(m.dropped, 0);
  assert.ok(m.service_time, "service time beside latency");
  assert.equal(m.service_time.count, 200);
  assert.ok(m.ops.noop.service_time);
  const achieved = m.timeseries.reduce((n, i) => n + (i.achieved ?? 0), 0);
  assert.ok(achieved > 0, "achieved rate in the timeseries");
  assert.ok(m.timeseries.every((i) => i.target !== undefined));
});

Deno.test("runPlan() open model: intended-start latency equals service time when nothing queues", async () => {
  // 50 noops a second on an idle worker: every arrival starts on time, so
  // latency and service time differ by the start's lag alone (µs).
  const result = await run(openPlan({ rate: 50, duration_ms: 1000 }));
  const m = result.measurements;
  assert.equal(m.total, 50);
  assert.ok(m.service_time);
  assert.ok(m.latency.p50 >= m.service_time.p50);
  assert.ok(
    m.latency.p50 - m.service_time.p50 < 0.5,
    `p50 ${m.latency.p50} ms vs service ${m.service_time.p50} ms`,
  );
});

Deno.test("runPlan() open model: an arrival that finds max_in_flight ops running is dropped and counted", async () => {
  // One op at a time (max_in_flight 1), each taking 50 ms, asked for every
  // 10 ms for a second: of 100 arrivals at most one in 5 finds the worker
  // free, so at most 20 start and at least 80 are dropped, never skipped.
  const result = await run(openPlan(
    { rate: 100, duration_ms: 1000, concurrency: 1 },
    [{ op: "sleep", weight: 1, params: { ms: 50 } }],
  ));
  const m = result.measurements;
  assert.equal(result.status, "completed");
  assert.ok(m.total <= 20 && m.total >= 10, `${m.total} started`);
  assert.equal(m.total + m.dropped!, 100, "every arrival started or dropped");
  assert.equal(m.outcomes.ok, m.total);
  const dropped = m.timeseries.reduce((n, i) => n + (i.dropped ?? 0), 0);
  assert.equal(dropped, m.dropped, "drops show in the timeseries too");
});

Deno.test("runPlan() open model: a 200 ms stall once a second shows in latency, not in service time", async () => {
  // 200 arrivals a second for 3 s on one worker; the 100th, 300th and 500th
  // stall calls hold the thread 200 ms. During each stall 39 arrivals fall
  // due (every 5 ms) and start when it ends, 195, 190, … 5 ms late; with
  // the stall itself, each stall adds latencies 5, 10, … 200 ms. Of 600
  // ops, sorted: p99 (rank 594) is 190 ms, p90 (rank 540) 100 ms, p50 a
  // few µs. Service time: 597 quick ops and 3 of 200 ms, so its p99 stays
  // small and only its max sees the stall.
  const result = await run(openPlan(
    { rate: 200, duration_ms: 3000 },
    [{ op: "stall", weight: 1, params: { every: 200, ms: 200 } }],
  ));
  const m = result.measurements;
  assert.equal(m.total, 600);
  assert.equal(m.dropped, 0, "late arrivals queue, they are not dropped");
  assert.ok(m.service_time);
  const { latency, service_time: service } = m;
  assert.ok(latency.p99 >= 170 && latency.p99 <= 230, `p99 ${latency.p99}`);
  assert.ok(latency.p90 >= 80 && latency.p90 <= 130, `p90 ${latency.p90}`);
  assert.ok(latency.p99_9 >= 195, `p99.9 ${latency.p99_9}`);
  assert.ok(service.p99 < 5, `service p99 ${service.p99}`);
  assert.ok(service.max >= 199, `service max ${service.max}`);
  assert.ok(m.max_lag_ms! >= 190, `max lag ${m.max_lag_ms}`);
});

Deno.test("runPlan() closed model: no open-model fields, latency alone", async () => {
  const result = await run(testPlan({}));
  const m = result.measurements;
  assert.equal(m.total, 100);
  assert.equal("service_time" in m, false);
  assert.equal("dropped" in m, false);
  assert.equal("service_time" in m.ops.noop, false);
  assert.equal("target" in m.timeseries[0], false);
});

Deno.test("runPlan() ramping-workers: ops follow the tasks each stage asks for", async () => {
  // 2 tasks for 500 ms, then 6 for 500 ms, each looping a 10 ms sleep: at
  // most 2 × 50 + 6 × 50 = 400 ops; timers run late, never early.
  const result = await run(testPlan({
    mix: [{ op: "sleep", weight: 1, params: { ms: 10 } }],
    load: {
      executor: "ramping-workers",
      concurrency: 6,
      start_tasks: 2,
      stages: [
        { duration_ms: 500, target: 2 },
        { duration_ms: 1, target: 6 },
        { duration_ms: 500, target: 6 },
      ],
      duration_ms: 1001,
    },
  }));
  assert.equal(result.status, "completed");
  const { total } = result.measurements;
  assert.ok(total >= 240 && total <= 410, `${total} ops`);
  assert.equal("service_time" in result.measurements, false);
});
