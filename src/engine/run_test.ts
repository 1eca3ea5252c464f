import assert from "node:assert/strict";
import { calibrateTarget } from "../components/calibrate/mod.ts";
import type { Plan } from "../scenario/mod.ts";
import { liveHistograms } from "../stats/mod.ts";
import type { Target } from "../target.ts";
import { type RunOptions, runPlan, type RunResult } from "./mod.ts";
import type { FromWorker, ToWorker } from "./_protocol.ts";
import { testPlan } from "./testdata/plan.ts";
import { probeTarget } from "./testdata/probe_target.ts";

const WORKER = new URL("./testdata/probe_worker.ts", import.meta.url);
const TARGETS: Record<string, Target> = {
  calibrate: calibrateTarget,
  probe: probeTarget,
};

function plan(
  overrides: Parameters<typeof testPlan>[0],
): Plan {
  return testPlan({
    target: "probe",
    mix: [{ op: "tick", weight: 1, params: {} }],
    ...overrides,
  });
}

async function run(
  p: Plan,
  signal?: AbortSignal,
  stopGraceMs?: number,
  extra: Pick<RunOptions, "onProgress" | "sampleMs"> = {},
): Promise<RunResult> {
  const runDir = await Deno.makeTempDir();
  try {
    return await runPlan(p, {
      target: TARGETS[p.target],
      workerUrl: WORKER,
      runDir,
      signal,
      stopGraceMs,
      ...extra,
    });
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

Deno.test("runPlan() runs exactly the planned iterations, warmup excluded", async (t) => {
  await t.step(
    "shared-iterations: the total is shared by every task",
    async () => {
      const result = await run(plan({
        load: {
          executor: "shared-iterations",
          workers: 2,
          concurrency: 3,
          iterations: 1001,
          warmup: 50,
        },
      }));
      assert.equal(result.status, "completed");
      assert.equal(result.measurements.total, 1001);
      assert.equal(result.measurements.outcomes.ok, 1001);
      assert.equal(result.measurements.latency.count, 1001);
    },
  );
  await t.step(
    "per-worker-iterations: each worker runs the count",
    async () => {
      const result = await run(plan({
        load: {
          executor: "per-worker-iterations",
          workers: 2,
          concurrency: 3,
          iterations: 500,
          warmup: 50,
        },
      }));
      assert.equal(result.measurements.total, 1000);
    },
  );
});

Deno.test("runPlan(): one seed gives one op sequence and counts, another seed differs", async () => {
  const mixed = (seed: number) =>
    plan({
      target: "calibrate",
      mix: [
        { op: "noop", weight: 3, params: {} },
        { op: "spin", weight: 1, params: { us: 0 } },
        { op: "fail", weight: 2, params: { p: 0.5 } },
      ],
      faults: { error_rate: 0.05 },
      load: { workers: 2, concurrency: 2, iterations: 3000, seed },
    });
  const counts = (result: RunResult) =>
    Object.fromEntries(
      Object.entries(result.measurements.ops).map((
        [op, m],
      ) => [op, m.outcomes]),
    );
  const first = counts(await run(mixed(42)));
  const again = counts(await run(mixed(42)));
  const other = counts(await run(mixed(43)));
  assert.deepEqual(again, first);
  assert.notDeepEqual(other, first);
  assert.ok(
    first.fail.error > 0 && first.fail.ok > 0 && first.noop.injected > 0,
  );
});

Deno.test("runPlan() counts outcomes by class: conflict is not a crash", async () => {
  const result = await run(plan({
    mix: [
      { op: "tick", weight: 1, params: {} },
      { op: "conflict", weight: 1, params: {} },
    ],
    load: { iterations: 2000 },
  }));
  const { outcomes } = result.measurements;
  assert.equal(outcomes.ok + outcomes.conflict, 2000);
  assert.equal(outcomes.error, 0);
  assert.equal(
    result.measurements.ops.conflict.outcomes.conflict,
    result.measurements.ops.conflict.total,
  );
  assert.deepEqual(
    result.measurements.error_samples.map((s) => [s.op, s.outcome, s.message]),
    [["conflict", "conflict", "lost the race"]],
  );
});

Deno.test("runPlan(): faults.error_rate injects that share of failures", async () => {
  const result = await run(
    plan({ faults: { error_rate: 0.2 }, load: { iterations: 5000 } }),
  );
  const share = result.measurements.outcomes.injected / 5000;
  assert.ok(share > 0.17 && share < 0.23, `injected share ${share}`);
  // Injected ops never ran, so they record no latency.
  assert.equal(
    result.measurements.latency.count,
    result.measurements.outcomes.ok,
  );
});

Deno.test("runPlan(): constant-workers loops until its duration, sampling each interval", async () => {
  const result = await run(plan({
    mix: [{ op: "wait", weight: 1, params: { ms: 2 } }],
    load: {
      executor: "constant-workers",
      workers: 2,
      concurrency: 4,
      duration_ms: 1200,
      iterations: 0,
    },
  }));
  assert.equal(result.status, "completed");
  assert.ok(
    result.measurements.duration_s >= 1.2,
    `ran ${result.measurements.duration_s} s`,
  );
  assert.ok(result.measurements.total > 0);
  assert.ok(result.measurements.timeseries.length >= 1);
  const sampled = result.measurements.timeseries.reduce(
    (sum, i) => sum + i.ops,
    0,
  );
  assert.equal(
    sampled,
    result.measurements.total,
    "every op lands in one interval",
  );
});

Deno.test("runPlan(): an abort stops gracefully and keeps what was measured", async () => {
  const stop = new AbortController();
  const result = await run(
    plan({
      mix: [{ op: "wait", weight: 1, params: { ms: 5 } }],
      load: {
        executor: "constant-workers",
        concurrency: 4,
        duration_ms: 60_000,
        iterations: 0,
      },
    }),
    stop.signal,
    undefined,
    // Stop as soon as ops have been measured, however slow the machine.
    { sampleMs: 50, onProgress: (p) => p.done > 0 && stop.abort() },
  );
  assert.equal(result.status, "interrupted");
  assert.ok(result.measurements.total > 0);
  assert.ok(result.measurements.duration_s < 60);
});

Deno.test("runPlan(): max_duration stops an executor and says so", async () => {
  const result = await run(plan({
    mix: [{ op: "wait", weight: 1, params: { ms: 5 } }],
    load: { iterations: 100_000, max_duration_ms: 400 },
  }));
  assert.equal(result.status, "completed");
  assert.ok(result.measurements.total < 100_000);
  assert.match(result.notes.join("\n"), /stopped at max_duration \(400 ms\)/);
});

Deno.test("runPlan(): a target that cannot open ends in status error with its message", async () => {
  const result = await run(
    plan({ options: { fail_open: true }, load: { workers: 2 } }),
  );
  assert.equal(result.status, "error");
  assert.match(result.error ?? "", /probe refused to open/);
});

Deno.test("runPlan(): an invariant holds only if it holds in every worker", async () => {
  const holds = await run(
    plan({ invariants: ["calls_counted"], load: { workers: 2 } }),
  );
  assert.deepEqual(holds.invariants.map((i) => i.ok), [true]);
  const broken = await run(plan({
    invariants: ["calls_counted"],
    options: { broken_workers: [1] },
    load: { workers: 2 },
  }));
  assert.equal(broken.invariants.length, 1);
  assert.equal(broken.invariants[0].ok, false);
  assert.match(broken.invariants[0].detail, /worker 1 counted 100 calls/);
});

Deno.test("runPlan(): an op that never returns fails the run after the stop grace period", async () => {
  const result = await run(
    plan({
      mix: [{ op: "wait", weight: 1, params: { ms: 600_000 } }],
      // Late enough that the workers have started the op even on a loaded
      // machine: a stop during warmup would end the run before any op began.
      load: { iterations: 10, max_duration_ms: 3000 },
    }),
    undefined,
    300,
  );
  assert.equal(result.status, "error");
  assert.match(result.error ?? "", /ops still in flight 300 ms after the stop/);
});

Deno.test("runPlan(): a long warmup never leaks into the measured counts", async () => {
  // 40 warmup ops of 2 ms span several yields and flush deadlines.
  const result = await run(plan({
    mix: [{ op: "wait", weight: 1, params: { ms: 2 } }],
    load: { iterations: 30, warmup: 40, concurrency: 2 },
  }));
  assert.equal(result.measurements.total, 30);
});

Deno.test("runPlan(): target counters cover the measured load only, summed over workers; peak counters are the largest", async () => {
  const result = await run(plan({
    load: { workers: 2, concurrency: 2, iterations: 100, warmup: 30 },
  }));
  // Peaks count since open (warmup too), and are not summed.
  assert.deepEqual(result.measurements.counters, {
    ticks: 200,
    most_ticks: 130,
  });
});

Deno.test("runPlan(): slow invariants after a stop are not mistaken for a hung op", async () => {
  // Stop once ops were measured (not after a fixed delay: Worker startup on
  // a loaded machine can take longer than the grace). Ops take 5 ms, so they
  // all return within the 300 ms grace; the invariants then take 800 ms.
  const stop = new AbortController();
  const result = await run(
    plan({
      options: { invariant_ms: 800 },
      invariants: ["calls_counted"],
      mix: [{ op: "wait", weight: 1, params: { ms: 5 } }],
      load: { iterations: 100_000 },
    }),
    stop.signal,
    300,
    { sampleMs: 50, onProgress: (p) => p.done > 0 && stop.abort() },
  );
  assert.equal(result.status, "interrupted");
  assert.equal(result.error, undefined);
  assert.deepEqual(result.invariants.map((i) => i.ok), [true]);
});

Deno.test("runPlan(): a user's stop stays interrupted even when ops must be cut off", async () => {
  const stop = new AbortController();
  // Late enough that the op has begun, even on a loaded machine.
  const timer = setTimeout(() => stop.abort(), 2500);
  const result = await run(
    plan({
      mix: [{ op: "wait", weight: 1, params: { ms: 600_000 } }],
      load: {
        executor: "constant-workers",
        duration_ms: 60_000,
        iterations: 0,
      },
    }),
    stop.signal,
    300,
  );
  clearTimeout(timer);
  assert.equal(result.status, "interrupted");
  assert.match(result.error ?? "", /ops still in flight 300 ms after the stop/);
});

Deno.test("runPlan(): max_duration also bounds warmup", async () => {
  const result = await run(plan({
    mix: [{ op: "wait", weight: 1, params: { ms: 5 } }],
    load: { iterations: 10, warmup: 100_000, max_duration_ms: 300 },
  }));
  assert.equal(result.status, "completed");
  assert.equal(result.measurements.total, 0);
  assert.match(result.notes.join(), /stopped at max_duration/);
});

Deno.test("runPlan(): a task running synchronous ops lets its peers' timers fire", async () => {
  // Two tasks share a worker; whichever holds the thread with sync ticks must
  // give the timers of the other (sleeping in `wait`) a turn at every yield.
  const result = await run(plan({
    mix: [
      { op: "tick", weight: 1000, params: {} },
      { op: "wait", weight: 1, params: { ms: 1 } },
    ],
    load: {
      executor: "constant-workers",
      concurrency: 2,
      duration_ms: 1000,
      iterations: 0,
    },
  }));
  const waits = result.measurements.ops.wait.total;
  assert.ok(waits >= 10, `only ${waits} waits finished in 1 s: timers starved`);
});

/** A mix of `entries` entries that name the ops `ops` in turn. */
function longMix(entries: number, ops: string[]): Plan["mix"] {
  return Array.from({ length: entries }, (_, k) => ({
    op: ops[k % ops.length],
    weight: 1 + k % 3,
    params: {},
  }));
}

Deno.test("runPlan() keeps one histogram per op name, however long the mix", async () => {
  const before = liveHistograms();
  const during: number[] = [];
  const result = await run(
    plan({
      mix: longMix(1000, ["tick", "conflict"]),
      load: {
        executor: "constant-workers",
        workers: 2,
        duration_ms: 600,
        iterations: 0,
      },
    }),
    undefined,
    undefined,
    { sampleMs: 50, onProgress: () => during.push(liveHistograms() - before) },
  );
  assert.equal(result.status, "completed", result.error);
  assert.deepEqual(Object.keys(result.measurements.ops), ["tick", "conflict"]);
  // Two op names, the interval's histogram and the interval's one per op
  // name (its by_op), not one per mix entry.
  assert.ok(during.length > 0);
  assert.deepEqual([...new Set(during)], [5]);
  // Each interval's by_op adds up to the interval, and all of them to the op.
  const series = result.measurements.timeseries;
  for (const interval of series) {
    const byOp = Object.values(interval.by_op ?? {});
    assert.equal(byOp.reduce((n, op) => n + op.ops, 0), interval.ops);
    assert.equal(byOp.reduce((n, op) => n + op.errors, 0), interval.errors);
  }
  for (const [name, op] of Object.entries(result.measurements.ops)) {
    const ops = series.reduce((n, i) => n + (i.by_op?.[name]?.ops ?? 0), 0);
    assert.equal(ops, op.total, name);
  }
  assert.ok(result.measurements.start_epoch_ms! > Date.now() - 60_000);
  assert.equal(liveHistograms(), before, "every histogram was destroyed");
});

/** Drives one worker through a whole run by hand, collecting its messages. */
async function workerMessages(p: Plan): Promise<FromWorker[]> {
  const runDir = await Deno.makeTempDir();
  const worker = new Worker(WORKER, { type: "module" });
  const messages: FromWorker[] = [];
  let next: ((message: FromWorker) => void) | undefined;
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    messages.push(event.data);
    next?.(event.data);
  };
  const until = (type: FromWorker["type"], send: ToWorker) =>
    new Promise<void>((resolve, reject) => {
      next = (message) => {
        if (message.type === "fatal") reject(new Error(message.message));
        if (message.type === type) resolve();
      };
      worker.postMessage(send);
    });
  try {
    await until("warm", {
      type: "init",
      plan: p,
      index: 0,
      runDir,
      shared: undefined,
      control: new SharedArrayBuffer(16),
      claimed: new SharedArrayBuffer(4),
    });
    await until("done", {
      type: "go",
      origin: performance.timeOrigin + performance.now(),
    });
    await until("closed", { type: "close" });
    return messages;
  } finally {
    worker.terminate();
    await Deno.remove(runDir, { recursive: true });
  }
}

Deno.test("serveWorker() keeps and sends results per op name, not per mix entry", async () => {
  const messages = await workerMessages(plan({
    mix: longMix(1000, ["tick", "conflict"]),
    load: { iterations: 3000 },
  }));
  const batches = messages.filter((m) => m.type === "batch");
  assert.ok(batches.length > 0);
  for (const batch of batches) assert.equal(batch.ops.length, 2);
  const total = batches.reduce(
    (sum, batch) =>
      sum +
      batch.ops.reduce((n, op) => n + op.counts.reduce((a, b) => a + b), 0),
    0,
  );
  assert.equal(total, 3000);
});

Deno.test("runPlan(): constant-workers with thousands of tasks stops near its duration", async () => {
  // Each task used to run a whole 20 ms slice past the deadline before it
  // looked: 2,000 tasks made a 300 ms load last 40 s.
  const result = await run(plan({
    load: {
      executor: "constant-workers",
      concurrency: 2000,
      duration_ms: 300,
      iterations: 0,
    },
  }));
  assert.equal(result.status, "completed", result.error);
  assert.ok(
    result.measurements.duration_s < 5,
    `measured for ${result.measurements.duration_s} s`,
  );
});

Deno.test("runPlan(): ops named like Object.prototype members are measured as own keys", async () => {
  const result = await run(plan({
    mix: [
      { op: "constructor", weight: 1, params: {} },
      { op: "__proto__", weight: 1, params: {} },
      { op: "tick", weight: 1, params: {} },
      { op: "constructor", weight: 1, params: {} },
    ],
    load: { iterations: 900 },
  }));
  assert.equal(result.status, "completed", result.error);
  const { ops } = result.measurements;
  assert.deepEqual(Object.keys(ops), ["constructor", "__proto__", "tick"]);
  assert.equal(Object.getPrototypeOf(ops), Object.prototype);
  assert.ok(Object.hasOwn(ops, "__proto__"));
  const totals = Object.values(ops).map((op) => op.total);
  assert.equal(totals.reduce((a, b) => a + b), 900);
  assert.ok(totals.every((n) => n > 0), `${totals}`);
});

Deno.test("runPlan(): max_duration stops a slow prepare() and the result says why", async () => {
  const start = performance.now();
  const result = await run(plan({
    options: { prepare_ms: 20_000 },
    invariants: ["calls_counted"],
    load: { iterations: 10, max_duration_ms: 500 },
  }));
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 500 + 5000, `ran ${elapsed} ms`);
  // A hard stop that cut prepare() short measured nothing: not "completed".
  assert.equal(result.status, "error");
  assert.match(
    result.error ?? "",
    /stopped at max_duration \(500 ms\) while preparing the target/,
  );
  assert.match(
    result.notes.join("\n"),
    /stopped at max_duration \(500 ms\) while preparing the target: nothing was measured/,
  );
  assert.equal(result.measurements.total, 0);
  assert.deepEqual(result.invariants, []);
});

