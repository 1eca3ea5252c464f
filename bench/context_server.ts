/**
 * The context server's GET throughput against a bare `Deno.serve` handler
 * that answers the same bodies from a `Map` (`deno task bench`; goal
 * ≥ 0.7×).
 *
 * Each server runs in a process of its own (the bare one is this file run
 * with `--bare`), so the load generator here never shares a thread with
 * it. The generator is a small raw-socket HTTP/1.1 keep-alive client:
 * `CONNECTIONS` connections, each sending one GET of a key drawn from
 * `KEYS` and reading its whole response before the next. Rounds alternate
 * between the two servers (bare, context, bare, context, ...) so a noisy
 * neighbour hits both alike; the ratio is of the medians.
 *
 * Prints figures only: no assertion, so a loaded machine cannot fail it.
 * Run it under the shared lock: `flock /tmp/tensile-heavy.lock deno run
 * --allow-all bench/context_server.ts`.
 * @module
 */

const CONNECTIONS = 32;
const KEYS = 100;
const ROUNDS = 5;
const WARMUP_MS = 1000;
const ROUND_MS = 3000;

/** The value stored under every key (a small JSON document). */
function valueOf(i: number) {
  return { id: i, name: `user-${i}`, tags: ["a", "b"], score: i * 1.5 };
}

const encoder = new TextEncoder();

/** `--bare`: the baseline server; prints `{"url"}` and serves until killed. */
function bareServer(): void {
  const bodies = new Map<string, string>();
  for (let i = 0; i < KEYS; i++) {
    const key = `k${i}`;
    // The same body the context server answers: {"key","value","version"}.
    bodies.set(key, JSON.stringify({ key, value: valueOf(i), version: 1 }));
  }
  const headers = { "content-type": "application/json" };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, (req) => {
    const url = req.url;
    const body = bodies.get(url.slice(url.lastIndexOf("/") + 1));
    return body === undefined
      ? new Response("{}", { status: 404, headers })
      : new Response(body, { headers });
  });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}` }));
}

/** A server process and what it printed first. */
interface Spawned {
  child: Deno.ChildProcess;
  url: string;
  token: string | undefined;
}

async function spawnServer(args: string[]): Promise<Spawned> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`server ${args.join(" ")} exited early`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const first = JSON.parse(text.split("\n")[0]);
  return { child, url: first.url, token: first.token };
}

async function stop(server: Spawned): Promise<void> {
  server.child.kill("SIGTERM");
  await server.child.status;
}

/** Puts every key's value into the context server. */
async function fill(server: Spawned): Promise<void> {
  for (let i = 0; i < KEYS; i++) {
    const res = await fetch(`${server.url}/v1/context/k${i}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ value: valueOf(i) }),
    });
    if (res.status !== 201) throw new Error(`PUT k${i}: ${res.status}`);
    await res.body?.cancel();
  }
}

const CRLF2 = [13, 10, 13, 10];

/** Where `\r\n\r\n` starts in `buf[from, end)`, or -1. */
function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 3 < end; i++) {
    if (
      buf[i] === CRLF2[0] && buf[i + 1] === CRLF2[1] &&
      buf[i + 2] === CRLF2[2] && buf[i + 3] === CRLF2[3]
    ) return i;
  }
  return -1;
}

const LENGTH = encoder.encode("content-length:");

/** The Content-Length in the head `buf[from, end)` (lower-case name). */
function contentLength(buf: Uint8Array, from: number, end: number): number {
  outer: for (let i = from; i + LENGTH.length < end; i++) {
    for (let j = 0; j < LENGTH.length; j++) {
      if ((buf[i + j] | 0x20) !== (LENGTH[j] | 0x20)) continue outer;
    }
    let n = 0;
    for (let k = i + LENGTH.length; k < end; k++) {
      const c = buf[k];
      if (c === 32) continue;
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
    }
    return n;
  }
  return 0;
}

/**
 * One keep-alive connection sending GETs until `deadline`; returns how many
 * 200 responses it read (anything else throws).
 */
