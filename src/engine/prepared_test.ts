import assert from "node:assert/strict";
import type { PreparedRun, ProcessFigures, Target } from "../target.ts";
import { runPlan, type RunResult } from "./mod.ts";
import { testPlan } from "./testdata/plan.ts";
import { probeTarget } from "./testdata/probe_target.ts";

const WORKER = new URL("./testdata/probe_worker.ts", import.meta.url);

/** The probe target, whose prepare() keeps a resource and logs its life. */
function keeping(log: string[], figures?: ProcessFigures): Target {
  return {
    ...probeTarget,
    prepare(): Promise<PreparedRun> {
      log.push("prepared");
      return Promise.resolve({
        shared: { note: "cloned to workers" },
        begin: () => void log.push("begin"),
        end: () => {
          log.push("end");
          return figures;
        },
        [Symbol.asyncDispose]: () => {
          log.push("disposed");
          return Promise.resolve();
        },
      });
    },
  };
}

async function run(
  target: Target,
  options: Record<string, unknown> & { iterations?: number },
  signal?: AbortSignal,
): Promise<RunResult> {
  const { iterations = 40, ...rest } = options;
  const runDir = await Deno.makeTempDir();
  try {
    return await runPlan(
      testPlan({
        target: "probe",
        options: rest,
        mix: [{ op: "wait", weight: 1, params: { ms: 1 } }],
        load: { iterations, concurrency: 2 },
      }),
      { target, workerUrl: WORKER, runDir, signal },
    );
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

Deno.test("runPlan() disposes what prepare() kept, after the load, with the process figures in measurements.server", async () => {
  const log: string[] = [];
  const result = await run(
    keeping(log, {
      rss_start: 1000,
      rss_end: 81_000,
      rss_peak: 90_000,
      cpu: 0.5,
    }),
    {},
  );
  assert.equal(result.status, "completed");
  assert.deepEqual(log, ["prepared", "begin", "end", "disposed"]);
  const server = result.measurements.server!;
  assert.equal(server.rss_peak, 90_000);
  assert.equal(server.cpu, 0.5);
  // 80,000 bytes over 40 measured ops: 2,000,000 per 1k ops.
  assert.equal(result.measurements.total, 40);
  assert.equal(server.growth_per_1k_ops, 2_000_000);
});

Deno.test("runPlan() disposes what prepare() kept when the workers fail", async () => {
  const log: string[] = [];
  const result = await run(keeping(log), { fail_open: true });
  assert.equal(result.status, "error");
  assert.equal(log.at(-1), "disposed");
  assert.equal(result.measurements.server, undefined);
});

Deno.test("runPlan() disposes what prepare() kept when stopped mid-load", async () => {
  const log: string[] = [];
  const stop = new AbortController();
  const target = keeping(log);
  const result = await run(
    {
      ...target,
      prepare: async (options, info) => {
        const prepared = await target.prepare!(options, info) as PreparedRun;
        // The user's stop arrives once the measured load has begun.
        return {
          ...prepared,
          begin: () => {
            prepared.begin!();
            setTimeout(() => stop.abort(), 30);
          },
        };
      },
    },
    { iterations: 100_000 },
    stop.signal,
  );
  assert.equal(result.status, "interrupted");
  assert.deepEqual(log, ["prepared", "begin", "end", "disposed"]);
});
