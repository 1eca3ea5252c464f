/**
 * HTTP load generator benchmark (`deno task bench`): tensile's `http`
 * target (the engine, one worker, the raw keep-alive client) against wrk,
 * autocannon and a `fetch` loop, each in its own process, on the same
 * minimal `Deno.serve` server in a process of its own, with the same
 * connections and the same duration, in three interleaved rounds (each
 * tool's median round is shown, with every round's req/s). Prints
 * requests/s, each tool's ratio to tensile, the p50/p99 each tool reports,
 * and CPU per 1k requests of the tool and of the server while it ran (on a
 * machine where client and server share cores, CPU per request is the
 * fairer efficiency figure); then the same for two threads (tensile
 * workers, wrk threads). A bare write/read loop shows the floor of any
 * Deno client.
 *
 * Then the memory step: 1 M requests through one worker must grow this
 * process's RSS by less than 20 MB (after a forced GC, after a warm run).
 *
 * `deno run -A --v8-flags=--expose-gc bench/http_client.ts [seconds]
 * [connections] [--memory-only|--no-memory]`. wrk is the Debian package,
 * installed with apt-get when missing (skipped with a message if that is
 * impossible).
 * @module
 */
import { fileURLToPath } from "node:url";
import { httpTarget } from "../src/components/http/mod.ts";
import { HttpClient } from "../src/components/http/mod.ts";
import { runPlan } from "../src/engine/mod.ts";
import { testPlan } from "../src/engine/testdata/plan.ts";

const SELF = fileURLToPath(import.meta.url);
/** Rounds per tool, interleaved; the median round is reported. */
const ROUNDS = 3;
const WORKER = new URL("../src/worker.ts", import.meta.url);

/** What one tool measured. */
interface Figures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** CPU seconds the tool's process used over its load (user + system). */
  cpu_s: number;
  /** tensile: CPU seconds of the whole run (worker start included). */
  run_cpu_s?: number;
  /** CPU seconds the server used while this tool ran (set by compare()). */
  server_cpu_s?: number;
}

const [mode, ...rest] = Deno.args;
switch (mode) {
  case "--server":
    serve();
    break;
  case "--tensile":
    print(
      await tensile(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3])),
    );
    break;
  case "--raw":
    print(await rawLoop(rest[0], Number(rest[1]), Number(rest[2])));
    break;
  case "--bare":
    print(await bareLoop(rest[0], Number(rest[1]), Number(rest[2])));
    break;
  case "--fetch":
    print(await fetchLoop(rest[0], Number(rest[1]), Number(rest[2])));
    break;
  case "--autocannon":
    print(await autocannon(rest[0], Number(rest[1]), Number(rest[2])));
    break;
  default:
    await main(Deno.args);
}

function print(figures: Figures): void {
  console.log(JSON.stringify(figures));
}

/** The server under every tool: the smallest Deno.serve handler. */
function serve(): void {
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => console.log(JSON.stringify({ port })),
    },
    () => new Response("hello"),
  );
  Deno.addSignalListener("SIGTERM", () => server.shutdown());
}

async function main(args: string[]): Promise<void> {
  const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
  const connections = Number(args.filter((a) => /^\d+$/.test(a))[1] ?? 64);
  if (!args.includes("--memory-only")) {
    // One thread each, then two (tensile workers, wrk threads).
    await compare(seconds, connections, 1);
    if (!args.includes("--one-thread")) {
      await compare(seconds, connections, 2);
    }
  }
  if (!args.includes("--no-memory")) await memory(1_000_000, connections);
}

