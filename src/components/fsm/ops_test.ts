import assert from "node:assert/strict";
import { type Outcome, outcomeOf } from "../../errors.ts";
import { SeededRng } from "../../engine/rng.ts";
import type { TargetInstance, WorkerInfo } from "../../target.ts";
import { fsmTarget } from "./ops.ts";

function worker(concurrency: number): WorkerInfo {
  return {
    index: 0,
    count: 1,
    concurrency,
    seed: 7,
    runDir: ".",
    shared: null,
  };
}

async function open(
  options: Record<string, unknown>,
  concurrency: number,
): Promise<TargetInstance> {
  return await fsmTarget.open(
    fsmTarget.options!.parse(options),
    worker(concurrency),
  );
}

interface Drive {
  tasks: number;
  iterations: number;
  mix: { op: string; params?: unknown }[];
}

/** Runs ops as the engine does: `tasks` loops interleaving at awaits. */
async function drive(
  instance: TargetInstance,
  plan: Drive,
): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = {
    ok: 0,
    validation: 0,
    conflict: 0,
    busy: 0,
    timeout: 0,
    injected: 0,
    error: 0,
  };
  const mix = plan.mix.map((entry) => ({
    run: instance.ops[entry.op],
    params: fsmTarget.ops[entry.op].params!.parse(entry.params),
  }));
  await Promise.all(
    Array.from({ length: plan.tasks }, async (_, task) => {
      const rng = new SeededRng(7, 0, task);
      for (let i = 0; i < plan.iterations; i++) {
        const entry = mix[rng.int(0, mix.length - 1)];
        try {
          await entry.run(entry.params, rng);
          counts.ok++;
        } catch (error) {
          counts[outcomeOf(error)]++;
        }
      }
    }),
  );
  return counts;
}

async function check(instance: TargetInstance, name: string) {
  const [result] = await instance.invariants!([name]);
  assert.equal(result.name, name);
  return result;
}

const ALL_OPS = Object.keys(fsmTarget.ops);

Deno.test("fsmTarget declares a params schema for every op and opens with defaults", async () => {
  for (const [name, spec] of Object.entries(fsmTarget.ops)) {
    assert.ok(spec.params, `op ${name} has no params schema`);
    spec.params.parse(undefined);
  }
  const instance = await open({}, 1);
  assert.deepEqual(Object.keys(instance.ops).sort(), [...ALL_OPS].sort());
  await instance.close();
});

Deno.test("fsmTarget options refuse unknown keys and a machine that cannot advance", () => {
  const options = fsmTarget.options!;
  assert.equal(options.safeParse({ fualt: "none" }).success, false);
  assert.equal(options.safeParse({ defect: "sometimes" }).success, false);
  const stuck = options.safeParse({
    machine: {
      entity: "door",
      initial: "shut",
      states: ["shut", "open"],
      transitions: { close: { from: "open", to: "shut" } },
    },
  });
  assert.equal(stuck.success, false);
  assert.match(
    JSON.stringify(stuck.error?.issues),
    /no transition starts from the initial state/,
  );
});

Deno.test("fsmTarget ops succeed under interleaving and every invariant holds", async () => {
  const instance = await open({ entities: 4, retain: 50 }, 6);
  const counts = await drive(instance, {
    tasks: 6,
    iterations: 300,
    mix: [
      { op: "create" },
      { op: "create_invalid" },
      { op: "validate" },
      { op: "execute" },
      { op: "execute", params: { transition: "concurrency_test" } },
      { op: "lookup" },
      { op: "lookup", params: { key: "registered" } },
      { op: "register" },
      { op: "list" },
      { op: "advance" },
      { op: "race" },
      { op: "retain" },
    ],
  });
  assert.equal(counts.error, 0);
  assert.equal(counts.validation, 0);
  assert.ok(
    counts.conflict > 0,
    "advance on 4 entities and races must conflict",
  );
  assert.equal(counts.ok + counts.conflict, 1800);
  const results = await instance.invariants!(
    Object.keys(fsmTarget.invariants!),
  );
  for (const result of results) {
    assert.ok(result.ok, `${result.name}: ${result.detail}`);
  }
  await instance.close();
});

