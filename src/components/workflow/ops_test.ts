import assert from "node:assert/strict";
import { SeededRng } from "../../engine/rng.ts";
import { outcomeOf } from "../../errors.ts";
import { parseScenarios, ScenarioError } from "../../scenario/mod.ts";
import type { InvariantResult, TargetInstance } from "../../target.ts";
import { workflowTarget } from "./ops.ts";

const ALL = Object.keys(workflowTarget.invariants!);

interface Opened extends AsyncDisposable {
  workers: TargetInstance[];
  runDir: string;
}

/** Prepares a run and opens `workers` instances in this thread (one connection each). */
async function openWorkflow(
  options: Record<string, unknown>,
  workers = 2,
): Promise<Opened> {
  const runDir = await Deno.makeTempDir({ prefix: "tensile-workflow-ops-" });
  const parsed = workflowTarget.options!.parse(options);
  const shared = await workflowTarget.prepare!(parsed, {
    workers,
    seed: 1,
    runDir,
    signal: new AbortController().signal,
  });
  const opened: TargetInstance[] = [];
  for (let index = 0; index < workers; index++) {
    opened.push(
      await workflowTarget.open(parsed, {
        index,
        count: workers,
        concurrency: 3,
        seed: 1,
        runDir,
        shared,
      }),
    );
  }
  return {
    workers: opened,
    runDir,
    [Symbol.asyncDispose]: async () => {
      for (const instance of opened) await instance.close();
      await Deno.remove(runDir, { recursive: true });
    },
  };
}

