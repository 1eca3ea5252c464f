import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runPlan, type RunResult } from "../../engine/mod.ts";
import { SeededRng } from "../../engine/rng.ts";
import { testPlan } from "../../engine/testdata/plan.ts";
import type { PreparedRun, RunInfo, SelfCommand } from "../../target.ts";
import { httpTarget } from "./mod.ts";
import { type CheckInputs, loopbackListen } from "./_observe.ts";
import { listenAddresses } from "./_server.ts";

const WORKER = new URL("../../worker.ts", import.meta.url);
const SELF: SelfCommand = {
  command: Deno.execPath(),
  args: [
    "run",
    "--allow-all",
    fileURLToPath(new URL("../../../main.ts", import.meta.url)),
  ],
};

function runInfo(runDir: string, allowHosts?: string[]): RunInfo {
  return {
    workers: 1,
    seed: 1,
    runDir,
    signal: new AbortController().signal,
    self: SELF,
    ...(allowHosts ? { allowHosts } : {}),
  };
}

Deno.test("httpTarget refuses a host beyond loopback unless --allow-host names it", async () => {
  const runDir = await Deno.makeTempDir();
  const options = httpTarget.options!.parse({
    base_url: "http://example.com:8080",
  });
  await assert.rejects(
    () => httpTarget.prepare!(options, runInfo(runDir)),
    (error: Error) => {
      assert.equal(
        error.message,
        'Refusing to load "example.com" (base_url "http://example.com:8080"): only loopback hosts are loaded unless allowed: run with --allow-host example.com if you own it',
      );
      return true;
    },
  );
  // Allowed: prepared without a single connection (no setup requests).
  const prepared = await httpTarget.prepare!(
    options,
    runInfo(runDir, ["example.com"]),
  ) as PreparedRun;
  await prepared[Symbol.asyncDispose]();
  await Deno.remove(runDir, { recursive: true });
});

Deno.test("httpTarget refuses a base_url with more than host and port, whose extra parts requests would drop", () => {
  for (
    const base_url of [
      "http://127.0.0.1:8080/api",
      "http://127.0.0.1:8080/?q=1",
      "http://127.0.0.1:8080/#top",
      "http://user:secret@127.0.0.1:8080",
      "http://127.0.0.1:8080?",
    ]
  ) {
    const parsed = httpTarget.options!.safeParse({ base_url });
    assert.equal(parsed.success, false, base_url);
    assert.deepEqual(
      parsed.error!.issues.map((issue) => [issue.path, issue.message]),
      [[
        ["base_url"],
        "expected http://host:port only, with no path, query, fragment or user: put a path prefix in each request's path",
      ]],
      base_url,
    );
  }
  for (
    const base_url of [
      "http://127.0.0.1:8080",
      "http://127.0.0.1:8080/",
      "http://[::1]:8080",
      "http://localhost",
    ]
  ) {
    assert.equal(httpTarget.options!.safeParse({ base_url }).success, true);
  }
});

Deno.test("httpTarget says why a base_url or timeout is refused, without throwing", () => {
  const issues = (options: Record<string, unknown>) => {
    const parsed = httpTarget.options!.safeParse(options);
    assert.equal(parsed.success, false, JSON.stringify(options));
    return parsed.error!.issues.map((issue) => [issue.path, issue.message]);
  };
  assert.deepEqual(issues({ base_url: "http://localhost:99999" }), [[
    ["base_url"],
    "expected an http:// URL: port 99999 is out of range (1 to 65535)",
  ]]);
  assert.deepEqual(issues({ base_url: "http://[::1" }), [[
    ["base_url"],
    "expected an http:// URL",
  ]]);
  const hint =
    'expected a duration above 0 and at most 10 minutes, like "500ms" or "2s" (a number is milliseconds)';
  for (const timeout of [0, "0ms", "0s", 600_001, "601s"]) {
    const found = issues({ base_url: "http://127.0.0.1:1", timeout });
    assert.ok(
      found.some(([path, message]) =>
        (path as string[])[0] === "timeout" && message === hint
      ),
      `${timeout}: ${JSON.stringify(found)}`,
    );
  }
  for (const timeout of [1, "1ms", "600s", "2.5s"]) {
    assert.equal(
      httpTarget.options!.safeParse({ base_url: "http://127.0.0.1:1", timeout })
        .success,
      true,
      String(timeout),
    );
  }
});

