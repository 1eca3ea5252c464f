import assert from "node:assert/strict";
import { runAndGrade } from "../../engine/testdata/grade_run.ts";
import { loadScenarioFile } from "../../scenario/mod.ts";
import { uowTarget } from "./ops.ts";

/** Runs a bank scenario on 4 Workers through the engine, and grades it. */
async function gradeBank(defect: string) {
  return await runAndGrade(
    `
name: bank-${defect}
target: uow
options: { accounts: 20, hot_accounts: 4, defect: ${defect} }
load: { executor: per-worker-iterations, workers: 4, concurrency: 4, iterations: 200, seed: 5 }
mix:
  - { op: transfer, weight: 2, params: { hot: 0.8 } }
  - { op: increment }
  - { op: update }
invariants: [total_balance_conserved, no_lost_updates, integrity]
thresholds:
  success_rate: { critical: ">50%" }
`,
    {
      target: uowTarget,
      workerUrl: new URL("./testdata/engine_worker.ts", import.meta.url),
    },
  );
}

Deno.test("uowTarget on 4 Workers sharing one WAL file keeps every invariant", async () => {
  const { run, graded } = await gradeBank("none");
  assert.deepEqual(run.invariants.map((i) => i.name), [
    "total_balance_conserved",
    "no_lost_updates",
    "integrity",
  ]);
  assert.ok(run.invariants.every((i) => i.ok), JSON.stringify(run.invariants));
  assert.equal(run.measurements.outcomes.error, 0);
  assert.notEqual(graded.grade, "F");
  // Four writer threads on one file: some transactions wait out a lock, and
  // the counters say so although no op failed with busy.
  const { counters, total } = run.measurements;
  assert.deepEqual(
    Object.keys(counters).sort(),
    Object.keys(uowTarget.counters!).sort(),
  );
  assert.ok(counters.transactions >= total, JSON.stringify(counters));
  assert.ok(counters.busy_retried > 0, JSON.stringify(counters));
  assert.ok(counters.busy_retries >= counters.busy_retried);
  assert.ok(counters.busy_wait_ms > 0);
});

Deno.test("uowTarget defect split-transfer fails the bank invariant and the grade", async () => {
  const { run, graded } = await gradeBank("split-transfer");
  const bank = run.invariants.find((i) => i.name === "total_balance_conserved");
  assert.equal(bank?.ok, false, bank?.detail);
  assert.equal(graded.grade, "F");
  assert.equal(graded.verdict, "FAILING");
  assert.ok(
    graded.reasons.some((r) =>
      r.startsWith("invariant total_balance_conserved broken")
    ),
  );
});

/** Runs uow-memory-under-load as shipped (ci), with `options` added. */
async function memoryUnderLoad(options: Record<string, unknown>) {
  const plans = await loadScenarioFile(
    new URL("../../../scenarios/uow.yaml", import.meta.url).pathname,
    { targets: { uow: uowTarget } },
  );
  const plan = plans.find((p) => p.name === "uow-memory-under-load")!;
  const { graded } = await runAndGrade(
    { ...plan, options: { ...plan.options, ...options } },
    {
      target: uowTarget,
      workerUrl: new URL("./testdata/engine_worker.ts", import.meta.url),
    },
  );
  return graded.thresholds.find((t) =>
    t.metric === "memory.growth_per_1k_ops"
  )!;
}

Deno.test("uow-memory-under-load grades heap growth: a cache that never evicts fails", async () => {
  const healthy = await memoryUnderLoad({});
  assert.notEqual(healthy.grade, "F", JSON.stringify(healthy));
  const leaking = await memoryUnderLoad({ defect: "unbounded-cache" });
  assert.equal(leaking.level, "failed", JSON.stringify(leaking));
});