async function drive(
  run: Opened,
  mix: { op: string; params?: unknown }[],
  iterations: number,
): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const parsed = mix.map((m) => ({
    op: m.op,
    params: workflowTarget.ops[m.op].params?.parse(m.params),
  }));
  await Promise.all(
    run.workers.flatMap((instance, w) =>
      [0, 1, 2].map(async (task) => {
        const rng = new SeededRng(9, w, task);
        for (let i = 0; i < iterations; i++) {
          const { op, params } = parsed[rng.int(0, parsed.length - 1)];
          let outcome = "ok";
          try {
            await instance.ops[op](params, rng);
          } catch (error) {
            outcome = outcomeOf(error);
            if (outcome === "error") throw error;
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      })
    ),
  );
  return outcomes;
}

async function invariants(
  run: Opened,
  names = ALL,
): Promise<InvariantResult[]> {
  const results = await Promise.all(
    run.workers.map((w) => w.invariants!(names)),
  );
  return results.flat();
}

const LIFECYCLE = [
  { op: "create_entity" },
  { op: "apply_transition", params: { hot: 0.5, abort: 0.1, invalid: 0.1 } },
  { op: "apply_transition", params: { hot: 0.5 } },
  { op: "read_entity" },
  { op: "relay", params: { batch: 10 } },
];

Deno.test("workflowTarget keeps every invariant under concurrent load with aborts", async () => {
  await using run = await openWorkflow({ orders: 20 });
  const outcomes = await drive(run, LIFECYCLE, 40);
  assert.ok((outcomes.ok ?? 0) > 100, JSON.stringify(outcomes));
  assert.ok((outcomes.injected ?? 0) > 0, "aborts inside transactions ran");
  assert.ok((outcomes.validation ?? 0) > 0, "invalid params were refused");
  for (const result of await invariants(run)) {
    assert.ok(result.ok, `${result.name}: ${result.detail}`);
  }
  const lines = (await Deno.readTextFile(`${run.runDir}/acks-w0.log`)).trim()
    .split("\n");
  assert.ok(lines.length > 10);
});

Deno.test("workflowTarget defect publish-before-commit breaks published_equals_committed", async () => {
  await using run = await openWorkflow({
    orders: 20,
    defect: "publish-before-commit",
  });
  await drive(run, [{ op: "apply_transition", params: { abort: 0.3 } }], 20);
  const results = await invariants(run);
  const published = results.filter((r) =>
    r.name === "published_equals_committed"
  );
  assert.ok(
    published.every((r) => !r.ok),
    published.map((r) => r.detail).join("\n"),
  );
  assert.ok(
    results.filter((r) => r.name === "transition_log_consistent").every((r) =>
      r.ok
    ),
  );
});

Deno.test("workflowTarget defect publish-before-commit shows without any abort", async () => {
  await using run = await openWorkflow({
    orders: 20,
    hot_orders: 3,
    defect: "publish-before-commit",
  });
  // Lost races on hot orders alone leave snapshots of rolled-back commits.
  const outcomes = await drive(
    run,
    [{ op: "apply_transition", params: { hot: 0.5 } }],
    20,
  );
  assert.equal(outcomes.injected, undefined);
  assert.ok((outcomes.conflict ?? 0) > 0, JSON.stringify(outcomes));
  const results = await invariants(run, ["published_equals_committed"]);
  assert.ok(
    results.every((r) => !r.ok),
    results.map((r) => r.detail).join("\n"),
  );
});

Deno.test("workflowTarget reports its connection's counters", async () => {
  await using run = await openWorkflow({ orders: 10 });
  const before = run.workers.map((w) => w.counters!());
  await drive(run, LIFECYCLE, 10);
  const after = run.workers.map((w) => w.counters!());
  assert.deepEqual(
    Object.keys(after[0]).sort(),
    Object.keys(workflowTarget.counters!).sort(),
  );
  for (let w = 0; w < after.length; w++) {
    // Every op runs at least one transaction; reads and relays run more.
    assert.ok(after[w].transactions - before[w].transactions >= 30);
    assert.ok(after[w].busy_retries >= after[w].busy_retried);
  }
});

Deno.test("workflowTarget defect duplicate-outbox breaks transition_log_consistent", async () => {
  await using run = await openWorkflow({
    orders: 20,
    defect: "duplicate-outbox",
  });
  await drive(run, [{ op: "apply_transition" }], 5);
  const [result] = await run.workers[0].invariants!([
    "transition_log_consistent",
  ]);
  assert.equal(result.ok, false);
  assert.match(result.detail, /has 2 outbox rows/);
});

Deno.test("workflowTarget acks_durable fails when an acknowledged commit is missing", async () => {
  await using run = await openWorkflow({ orders: 5 }, 1);
  await drive(run, [{ op: "create_entity" }], 3);
  await Deno.writeTextFile(
    `${run.runDir}/acks-w0.log`,
    '{"e":"order-0","v":9,"t":999,"m":999}\n',
    { append: true },
  );
  const [result] = await run.workers[0].invariants!(["acks_durable"]);
  assert.equal(result.ok, false);
  assert.match(result.detail, /1 of 10 acknowledged commits are missing/);
});

Deno.test("workflowTarget.options refuses a bad machine and bad keys", () => {
  assert.throws(() => workflowTarget.options!.parse({ order: 5 }), /order/);
  assert.throws(
    () => workflowTarget.options!.parse({ orders: 2, hot_orders: 3 }),
    /hot_orders/,
  );
  assert.throws(() =>
    workflowTarget.options!.parse({
      machine: {
        entity: "x",
        initial: "a",
        states: ["a"],
        transitions: { go: { from: "a", to: "b" } },
      },
    })
  );
});

Deno.test("workflowTarget options refuse more orders than prepare() may seed, saying why and where", () => {
  const validate = (orders: number) =>
    parseScenarios(
      "s.yaml",
      `name: x
target: workflow
options: { orders: ${orders} }
load: { executor: shared-iterations, iterations: 10 }
mix:
  - { op: read_entity }
`,
      { targets: { workflow: workflowTarget } },
    );
  assert.throws(
    () => validate(1_000_000_000),
    (error: unknown) => {
      assert.ok(error instanceof ScenarioError, String(error));
      assert.match(
        error.message,
        /^s\.yaml:3:20: "options\.orders": 1000000000 orders is more than 1,000,000: prepare\(\) seeds every one before the load starts$/,
      );
      return true;
    },
  );
  assert.equal(validate(1_000_000)[0].options.orders, 1_000_000);
});