async function compare(
  seconds: number,
  connections: number,
  threads: number,
): Promise<void> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, "--server"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the bench server exited");
    first += value;
  }
  reader.releaseLock();
  server.stdout.cancel().catch(() => {});
  const { port } = JSON.parse(first);
  const url = `http://127.0.0.1:${port}/`;
  console.log(
    `http_client: ${connections} connections, ${seconds} s per tool, tensile ${threads} worker(s) and wrk ${threads} thread(s) (autocannon and fetch: 1), server ${url} (Deno.serve, own process); one load process at a time`,
  );
  const rounds: Record<string, (Figures | string)[]> = {};
  const sub = async (flag: string) =>
    await child(
      [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        SELF,
        flag,
        url,
        String(seconds),
        String(connections),
        String(threads),
      ],
    );
  // Warm the server's JIT so the first tool is not penalised.
  await sub("--raw").catch(() => {});
  // Rounds with the tools interleaved, so a burst of other work on this
  // shared machine costs every tool alike; the server's CPU is read around
  // each tool's run.
  const keep = async (
    name: string,
    run: () => Promise<Figures | string>,
  ) => {
    const before = processCpu(server.pid);
    let figures = await run().catch((e) => `skipped: ${e.message}`);
    if (typeof figures !== "string") {
      figures = { ...figures, server_cpu_s: processCpu(server.pid) - before };
    }
    (rounds[name] ??= []).push(figures);
  };
  for (let round = 0; round < ROUNDS; round++) {
    await keep("tensile", () => sub("--tensile"));
    if (threads === 1) {
      await keep("raw client loop", () => sub("--raw"));
      await keep("bare write/read", () => sub("--bare"));
    }
    await keep("wrk", () => wrk(url, seconds, connections, threads));
    if (threads === 1) {
      await keep("autocannon", () => sub("--autocannon"));
      await keep("fetch", () => sub("--fetch"));
    }
  }
  server.kill("SIGTERM");
  await server.status;
  const results: Record<string, Figures | string> = {};
  for (const [name, all] of Object.entries(rounds)) results[name] = median(all);
  const base = results.tensile as Figures;
  console.log(
    "tool                 req/s   p50 ms   p99 ms  tensile/tool  cpu ms/1k  server cpu ms/1k  rounds req/s",
  );
  const perK = (cpu: number, r: Figures) => fmt(cpu * 1e6 / r.requests, 2);
  for (const [name, r] of Object.entries(results)) {
    if (typeof r === "string") {
      console.log(`${name.padEnd(18)} ${r}`);
      continue;
    }
    const each = rounds[name].map((f) =>
      typeof f === "string" ? "-" : fmt(f.rps, 0)
    ).join(" ");
    console.log(
      `${name.padEnd(18)} ${fmt(r.rps, 0).padStart(7)} ${
        fmt(r.p50_ms, 3).padStart(8)
      } ${fmt(r.p99_ms, 3).padStart(8)}  ${
        (name === "tensile" ? "" : (base.rps / r.rps).toFixed(2) + "x")
          .padStart(12)
      }  ${perK(r.cpu_s, r).padStart(9)}  ${
        perK(r.server_cpu_s ?? 0, r).padStart(16)
      }  ${each}`,
    );
  }
  const wrkFigures = results.wrk;
  if (typeof wrkFigures !== "string") {
    const ratio = base.rps / wrkFigures.rps;
    const cpu = (r: Figures) => r.cpu_s / r.requests;
    console.log(
      `http_client: tensile / wrk = ${
        ratio.toFixed(2)
      }x req/s (target >= 0.90x) → ${
        ratio >= 0.9 ? "ok" : "BELOW TARGET"
      }; CPU per request tensile / wrk = ${
        (cpu(base) / cpu(wrkFigures)).toFixed(2)
      }x`,
    );
  }
}

/** The round with the median req/s (skips count as lowest). */
function median(all: (Figures | string)[]): Figures | string {
  const ok = all.filter((f): f is Figures => typeof f !== "string")
    .sort((a, b) => a.rps - b.rps);
  if (ok.length === 0) return all[0];
  return ok[Math.floor(ok.length / 2)];
}

/** User + system CPU seconds of a process (Linux /proc; 0 elsewhere). */
function processCpu(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) in parentheses.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime: fields 14 and 15 (1-based), in 1/100 s.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function fmt(value: number, digits: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

async function child(args: string[]): Promise<Figures> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop();
  if (!out.success || !text) {
    throw new Error(new TextDecoder().decode(out.stderr).trim().slice(-1500));
  }
  return JSON.parse(text);
}