Deno.test("fsmTarget advance walks the machine; illegal and invalid picks are validation outcomes", async () => {
  const instance = await open({}, 1);
  const counts = await drive(instance, {
    tasks: 1,
    iterations: 400,
    mix: [{ op: "advance", params: { illegal_rate: 0.5, invalid_rate: 0.2 } }],
  });
  assert.ok(counts.ok > 100);
  assert.ok(counts.validation > 50);
  assert.equal(counts.error + counts.conflict, 0);
  const edges = await check(instance, "declared_edges_only");
  assert.ok(edges.ok, edges.detail);
  assert.match(edges.detail, /^\d+ moves checked, 0 along undeclared edges$/);
  await instance.close();
});

Deno.test("fsmTarget race: one winner per race, every other contender conflicts", async () => {
  const instance = await open({ race_contenders: 4 }, 4);
  const counts = await drive(instance, {
    tasks: 4,
    iterations: 100,
    mix: [{ op: "race" }],
  });
  assert.equal(counts.ok, 100);
  assert.equal(counts.conflict, 300);
  const race = await check(instance, "one_winner_per_race");
  assert.ok(race.ok, race.detail);
  assert.equal(
    race.detail,
    "100 races with 4 contenders each, 100 overlapped: 100 had one winner, 0 had several, 0 had none",
  );
  // The barrier holds every commit until all four passed the state check,
  // so every loser is refused at its commit, none up front.
  assert.deepEqual(instance.counters!(), {
    races: 100,
    overlapped_races: 100,
    late_contenders: 0,
    create_tasks: 0,
    retain_evictions: 0,
  });
  await instance.close();
});

Deno.test("fsmTarget race: contenders left alone when tasks run out are let go, and not counted as overlapped", async () => {
  const instance = await open({ race_contenders: 4 }, 4);
  const counts = await drive(instance, {
    tasks: 4,
    iterations: 200,
    mix: [
      { op: "race" },
      { op: "execute", params: { transition: "concurrency_test" } },
      { op: "advance" },
    ],
  });
  assert.equal(counts.error + counts.validation, 0);
  const { races, overlapped_races, late_contenders } = instance.counters!();
  assert.ok(overlapped_races > 20, `${overlapped_races} overlapped`);
  assert.ok(races >= overlapped_races);
  assert.equal(late_contenders, 0);
  const race = await check(instance, "one_winner_per_race");
  assert.ok(race.ok, race.detail);
  await instance.close();
});

Deno.test("fsmTarget race: more contenders than tasks never overlap, and one_winner_per_race says so", async () => {
  const instance = await open({ race_contenders: 4 }, 2);
  const counts = await drive(instance, {
    tasks: 2,
    iterations: 10,
    mix: [{ op: "race" }],
  });
  assert.equal(counts.ok + counts.conflict, 20);
  assert.equal(instance.counters!().overlapped_races, 0);
  const race = await check(instance, "one_winner_per_race");
  assert.equal(race.ok, false);
  assert.match(race.detail, /, 0 overlapped: .*no race overlapped/);
  await instance.close();
});

Deno.test("fsmTarget counters: tasks that created, and retained results evicted from the ring", async () => {
  const instance = await open({ retain: 10 }, 5);
  await drive(instance, { tasks: 5, iterations: 5, mix: [{ op: "create" }] });
  await drive(instance, { tasks: 1, iterations: 25, mix: [{ op: "retain" }] });
  const counters = instance.counters!();
  assert.equal(counters.create_tasks, 5);
  assert.equal(counters.retain_evictions, 15);
  assert.deepEqual(
    Object.keys(counters).sort(),
    Object.keys(fsmTarget.counters!).sort(),
  );
  await instance.close();
});

Deno.test("fsmTarget context_isolated fails when nothing interleaved to check", async () => {
  const instance = await open({}, 2);
  await drive(instance, { tasks: 2, iterations: 20, mix: [{ op: "retain" }] });
  const result = await check(instance, "context_isolated");
  assert.equal(result.ok, false);
  assert.match(result.detail, /^0 executions checked, .*nothing checked/);
  await instance.close();
});

