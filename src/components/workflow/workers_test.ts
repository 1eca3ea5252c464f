import assert from "node:assert/strict";
import { runAndGrade } from "../../engine/testdata/grade_run.ts";
import { workflowTarget } from "./ops.ts";

/** Runs the order lifecycle on 4 Workers through the engine, and grades it. */
async function gradeLifecycle(defect: string) {
  return await runAndGrade(
    `
name: lifecycle-${defect}
target: workflow
options: { orders: 30, hot_orders: 3, defect: ${defect} }
load: { executor: per-worker-iterations, workers: 4, concurrency: 3, iterations: 150, seed: 3 }
mix:
  - { op: create_entity }
  - { op: apply_transition, weight: 4, params: { abort: 0.1, invalid: 0.05 } }
  - { op: read_entity }
  - { op: relay }
invariants: [transition_log_consistent, published_equals_committed, acks_durable, outbox_relayed, integrity]
`,
    {
      target: workflowTarget,
      workerUrl: new URL("./testdata/engine_worker.ts", import.meta.url),
    },
  );
}

Deno.test("workflowTarget on 4 Workers sharing one WAL file keeps every invariant", async () => {
  const { run, graded } = await gradeLifecycle("none");
  assert.equal(run.invariants.length, 5);
  assert.ok(
    run.invariants.every((i) => i.ok),
    JSON.stringify(run.invariants, null, 1),
  );
  const { outcomes } = run.measurements;
  assert.equal(outcomes.error, 0);
  assert.ok(
    outcomes.injected > 0 && outcomes.validation > 0,
    JSON.stringify(outcomes),
  );
  assert.notEqual(graded.grade, "F");
  const { counters, total } = run.measurements;
  assert.deepEqual(
    Object.keys(counters).sort(),
    Object.keys(workflowTarget.counters!).sort(),
  );
  assert.ok(counters.transactions >= total, JSON.stringify(counters));
  assert.ok(counters.busy_retries >= counters.busy_retried);
});

Deno.test("workflowTarget defect publish-before-commit fails its invariant and the grade", async () => {
  const { run, graded } = await gradeLifecycle("publish-before-commit");
  const published = run.invariants.find((i) =>
    i.name === "published_equals_committed"
  );
  assert.equal(published?.ok, false);
  assert.equal(graded.grade, "F");
  assert.ok(
    run.invariants.filter((i) => i.name !== "published_equals_committed").every(
      (i) => i.ok,
    ),
    JSON.stringify(run.invariants, null, 1),
  );
});