/** tensile itself: the engine, one worker, the http target. */
async function tensile(
  url: string,
  seconds: number,
  connections: number,
  workers: number,
): Promise<Figures> {
  const runDir = await Deno.makeTempDir();
  try {
    const cpu0 = processCpu("self");
    const result = await runPlan(
      testPlan({
        target: "http",
        options: {
          base_url: url.replace(/\/$/, ""),
          connections: connections / workers,
        },
        mix: [{ op: "get", weight: 1, params: { path: "/" } }],
        load: {
          executor: "constant-workers",
          workers,
          concurrency: connections / workers,
          duration_ms: seconds * 1000,
          warmup: 0,
          max_duration_ms: seconds * 1000 + 30_000,
        },
      }),
      { target: httpTarget, workerUrl: WORKER, runDir },
    );
    const m = result.measurements;
    if (m.outcomes.ok !== m.total) {
      throw new Error(`${m.total - m.outcomes.ok} requests failed`);
    }
    return {
      rps: m.throughput,
      p50_ms: m.latency.p50,
      p99_ms: m.latency.p99,
      requests: m.total,
      // The load's CPU, from the engine's per-interval samples of this
      // process (like the loops below; the worker's start, about 0.3 s of
      // CPU, is left out): the whole run's is printed under "run cpu".
      cpu_s: m.timeseries.reduce(
        (sum, i) =>
          sum + (i.throughput > 0 ? i.cpu / 100 * i.ops / i.throughput : 0),
        0,
      ),
      run_cpu_s: processCpu("self") - cpu0,
    };
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}

/** The raw client alone, no engine: the client's own ceiling. */
async function rawLoop(
  url: string,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const { hostname, port } = new URL(url);
  await using client = new HttpClient({
    hostname,
    port: Number(port),
    connections,
    timeoutMs: 10_000,
  });
  return await loop(seconds, connections, async () => {
    const res = await client.request({ method: "GET", path: "/" });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  });
}

/** `fetch` with the same concurrency (keep-alive by its own pool). */
async function fetchLoop(
  url: string,
  seconds: number,
  connections: number,
): Promise<Figures> {
  return await loop(seconds, connections, async () => {
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  });
}

/** `connections` tasks calling `one` until `seconds` pass; latencies kept. */
async function loop(
  seconds: number,
  connections: number,
  one: (task: number) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  const cpu0 = processCpu("self");
  await Promise.all(
    Array.from({ length: connections }, async (_, task) => {
      let t0 = performance.now();
      while (t0 < end && latencies.length < 50_000_000) {
        await one(task);
        const t1 = performance.now();
        latencies.push(t1 - t0);
        t0 = t1;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu_s = processCpu("self") - cpu0;
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    rps: latencies.length / elapsed,
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    requests: latencies.length,
    cpu_s,
  };
}

/**
 * The floor for any Deno client: per connection, write one constant
 * request and read into one buffer until a whole response (of the bench
 * server's known size) is in. No parsing, no timeouts, no pool.
 */
async function bareLoop(
  url: string,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const { hostname, port } = new URL(url);
  const request = new TextEncoder().encode(
    `GET / HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`,
  );
  const conns = await Promise.all(
    Array.from(
      { length: connections },
      () => Deno.connect({ hostname, port: Number(port) }),
    ),
  );
  // One exchange first, to learn the response's size.
  const probe = new Uint8Array(64 * 1024);
  await conns[0].write(request);
  let size = 0;
  for (;;) {
    size += (await conns[0].read(probe.subarray(size))) ?? 0;
    const head = new TextDecoder().decode(probe.subarray(0, size));
    const end = head.indexOf("\r\n\r\n");
    const length = /content-length: *(\d+)/i.exec(head);
    if (end >= 0 && length && size >= end + 4 + Number(length[1])) break;
  }
  const bufs = conns.map(() => new Uint8Array(64 * 1024));
  try {
    return await loop(seconds, connections, async (task) => {
      const conn = conns[task];
      const buf = bufs[task];
      await conn.write(request);
      let got = 0;
      while (got < size) {
        const n = await conn.read(buf.subarray(got));
        if (n === null) throw new Error("closed");
        got += n;
      }
    });
  } finally {
    for (const conn of conns) conn.close();
  }
}

async function autocannon(
  url: string,
  seconds: number,
  connections: number,
): Promise<Figures> {
  const { default: run } = await import("autocannon");
  const cpu0 = processCpu("self");
  const result = await run({ url, connections, duration: seconds });
  return {
    cpu_s: processCpu("self") - cpu0,
    rps: result.requests.average,
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
  };
}

async function wrk(
  url: string,
  seconds: number,
  connections: number,
  threads: number,
): Promise<Figures | string> {
  if (!(await has("wrk"))) {
    const install = await new Deno.Command("apt-get", {
      args: ["install", "-y", "wrk"],
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "null",
    }).output().catch(() => undefined);
    if (!install?.success || !(await has("wrk"))) {
      return "skipped: wrk is not installed and apt-get install wrk failed";
    }
  }
  // As many threads as tensile runs workers. Through a shell that prints,
  // after wrk exits, the CPU of its waited-for children (wrk).
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      'wrk "$@"; echo "cpu: $(cat /proc/$$/stat)"',
      "sh",
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      url,
    ],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const stat = /^cpu: .*\) (.*)$/m.exec(text)?.[1].split(" ");
  // cutime and cstime: fields 16 and 17 (1-based), in 1/100 s.
  const cpu_s = stat ? (Number(stat[13]) + Number(stat[14])) / 100 : 0;
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)/m.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !p50 || !p99) return `skipped: cannot read wrk's output`;
  const ms = (m: RegExpExecArray) =>
    Number(m[1]) * (m[2] === "us" ? 1e-3 : m[2] === "s" ? 1000 : 1);
  return {
    rps: Number(rps[1]),
    p50_ms: ms(p50),
    p99_ms: ms(p99),
    requests: Number(total?.[1] ?? 0),
    cpu_s,
  };
}