Deno.test("fsmTarget registry_consistent counts registrations made by interleaved tasks", async () => {
  const instance = await open({}, 4);
  await drive(instance, {
    tasks: 4,
    iterations: 150,
    mix: [{ op: "register" }, { op: "lookup", params: { key: "registered" } }, {
      op: "list",
    }],
  });
  const result = await check(instance, "registry_consistent");
  assert.ok(result.ok, result.detail);
  assert.match(
    result.detail,
    / 0 no longer resolve; size (\d+), expected \1; 0 of \d+ lookups/,
  );
  await instance.close();
});

Deno.test("fsmTarget defect shared-context breaks context_isolated", async () => {
  const instance = await open({ defect: "shared-context" }, 4);
  const counts = await drive(instance, {
    tasks: 4,
    iterations: 50,
    mix: [{ op: "execute", params: { transition: "concurrency_test" } }],
  });
  assert.ok(counts.error > 0, "leaks surface as crashes");
  const result = await check(instance, "context_isolated");
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /^200 executions checked, [1-9]\d* saw another execution's metadata \(first: /,
  );
  await instance.close();
});

Deno.test("fsmTarget defect lossy-registry breaks registry_consistent", async () => {
  const instance = await open({ defect: "lossy-registry" }, 4);
  await drive(instance, {
    tasks: 4,
    iterations: 60,
    mix: [{ op: "register" }, { op: "lookup", params: { key: "registered" } }],
  });
  const result = await check(instance, "registry_consistent");
  assert.equal(result.ok, false, result.detail);
  assert.match(result.detail, /[1-9]\d* no longer resolve/);
  await instance.close();
});

Deno.test("fsmTarget defect ignore-from breaks declared_edges_only", async () => {
  const instance = await open({ defect: "ignore-from" }, 1);
  await drive(instance, {
    tasks: 1,
    iterations: 200,
    mix: [{ op: "advance", params: { illegal_rate: 0.5 } }],
  });
  const result = await check(instance, "declared_edges_only");
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /[1-9]\d* along undeclared edges \(first: "\w+" -> "\w+"\)$/,
  );
  await instance.close();
});

Deno.test("fsmTarget defect racy-commit breaks one_winner_per_race", async () => {
  const instance = await open({ defect: "racy-commit", race_contenders: 4 }, 4);
  const counts = await drive(instance, {
    tasks: 4,
    iterations: 50,
    mix: [{ op: "race" }],
  });
  assert.ok(counts.ok > 50, "several contenders win the same race");
  const race = await check(instance, "one_winner_per_race");
  assert.equal(race.ok, false);
  assert.match(race.detail, /[1-9]\d* had several/);
  const edges = await check(instance, "declared_edges_only");
  assert.equal(
    edges.ok,
    false,
    "a second winner moves from a state it never saw",
  );
  await instance.close();
});

Deno.test("fsmTarget invariants hold without a defect under the loads that break them", async () => {
  const instance = await open({ race_contenders: 4 }, 4);
  await drive(instance, {
    tasks: 4,
    iterations: 100,
    mix: [
      { op: "race" },
      { op: "register" },
      { op: "lookup", params: { key: "registered" } },
      { op: "advance", params: { illegal_rate: 0.5 } },
      { op: "execute", params: { transition: "concurrency_test" } },
    ],
  });
  const names = Object.keys(fsmTarget.invariants!);
  for (const result of await instance.invariants!(names)) {
    assert.ok(result.ok, `${result.name}: ${result.detail}`);
  }
  await instance.close();
});

Deno.test("fsmTarget invariants() refuses an unknown name", async () => {
  const instance = await open({}, 1);
  const [result] = await instance.invariants!(["no_such_check"]);
  assert.deepEqual(result, {
    name: "no_such_check",
    ok: false,
    detail: 'unknown invariant "no_such_check"',
  });
  await instance.close();
});