Deno.test("httpTarget counts responses and failures by class, and each op's outcome by status", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      new Response("x", { status: Number(new URL(req.url).pathname.slice(1)) }),
  );
  const runDir = await Deno.makeTempDir();
  const options = httpTarget.options!.parse({
    base_url: `http://127.0.0.1:${server.addr.port}`,
    timeout: "2s",
  });
  const prepared = await httpTarget.prepare!(
    options,
    runInfo(runDir),
  ) as PreparedRun;
  const instance = await httpTarget.open(options, {
    index: 0,
    count: 1,
    concurrency: 1,
    seed: 1,
    runDir,
    shared: structuredClone(prepared.shared),
  });
  const rng = new SeededRng(1, 1, 0, 0);
  const get = (path: string, status?: unknown) =>
    instance.ops.get(
      httpTarget.ops.get.params!.parse({ path, ...(status ? { status } : {}) }),
      rng,
    );
  assert.equal(await get("/200"), 200);
  assert.equal(await get("/404", 404), 404);
  const outcome = async (path: string) => {
    try {
      await get(path);
    } catch (error) {
      return (error as { outcome: string }).outcome;
    }
    return "ok";
  };
  assert.equal(await outcome("/409"), "conflict");
  assert.equal(await outcome("/503"), "busy");
  assert.equal(await outcome("/400"), "validation");
  assert.equal(await outcome("/500"), "error");
  assert.equal(await outcome("/302"), "error");
  const counters = instance.counters!();
  assert.equal(counters.status_2xx, 1);
  assert.equal(counters.status_3xx, 1);
  assert.equal(counters.status_4xx, 3);
  assert.equal(counters.status_5xx, 2);
  assert.equal(counters.unexpected_status, 5);
  assert.equal(counters.connects, 1);
  await instance.close();
  await prepared[Symbol.asyncDispose]();
  await Deno.remove(runDir, { recursive: true });
});

Deno.test("loopback_listen reads the process's listening sockets and fails on a wildcard address", async () => {
  const inputs = async (): Promise<CheckInputs> => ({
    client: undefined as never,
    host: "127.0.0.1",
    listening: await listenAddresses(Deno.pid),
  });
  const local = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const held = loopbackListen(await inputs());
    assert.ok(held.ok, held.detail);
    assert.match(held.detail, new RegExp(`127\\.0\\.0\\.1:${local.addr.port}`));
    // Bound for a moment on every interface, accepting nothing.
    const wide = Deno.listen({ hostname: "0.0.0.0", port: 0 });
    try {
      const broke = loopbackListen(await inputs());
      assert.equal(broke.ok, false);
      assert.match(
        broke.detail,
        new RegExp(`listens on 0\\.0\\.0\\.0:${wide.addr.port}, not loopback`),
      );
    } finally {
      wide.close();
    }
  } finally {
    local.close();
  }
});