Deno.test("runPlan(): a user's stop during prepare() ends the run as interrupted", async () => {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 300);
  const start = performance.now();
  const result = await run(
    plan({ options: { prepare_ms: 20_000 }, load: { iterations: 10 } }),
    stop.signal,
  );
  clearTimeout(timer);
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 300 + 5000, `ran ${elapsed} ms`);
  assert.equal(result.status, "interrupted");
  assert.equal(result.error, undefined);
  assert.match(result.notes.join("\n"), /stopped while preparing the target/);
  assert.equal(result.measurements.total, 0);
});

Deno.test("runPlan(): a prepare() that ignores RunInfo.signal is abandoned after the stop grace period", async () => {
  const start = performance.now();
  const result = await run(
    plan({
      options: { prepare_ms: 2500, prepare_ignores_signal: true },
      load: { iterations: 10, max_duration_ms: 200 },
    }),
    undefined,
    300,
  );
  const elapsed = performance.now() - start;
  assert.equal(result.status, "error");
  assert.match(result.error ?? "", /max_duration \(200 ms\) while preparing/);
  assert.match(
    result.notes.join("\n"),
    /still preparing 300 ms after the stop: its prepare\(\) does not honour RunInfo.signal/,
  );
  assert.ok(elapsed < 2500, `waited ${elapsed} ms for prepare()`);
  // Let the abandoned prepare() end, so its timer does not outlive the test.
  await new Promise((resolve) => setTimeout(resolve, 2600 - elapsed));
});