async function connectionLoop(
  server: Spawned,
  deadline: number,
  seed: number,
): Promise<number> {
  const { hostname, port } = new URL(server.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const auth = server.token === undefined
    ? ""
    : `authorization: Bearer ${server.token}\r\n`;
  const requests = Array.from({ length: KEYS }, (_, i) =>
    encoder.encode(
      `GET /v1/context/k${i} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${auth}\r\n`,
    ));
  const buf = new Uint8Array(256 * 1024);
  let done = 0;
  let x = seed | 1;
  try {
    while (performance.now() < deadline) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      await conn.write(requests[(x >>> 0) % KEYS]);
      let end = 0;
      let head = -1;
      let need = Infinity;
      while (end < need) {
        const n = await conn.read(buf.subarray(end));
        if (n === null) throw new Error("the server closed the connection");
        const from = Math.max(0, end - 3);
        end += n;
        if (head < 0) {
          head = headEnd(buf, from, end);
          if (head >= 0) need = head + 4 + contentLength(buf, 0, head);
        }
      }
      // "HTTP/1.1 200": the status digits at bytes 9..11.
      if (buf[9] !== 50 || buf[10] !== 48 || buf[11] !== 48) {
        throw new Error(
          `unexpected response: ${
            new TextDecoder().decode(buf.subarray(0, 40))
          }`,
        );
      }
      done++;
    }
  } finally {
    conn.close();
  }
  return done;
}

/** User + system CPU seconds of process `pid` so far (Linux), or NaN. */
function cpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** One round's figures. */
interface Round {
  /** GETs answered per second. */
  rate: number;
  /** Server CPU per GET, in µs (NaN off Linux). */
  cpuUs: number;
}

/** GETs per second over `ms` on `CONNECTIONS` connections. */
async function measure(server: Spawned, ms: number): Promise<Round> {
  const cpu = cpuSeconds(server.child.pid);
  const start = performance.now();
  const deadline = start + ms;
  const counts = await Promise.all(
    Array.from(
      { length: CONNECTIONS },
      (_, c) => connectionLoop(server, deadline, c + 1),
    ),
  );
  const elapsed = performance.now() - start;
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    rate: total / (elapsed / 1000),
    cpuUs: (cpuSeconds(server.child.pid) - cpu) / total * 1e6,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  const main = new URL("../main.ts", import.meta.url).pathname;
  const bare = await spawnServer(["run", "--allow-net", self, "--bare"]);
  const context = await spawnServer([
    "run",
    "--allow-all",
    main,
    "serve",
    "--port",
    "0",
  ]);
  try {
    await fill(context);
    await measure(bare, WARMUP_MS);
    await measure(context, WARMUP_MS);
    const rounds = { bare: [] as Round[], context: [] as Round[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.bare.push(await measure(bare, ROUND_MS));
      rounds.context.push(await measure(context, ROUND_MS));
    }
    const rate = (rs: Round[]) => median(rs.map((r) => r.rate));
    const cpu = (rs: Round[]) => median(rs.map((r) => r.cpuUs));
    const fmt = (r: number) => `${Math.round(r).toLocaleString("en-US")}/s`;
    console.log(
      `context server GET vs bare Deno.serve + Map (${CONNECTIONS} keep-alive connections, ${KEYS} keys, ${ROUNDS} × ${
        ROUND_MS / 1000
      } s alternating rounds, medians)`,
    );
    for (const name of ["bare", "context"] as const) {
      console.log(
        `  ${name.padEnd(8)} ${fmt(rate(rounds[name]))}, server CPU ${
          cpu(rounds[name]).toFixed(1)
        } µs/GET  (rounds ${rounds[name].map((r) => fmt(r.rate)).join(", ")})`,
      );
    }
    console.log(
      `  ratio    throughput ${
        (rate(rounds.context) / rate(rounds.bare)).toFixed(2)
      }× (goal ≥ 0.70×); CPU per GET, bare ÷ context: ${
        (cpu(rounds.bare) / cpu(rounds.context)).toFixed(2)
      }×`,
    );
  } finally {
    await stop(bare);
    await stop(context);
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--bare")) bareServer();
  else await main();
}