async function has(command: string): Promise<boolean> {
  try {
    return (await new Deno.Command("which", { args: [command], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

/**
 * 1 M requests through one worker, against a server in a child process:
 * the RSS of this process (engine, worker, client) from the first second of
 * the measured load to its last must grow < 20 MB. A 500k-request warmup
 * runs first in the same worker: a fresh worker's RSS takes one step of
 * about 26 MB at 300-400k requests (V8 sizing its young generation, the heap
 * in use flat) and is flat after it; the figure from before the warmup to
 * after the run is printed too.
 */
async function memory(requests: number, connections: number): Promise<void> {
  const LIMIT_MB = 20;
  const WARMUP = 500_000;
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SELF, "--server"],
    stdout: "piped",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let first = "";
  while (!first.includes("\n")) first += (await reader.read()).value ?? "";
  reader.releaseLock();
  server.stdout.cancel().catch(() => {});
  const url = `http://127.0.0.1:${JSON.parse(first).port}`;
  const runDir = await Deno.makeTempDir();
  const gc = () => (globalThis as { gc?: () => void }).gc?.();
  gc();
  const before = Deno.memoryUsage().rss;
  const result = await runPlan(
    testPlan({
      target: "http",
      options: { base_url: url, connections },
      mix: [{ op: "get", weight: 1, params: { path: "/k{key:1..1000}" } }],
      load: {
        workers: 1,
        concurrency: connections,
        iterations: requests,
        warmup: WARMUP,
        max_duration_ms: 600_000,
      },
    }),
    { target: httpTarget, workerUrl: WORKER, runDir, sampleMs: 1000 },
  );
  gc();
  const after = Deno.memoryUsage().rss;
  server.kill("SIGTERM");
  await server.status;
  await Deno.remove(runDir, { recursive: true });
  const m = result.measurements;
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const series = m.timeseries;
  console.log(
    `http memory: rss per second ${
      series.map((i) => mb(i.rss)).join(" ")
    } MB; heap (all isolates) ${series.map((i) => mb(i.heap)).join(" ")} MB`,
  );
  const growth = (series.at(-1)!.rss - series[0].rss) / 1024 / 1024;
  console.log(
    `http memory: ${m.total.toLocaleString("en-US")} requests (${
      m.outcomes.ok.toLocaleString("en-US")
    } ok) through 1 worker in ${m.duration_s.toFixed(1)} s after ${
      WARMUP.toLocaleString("en-US")
    } warmup: rss ${mb(series[0].rss)} MB → ${
      mb(series.at(-1)!.rss)
    } MB: growth ${growth.toFixed(1)} MB, limit ${LIMIT_MB} MB → ${
      growth < LIMIT_MB ? "ok" : "TOO MUCH"
    } (process before warmup ${mb(before)} MB, after the run ${mb(after)} MB)`,
  );
  if (growth >= LIMIT_MB) Deno.exit(1);
}
