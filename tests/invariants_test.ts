/**
 * Every invariant must be able to fail: each row runs a built-in scenario
 * through the whole CLI twice, as shipped (it must pass with the invariant
 * holding) and with a deliberately broken component (the invariant must
 * break, the grade must be F and the exit code 1).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TARGETS } from "../src/components/mod.ts";
import { main } from "../src/cli/mod.ts";
import type { Artifact } from "../src/artifact/mod.ts";
import { loadScenarioFile } from "../src/scenario/mod.ts";
import { captureIo, ROOT } from "./_helpers.ts";

interface Row {
  suite: string;
  scenario: string;
  /** Options that break the component on purpose. */
  broken: Record<string, unknown>;
  invariant: string;
  /** Profile to run; default smoke (races need enough ops to show). */
  profile?: string;
}

const ROWS: Row[] = [
  {
    suite: "fsm",
    scenario: "fsm-context-isolation",
    broken: { defect: "shared-context" },
    invariant: "context_isolated",
  },
  {
    suite: "fsm",
    scenario: "fsm-concurrent-registry",
    broken: { defect: "lossy-registry" },
    invariant: "registry_consistent",
  },
  {
    suite: "fsm",
    scenario: "fsm-concurrent-execution",
    broken: { defect: "ignore-from" },
    invariant: "declared_edges_only",
  },
  {
    suite: "fsm",
    scenario: "fsm-concurrent-execution",
    broken: { defect: "racy-commit" },
    invariant: "one_winner_per_race",
  },
  {
    suite: "store",
    scenario: "store-1000-subscribers",
    broken: { defect: "lossy-delivery" },
    invariant: "delivery_exact",
  },
  {
    suite: "store",
    scenario: "store-1000-subscribers",
    broken: { defect: "duplicate-delivery" },
    invariant: "delivery_exact",
  },
  {
    suite: "store",
    scenario: "store-subscriber-cleanup",
    broken: { defect: "leak-subscribers" },
    invariant: "no_subscriber_leak",
  },
  {
    suite: "store",
    scenario: "store-subscriber-cleanup",
    broken: { defect: "leak-in-store" },
    invariant: "no_subscriber_leak",
  },
  {
    suite: "store",
    scenario: "store-slow-block",
    broken: { defect: "block-drops" },
    invariant: "block_no_drops",
  },
  {
    suite: "store",
    scenario: "store-high-volume",
    broken: { defect: "reuse-version" },
    invariant: "versions_monotonic",
  },
  {
    suite: "store",
    scenario: "store-concurrent-cas",
    broken: { defect: "lossy-cas" },
    invariant: "cas_no_lost_updates",
  },
  {
    suite: "store",
    scenario: "store-exhaustion-recovery",
    broken: { defect: "stuck-waiter" },
    invariant: "recovers",
  },
  {
    suite: "store",
    scenario: "store-large-snapshots",
    broken: { defect: "lossy-codec" },
    invariant: "codec_round_trip",
  },
  {
    suite: "uow",
    scenario: "uow-high-volume",
    broken: { defect: "split-transfer" },
    invariant: "total_balance_conserved",
    profile: "ci",
  },
  {
    suite: "uow",
    scenario: "uow-high-volume",
    broken: { defect: "split-increment" },
    invariant: "no_lost_updates",
    profile: "ci",
  },
  {
    suite: "uow",
    scenario: "uow-connection-handling",
    broken: { defect: "leak-connections" },
    invariant: "connections_released",
  },
  {
    suite: "workflow",
    scenario: "workflow-order-lifecycle",
    broken: { defect: "publish-before-commit" },
    invariant: "published_equals_committed",
  },
  {
    suite: "workflow",
    scenario: "workflow-order-lifecycle",
    broken: { defect: "duplicate-outbox" },
    invariant: "transition_log_consistent",
  },
  {
    suite: "context",
    scenario: "context-writes",
    broken: { defect: "lost_write" },
    invariant: "no_lost_writes",
  },
  {
    suite: "context",
    scenario: "context-mixed",
    broken: { defect: "stale_version" },
    invariant: "versions_increase",
  },
  {
    suite: "context",
    scenario: "context-dumps",
    broken: { defect: "dump_skips_key" },
    invariant: "dump_exact",
  },
  {
    suite: "context",
    scenario: "context-percentiles",
    broken: { defect: "metrics_undercount" },
    invariant: "metrics_match",
  },
];

async function runScenario(
  row: Row,
  options: Record<string, unknown>,
): Promise<{ code: number; artifact: Artifact }> {
  const plans = await loadScenarioFile(
    join(ROOT, "scenarios", `${row.suite}.yaml`),
    {
      targets: TARGETS,
    },
  );
  const plan = plans.find((p) => p.name === row.scenario);
  assert.ok(plan, `${row.scenario} is in scenarios/${row.suite}.yaml`);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "scenario.yaml");
    // JSON is YAML: the scenario as resolved, with its options replaced.
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        ...plan.config,
        options: { ...plan.config.options, ...options },
      }),
    );
    const { io, err } = captureIo();
    const code = await main([
      "run",
      file,
      "--profile",
      row.profile ?? "smoke",
      "--quiet",
      "--out",
      join(dir, "out"),
    ], io);
    assert.notEqual(code, 2, err());
    const artifact = JSON.parse(
      await Deno.readTextFile(join(dir, "out", "result.json")),
    );
    return { code, artifact };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const row of ROWS) {
  Deno.test(`invariant ${row.invariant} holds in ${row.scenario} and breaks with ${JSON.stringify(row.broken)}`, async (t) => {
    await t.step(
      "as shipped: holds, exit 0 unless only timing missed",
      async () => {
        const { code, artifact } = await runScenario(row, {});
        const scenario = artifact.scenarios[0];
        const invariant = scenario.invariants.find((
          i: { name: string },
        ) => i.name === row.invariant);
        assert.equal(invariant?.ok, true, invariant?.detail);
        // Latency and throughput bounds depend on how loaded the machine is
        // (benchmarks measure speed); every other bound and invariant must hold.
        const missed = scenario.thresholds.filter((
          t: { level: string },
        ) => t.level === "failed");
        const timing = (t: { kind: string }) =>
          t.kind === "time" || t.kind === "rate";
        assert.deepEqual(
          missed.filter((t: { kind: string }) => !timing(t)),
          [],
          JSON.stringify(scenario.reasons),
        );
        assert.ok(
          scenario.invariants.every((i: { ok: boolean }) => i.ok),
          JSON.stringify(scenario.invariants),
        );
        assert.equal(code, missed.length === 0 ? 0 : 1);
      },
    );
    await t.step("broken: fails, grade F, exit 1", async () => {
      const { code, artifact } = await runScenario(row, row.broken);
      const scenario = artifact.scenarios[0];
      const invariant = scenario.invariants.find((i: { name: string }) =>
        i.name === row.invariant
      );
      assert.equal(invariant?.ok, false, `${row.invariant} should break`);
      assert.equal(scenario.grade, "F");
      assert.equal(scenario.verdict, "FAILING");
      assert.equal(code, 1);
    });
  });
}
