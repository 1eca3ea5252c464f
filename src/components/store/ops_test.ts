import assert from "node:assert/strict";
import { outcomeOf } from "../../errors.ts";
import { SeededRng } from "../../engine/rng.ts";
import type {
  InvariantResult,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import {
  createStoreTarget,
  type StoreInvariant,
  type StoreSeams,
  storeTarget,
} from "./ops.ts";

const WORKER: WorkerInfo = {
  index: 0,
  count: 1,
  concurrency: 4,
  seed: 42,
  runDir: "/tmp",
  shared: undefined,
};

const ALL = Object.keys(storeTarget.invariants ?? {}) as StoreInvariant[];

interface MixEntry {
  op: string;
  weight?: number;
  params?: Record<string, unknown>;
}

interface Drive {
  tasks: number;
  iterations: number;
  mix: MixEntry[];
}

/**
 * Drives an instance the way the engine does: `tasks` interleaved loops
 * calling weighted ops, awaiting only ops that return a promise, yielding a
 * macrotask every few ops. Returns outcome counts.
 */
async function drive(
  instance: TargetInstance,
  plan: Drive,
): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const params = plan.mix.map((m) =>
    storeTarget.ops[m.op].params?.parse(m.params ?? {}) ?? m.params
  );
  const total = plan.mix.reduce((n, m) => n + (m.weight ?? 1), 0);
  const task = async (t: number) => {
    const rng = new SeededRng(7, t);
    for (let i = 0; i < plan.iterations; i++) {
      let r = rng.next() * total;
      let k = 0;
      while (r >= (plan.mix[k].weight ?? 1)) r -= plan.mix[k++].weight ?? 1;
      let outcome = "ok";
      try {
        const result = instance.ops[plan.mix[k].op](params[k], rng);
        if (result instanceof Promise) await result;
      } catch (error) {
        outcome = outcomeOf(error);
        if (outcome === "error") throw error;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (i % 64 === 63) await new Promise((res) => setTimeout(res, 0));
    }
  };
  await Promise.all(Array.from({ length: plan.tasks }, (_, t) => task(t)));
  return outcomes;
}

function byName(results: InvariantResult[]): Record<string, InvariantResult> {
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

function assertAllHold(results: InvariantResult[]): void {
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.detail}`);
}

async function withInstance(
  options: Record<string, unknown>,
  fn: (instance: TargetInstance) => Promise<void>,
  seams?: Partial<StoreSeams>,
): Promise<void> {
  const target = seams === undefined ? storeTarget : createStoreTarget(seams);
  const instance = await target.open(
    storeTarget.options?.parse(options),
    WORKER,
  );
  try {
    await fn(instance);
  } finally {
    await instance.close();
  }
}

const CHAOS: MixEntry[] = [
  { op: "get", weight: 30 },
  { op: "set", weight: 20 },
  { op: "cas_set", weight: 10, params: { retries: 3 } },
  { op: "transition", weight: 10 },
  { op: "subscribe", weight: 3, params: { max: 20 } },
  { op: "unsubscribe", weight: 2 },
  { op: "churn", weight: 2 },
  { op: "encode", weight: 3, params: { format: "json" } },
  { op: "decode", weight: 3, params: { format: "binary" } },
  { op: "decode", weight: 3, params: { format: "json" } },
  { op: "drain", weight: 2 },
  { op: "history", weight: 1 },
  { op: "metrics", weight: 1 },
];

Deno.test("storeTarget declares its ops, options and invariants", () => {
  assert.equal(storeTarget.name, "store");
  for (
    const op of [
      "get",
      "set",
      "cas_set",
      "transition",
      "subscribe",
      "unsubscribe",
      "churn",
      "encode",
      "decode",
    ]
  ) {
    assert.ok(storeTarget.ops[op], op);
  }
  assert.throws(() => storeTarget.options?.parse({ policy: "drop-all" }));
  assert.throws(() => storeTarget.options?.parse({ subscriber: 3 }));
  assert.deepEqual(ALL, [
    "versions_monotonic",
    "cas_no_lost_updates",
    "delivery_exact",
    "block_no_drops",
    "metrics_match",
    "codec_round_trip",
    "recovers",
    "no_subscriber_leak",
    "no_drift",
  ]);
  assert.deepEqual(Object.keys(storeTarget.counters ?? {}), [
    "delivered",
    "dropped",
    "cas_retries",
    "overflows",
  ]);
});

Deno.test("storeTarget: every invariant holds under mixed chaos for each policy", async (t) => {
  for (const policy of ["drop-oldest", "drop-newest", "error", "block"]) {
    await t.step(policy, async () => {
      await withInstance({
        subscribers: 12,
        throwing_subscribers: 2,
        throw_every: 7,
        capacity: 8,
        policy,
        timeout_ms: 20,
        context_keys: 5,
        context_bytes: 20,
      }, async (instance) => {
        const outcomes = await drive(instance, {
          tasks: 4,
          iterations: 600,
          mix: CHAOS,
        });
        assert.ok((outcomes.ok ?? 0) > 2000);
        assertAllHold(await instance.invariants!(ALL));
      });
    });
  }
});

Deno.test("storeTarget: slow and stalled subscribers under block recover after a drain", async () => {
  for (const consumer of ["slow", "stalled"]) {
    await withInstance({
      subscribers: 3,
      capacity: 16,
      policy: "block",
      timeout_ms: 2,
      consumer,
      slow_ms: 1,
      slow_every: 4,
    }, async (instance) => {
      const outcomes = await drive(instance, {
        tasks: 3,
        iterations: 150,
        mix: [{ op: "set", weight: 9 }, { op: "drain", weight: 1 }],
      });
      if (consumer === "stalled") {
        assert.ok(outcomes.timeout > 0, "writes timed out");
      }
      const results = byName(await instance.invariants!(ALL));
      assertAllHold(Object.values(results));
      assert.match(
        results.block_no_drops.detail,
        /^\d+ block subscribers each got every version in turn, 0 dropped/,
      );
    });
  }
});

Deno.test("storeTarget: racing cas_set writers conflict but never lose an update", async () => {
  await withInstance({ subscribers: 2 }, async (instance) => {
    const outcomes = await drive(instance, {
      tasks: 8,
      iterations: 200,
      mix: [{ op: "cas_set", params: { retries: 0 } }],
    });
    assert.ok(outcomes.conflict > 0, "writers raced");
    assert.ok(outcomes.ok > 0);
    const metrics = await instance.ops.metrics({}, new SeededRng(1)) as {
      conflicts: number;
    };
    assert.equal(metrics.conflicts, outcomes.conflict);
    assertAllHold(await instance.invariants!(ALL));
  });
});

Deno.test("storeTarget: defect lossy-delivery breaks delivery_exact and metrics_match", async () => {
  await withInstance(
    { subscribers: 4, capacity: 1024, defect: "lossy-delivery" },
    async (instance) => {
      await drive(instance, {
        tasks: 2,
        iterations: 300,
        mix: [{ op: "set" }],
      });
      const r = byName(await instance.invariants!(ALL));
      assert.equal(r.delivery_exact.ok, false);
      assert.match(r.delivery_exact.detail, /missing but 0 drops reported/);
      assert.equal(r.metrics_match.ok, false);
      assert.ok(r.versions_monotonic.ok && r.no_subscriber_leak.ok);
    },
  );
});

Deno.test("storeTarget: defect duplicate-delivery breaks delivery_exact", async () => {
  await withInstance(
    { subscribers: 2, defect: "duplicate-delivery" },
    async (instance) => {
      await drive(instance, {
        tasks: 2,
        iterations: 300,
        mix: [{ op: "set" }],
      });
      const r = byName(await instance.invariants!(["delivery_exact"]));
      assert.equal(r.delivery_exact.ok, false);
      assert.match(r.delivery_exact.detail, /delivered twice/);
    },
  );
});

Deno.test("storeTarget: defect leak-subscribers breaks no_subscriber_leak", async () => {
  await withInstance({ defect: "leak-subscribers" }, async (instance) => {
    await drive(instance, {
      tasks: 2,
      iterations: 200,
      mix: [{ op: "subscribe", params: { max: 5 } }, { op: "unsubscribe" }, {
        op: "set",
      }],
    });
    const [leak] = await instance.invariants!(["no_subscriber_leak"]);
    assert.equal(leak.ok, false);
    assert.match(leak.detail, /still reachable/);
  });
});

Deno.test("storeTarget: subscriber churn leaves nothing behind", async () => {
  await withInstance({ subscribers: 50, capacity: 32 }, async (instance) => {
    await drive(instance, {
      tasks: 4,
      iterations: 500,
      mix: [
        { op: "subscribe", weight: 2, params: { max: 200 } },
        { op: "unsubscribe", weight: 1 },
        { op: "churn", weight: 1 },
        { op: "set", weight: 4 },
      ],
    });
    const r = byName(
      await instance.invariants!(["no_subscriber_leak", "metrics_match"]),
    );
    assertAllHold(Object.values(r));
    assert.match(r.no_subscriber_leak.detail, /^0 of the last/);
  });
});

Deno.test("storeTarget invariants: an unknown name fails, order follows the request", async () => {
  await withInstance({}, async (instance) => {
    const results = await instance.invariants!(["codec_round_trip", "nope"]);
    assert.deepEqual(results.map((r) => [r.name, r.ok]), [
      ["codec_round_trip", true],
      ["nope", false],
    ]);
  });
});

Deno.test("storeTarget ops: encode and decode carry large snapshots", async () => {
  await withInstance(
    { context_keys: 50, context_bytes: 100 },
    async (instance) => {
      const rng = new SeededRng(1);
      await instance.ops.set({ context: true }, rng);
      const json = instance.ops.encode({ format: "json" }, rng) as number;
      const binary = instance.ops.encode({ format: "binary" }, rng) as number;
      assert.ok(json > 5000 && binary < json, `${binary} < ${json}`);
      const decoded = instance.ops.decode(
        { format: "binary", verify: true },
        rng,
      ) as {
        context: Record<string, string>;
      };
      assert.equal(decoded.context.key_49.length, 100);
      const [codec] = await instance.invariants!(["codec_round_trip"]);
      assert.ok(codec.ok, codec.detail);
    },
  );
});

interface DefectCase {
  defect: string;
  options: Record<string, unknown>;
  plan: Drive;
  invariant: StoreInvariant;
  detail: RegExp;
}

const STALLED_BLOCK = {
  subscribers: 3,
  policy: "block",
  capacity: 8,
  consumer: "stalled",
  timeout_ms: 2,
};
const SETS_AND_DRAINS: MixEntry[] = [
  { op: "set", weight: 9 },
  { op: "drain", weight: 1 },
];

const DEFECTS: DefectCase[] = [
  {
    defect: "leak-in-store",
    options: { subscribers: 4, capacity: 16, policy: "block" },
    plan: {
      tasks: 2,
      iterations: 200,
      mix: [
        { op: "subscribe", params: { max: 5 } },
        { op: "unsubscribe" },
        { op: "churn" },
        { op: "set", weight: 3 },
      ],
    },
    invariant: "no_subscriber_leak",
    detail: /still reachable after unsubscribe and GC \(store open\)/,
  },
  {
    defect: "block-drops",
    options: STALLED_BLOCK,
    plan: { tasks: 3, iterations: 150, mix: SETS_AND_DRAINS },
    invariant: "block_no_drops",
    detail: /deliveries skipped versions/,
  },
  {
    defect: "reuse-version",
    options: { subscribers: 1 },
    plan: { tasks: 2, iterations: 300, mix: [{ op: "set" }] },
    invariant: "versions_monotonic",
    detail: /was written twice/,
  },
  {
    defect: "lossy-cas",
    options: {},
    plan: {
      tasks: 8,
      iterations: 100,
      mix: [{ op: "cas_set", params: { retries: 0 } }],
    },
    invariant: "cas_no_lost_updates",
    detail: /cas_set read version \d+ but wrote/,
  },
  {
    defect: "stuck-waiter",
    options: STALLED_BLOCK,
    plan: { tasks: 3, iterations: 150, mix: SETS_AND_DRAINS },
    invariant: "recovers",
    detail: /writes are still waiting|had to wait/,
  },
  {
    defect: "lossy-codec",
    options: { context_keys: 3, context_bytes: 10 },
    plan: {
      tasks: 1,
      iterations: 100,
      mix: [{ op: "set" }, { op: "decode", params: { format: "json" } }],
    },
    invariant: "codec_round_trip",
    detail: /json round trip of version \d+ changed it/,
  },
];

Deno.test("storeTarget: each planted defect breaks its invariant, which holds without it", async (t) => {
  for (const c of DEFECTS) {
    await t.step(`${c.defect} breaks ${c.invariant}`, async () => {
      for (const defect of ["none", c.defect]) {
        await withInstance({ ...c.options, defect }, async (instance) => {
          await drive(instance, c.plan);
          const [r] = await instance.invariants!([c.invariant]);
          if (defect === "none") assert.ok(r.ok, `${r.name}: ${r.detail}`);
          else {
            assert.equal(r.ok, false, `${c.invariant} should break`);
            assert.match(r.detail, c.detail);
          }
        });
      }
    });
  }
});

Deno.test("storeTarget: block-drops loses snapshots the store's own counters never see", async () => {
  await withInstance(
    { ...STALLED_BLOCK, defect: "block-drops" },
    async (instance) => {
      const outcomes = await drive(instance, {
        tasks: 3,
        iterations: 150,
        mix: SETS_AND_DRAINS,
      });
      assert.equal(outcomes.timeout, undefined, "no write ever waited");
      const metrics = await instance.ops.metrics({}, new SeededRng(1)) as {
        dropped: number;
      };
      assert.equal(metrics.dropped, 0, "the store counted no drop");
      const r = byName(
        await instance.invariants!(["block_no_drops", "delivery_exact"]),
      );
      assert.equal(r.block_no_drops.ok, false);
      assert.equal(r.delivery_exact.ok, false);
    },
  );
});

/** Sets in one task, awaiting only what returns a promise (as the engine). */
async function writeMany(instance: TargetInstance, n: number): Promise<void> {
  const rng = new SeededRng(3);
  for (let i = 0; i < n; i++) {
    const result = instance.ops.set({ context: false }, rng);
    if (result instanceof Promise) await result;
  }
}

Deno.test("storeTarget: yield_every lets eager consumers keep up, and slow ones fall behind", async (t) => {
  const runs: Record<string, Record<string, number>> = {};
  const base = { subscribers: 4, capacity: 64, slow_ms: 1, slow_every: 16 };
  for (
    const [name, options] of [
      ["eager, no yields", { consumer: "eager" }],
      ["eager, yield_every 32", { consumer: "eager", yield_every: 32 }],
      ["slow, yield_every 32", { consumer: "slow", yield_every: 32 }],
    ] as const
  ) {
    await t.step(name, async () => {
      await withInstance({ ...base, ...options }, async (instance) => {
        await writeMany(instance, 8000);
        runs[name] = instance.counters!();
        assertAllHold(
          await instance.invariants!(["delivery_exact", "metrics_match"]),
        );
      });
    });
  }
  const offered = 4 * 8000;
  const starved = runs["eager, no yields"];
  const eager = runs["eager, yield_every 32"];
  const slow = runs["slow, yield_every 32"];
  assert.ok(starved.dropped > offered * 0.9, JSON.stringify(starved));
  assert.equal(eager.dropped, 0, JSON.stringify(eager));
  assert.equal(eager.delivered, offered);
  assert.ok(slow.dropped > offered / 2, JSON.stringify(slow));
  assert.ok(slow.delivered > 0);
});

Deno.test("storeTarget counters: cas_retries counts every conflict that was retried", async () => {
  await withInstance({}, async (instance) => {
    const before = instance.counters!();
    const outcomes = await drive(instance, {
      tasks: 8,
      iterations: 100,
      mix: [{ op: "cas_set", params: { retries: 2 } }],
    });
    const counters = instance.counters!();
    const metrics = await instance.ops.metrics({}, new SeededRng(1)) as {
      conflicts: number;
    };
    assert.deepEqual(before, {
      delivered: 0,
      dropped: 0,
      cas_retries: 0,
      overflows: 0,
    });
    assert.ok(counters.cas_retries > 0, "writers raced");
    assert.equal(
      counters.cas_retries + (outcomes.conflict ?? 0),
      metrics.conflicts,
    );
  });
});

Deno.test("storeTarget invariant no_drift fails when writes slow down over the run", async (t) => {
  for (const slowing of [false, true]) {
    await t.step(slowing ? "slowing" : "steady", async () => {
      let marks = 0;
      let now = 0;
      // Every 4096 writes take 10 ms, or, slowing, 10 ms then 50 ms.
      const clock = () => now += slowing && ++marks > 8 ? 50 : 10;
      await withInstance({}, async (instance) => {
        await writeMany(instance, 16 * 4096);
        const [drift] = await instance.invariants!(["no_drift"]);
        assert.equal(drift.ok, !slowing, drift.detail);
        assert.match(drift.detail, /tolerance 3x/);
      }, { now: clock });
    });
  }
});

Deno.test("storeTarget invariant no_subscriber_leak fails when the heap stays grown", async () => {
  let heap = 50_000_000;
  await withInstance({ subscribers: 2 }, async (instance) => {
    await writeMany(instance, 100);
    heap += 8 * 1024 * 1024;
    const [leak] = await instance.invariants!(["no_subscriber_leak"]);
    assert.equal(leak.ok, false);
    assert.match(leak.detail, /heap is 8\.0 MB above its start/);
  }, { heapUsed: () => heap });
});

Deno.test("storeTarget invariant no_subscriber_leak needs a GC", async () => {
  await withInstance({}, async (instance) => {
    const [leak] = await instance.invariants!(["no_subscriber_leak"]);
    assert.equal(leak.ok, false);
    assert.match(leak.detail, /--expose-gc/);
  }, { gc: undefined });
});