/** A short mixed run on a context server started for it. */
async function contextRun(
  defect: string,
  workers = 1,
): Promise<RunResult> {
  const runDir = await Deno.makeTempDir();
  try {
    return await runPlan(
      testPlan({
        target: "http",
        options: {
          server: "context",
          defect,
          setup: [{
            method: "PUT",
            path: "/v1/context/k{seq}",
            body: { value: "{seq}" },
            count: 50,
          }],
        },
        mix: [
          {
            op: "get",
            name: "read",
            weight: 6,
            params: { path: "/v1/context/k{key:0..49}" },
          },
          {
            op: "put",
            name: "write",
            weight: 4,
            params: {
              path: "/v1/context/k{key:0..49}",
              body: { value: { n: "{seq}" } },
            },
          },
          {
            op: "post",
            name: "dump",
            weight: 0.1,
            params: { path: "/v1/dump?format=json" },
          },
        ],
        invariants: [
          "no_lost_writes",
          "versions_increase",
          "dump_exact",
          "metrics_match",
          "loopback_listen",
        ],
        load: { workers, concurrency: 8, iterations: 3000, warmup: 100 },
      }),
      { target: httpTarget, workerUrl: WORKER, runDir, self: SELF },
    );
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

function broken(result: RunResult): string[] {
  assert.equal(result.status, "completed", result.error);
  return result.invariants.filter((i) => !i.ok).map((i) => i.name).sort();
}

Deno.test("httpTarget on a context server: every invariant holds on the server as shipped, over two workers", async () => {
  const result = await contextRun("none", 2);
  assert.deepEqual(broken(result), [], JSON.stringify(result.invariants));
  const server = result.measurements.server;
  assert.ok(server && server.rss_peak > 0, "the server's RSS was sampled");
  // Every request of both workers, the setup's and none lost in transit.
  assert.match(
    result.invariants.find((i) => i.name === "metrics_match")!.detail,
    /client got (\d+) responses, server counted \1 /,
  );
});

Deno.test("httpTarget on a context server: each defect breaks its invariant", async (t) => {
  const expected: Record<string, string[]> = {
    // A dropped write leaves its key a version short and its version reused.
    lost_write: ["no_lost_writes", "versions_increase"],
    // The previous version again: no longer one version per write; dumps
    // hold versions no answer gave.
    stale_version: ["dump_exact", "versions_increase"],
    dump_skips_key: ["dump_exact"],
    metrics_undercount: ["metrics_match"],
  };
  for (const [defect, invariants] of Object.entries(expected)) {
    await t.step(defect, async () => {
      assert.deepEqual(broken(await contextRun(defect)), invariants);
    });
  }
});

Deno.test("httpTarget records a timed-out request at its timeout, in the percentiles and counted", async () => {
  // Accepts and reads, never answers.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) held.push(conn);
    } catch { /* closed */ }
  })();
  const runDir = await Deno.makeTempDir();
  try {
    const result = await runPlan(
      testPlan({
        target: "http",
        options: {
          base_url: `http://127.0.0.1:${listener.addr.port}`,
          timeout: "100ms",
        },
        mix: [{ op: "get", name: "stalled", weight: 1, params: { path: "/" } }],
        load: { workers: 1, concurrency: 4, iterations: 8 },
      }),
      { target: httpTarget, workerUrl: WORKER, runDir, self: SELF },
    );
    const m = result.measurements;
    assert.equal(m.total, 8);
    assert.equal(m.outcomes.timeout, 8);
    assert.equal(m.counters.request_timeout, 8);
    // Every one is in the histogram, none faster than its timeout.
    assert.equal(m.ops.stalled.latency.count, 8);
    assert.ok(
      m.ops.stalled.latency.min >= 99,
      `min ${m.ops.stalled.latency.min}`,
    );
  } finally {
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
    await Deno.remove(runDir, { recursive: true });
  }
});

Deno.test("httpTarget runs under an open-model executor", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("ok"),
  );
  const runDir = await Deno.makeTempDir();
  try {
    const result = await runPlan(
      testPlan({
        target: "http",
        options: { base_url: `http://127.0.0.1:${server.addr.port}` },
        mix: [{ op: "get", weight: 1, params: { path: "/k{n:1..9}" } }],
        load: {
          executor: "constant-arrival-rate",
          rate: 200,
          time_unit_ms: 1000,
          duration_ms: 500,
          concurrency: 20,
        },
      }),
      { target: httpTarget, workerUrl: WORKER, runDir },
    );
    const m = result.measurements;
    assert.equal(result.status, "completed", result.error);
    assert.equal(m.outcomes.ok + (m.dropped ?? 0), 100);
    assert.equal(m.counters.status_2xx, m.outcomes.ok);
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
});
