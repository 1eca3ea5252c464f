/**
 * The context server over real sockets on 127.0.0.1: its guards, its
 * versions, its dumps, its metrics, its stop, and each defect breaking the
 * property it is meant to break. Every loop is bounded in count; every raw
 * read has a deadline.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { openDatabase } from "../uow/mod.ts";
import { type ContextServer, DUMP_FORMATS, serve } from "./mod.ts";

/** One answered request. */
interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

async function call(
  server: ContextServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.token}`, ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (healthz, metrics)
  }
  return { status: res.status, body, text, headers: res.headers };
}

const put = (server: ContextServer, key: string, body: unknown) =>
  call(server, "PUT", `/v1/context/${encodeURIComponent(key)}`, { body });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A raw HTTP/1.1 exchange: writes `parts` (a delay in ms between them when
 * given), then reads one response (status line, headers, Content-Length
 * body). Gives up after `deadlineMs`.
 */
async function raw(
  port: number,
  parts: (string | Uint8Array)[],
  options: { gapMs?: number; deadlineMs?: number } = {},
): Promise<{ status: number; head: string; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), options.deadlineMs ?? 5000);
  try {
    for (const part of parts) {
      try {
        await conn.write(
          typeof part === "string" ? encoder.encode(part) : part,
        );
      } catch {
        break; // the server answered and closed before reading it all
      }
      if (options.gapMs) await sleep(options.gapMs);
    }
    return await readResponse(conn);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the deadline
    }
  }
}

async function readResponse(
  conn: Deno.Conn,
): Promise<{ status: number; head: string; body: string }> {
  let buffered = new Uint8Array(0);
  const chunk = new Uint8Array(64 * 1024);
  let headEnd = -1;
  let need = Infinity;
  for (;;) {
    if (headEnd < 0) {
      const text = decoder.decode(buffered);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        headEnd = encoder.encode(text.slice(0, end + 4)).length;
        const length = /content-length:\s*(\d+)/i.exec(text.slice(0, end));
        need = headEnd + (length ? Number(length[1]) : 0);
      }
    }
    if (buffered.length >= need) break;
    const n = await conn.read(chunk);
    if (n === null) break;
    const next = new Uint8Array(buffered.length + n);
    next.set(buffered);
    next.set(chunk.subarray(0, n), buffered.length);
    buffered = next;
  }
  const text = decoder.decode(buffered);
  const head = headEnd < 0 ? text : text.slice(0, text.indexOf("\r\n\r\n"));
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, body: headEnd < 0 ? "" : text.slice(head.length + 4) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function headOf(
  server: ContextServer,
  line: string,
  headers: Record<string, string | number> = {},
): string {
  const all: Record<string, string | number> = {
    host: `127.0.0.1:${server.port}`,
    authorization: `Bearer ${server.token}`,
    ...headers,
  };
  return `${line}\r\n${
    Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("")
  }\r\n`;
}

/** `tensile_requests_total` samples as `route method status` → count. */
function requestCounts(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern =
    /^tensile_requests_total\{route="([^"]*)",method="([^"]*)",status="(\d+)"\} (\d+)$/gm;
  for (const m of metrics.matchAll(pattern)) {
    counts.set(`${m[1]} ${m[2]} ${m[3]}`, Number(m[4]));
  }
  return counts;
}

Deno.test("serve() binds loopback only unless allowRemote", async () => {
  await assert.rejects(
    () => serve({ host: "0.0.0.0" }),
    (error: Error) =>
      error instanceof RangeError && /--allow-remote/.test(error.message),
  );
  await using server = await serve();
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(server.host, "127.0.0.1");
  assert.ok(server.token.length >= 32);
  await using other = await serve();
  assert.notEqual(other.token, server.token, "a random token per start");
});

Deno.test("ContextServer answers 401 without the right bearer token", async () => {
  await using server = await serve({ token: "s3cret" });
  for (
    const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer wrong" },
      { authorization: "Bearer s3cret2" },
      { authorization: "s3cret" },
    ]
  ) {
    const res = await fetch(`${server.url}/v1/context/a`, { headers });
    await res.body?.cancel();
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  }
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200, "healthz needs no token");
  assert.equal(await health.text(), "ok");
  assert.equal((await call(server, "GET", "/v1/context/a")).status, 404);
});

Deno.test("ContextServer refuses a foreign Host header with 403", async () => {
  await using server = await serve();
  const port = server.port;
  for (const host of ["evil.example", `evil.example:${port}`, "localhost:1"]) {
    const res = await raw(port, [
      headOf(server, "GET /healthz HTTP/1.1", { host, connection: "close" }),
    ]);
    assert.equal(res.status, 403, host);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const res = await raw(port, [
      headOf(server, "GET /healthz HTTP/1.1", { host, connection: "close" }),
    ]);
    assert.equal(res.status, 200, host);
  }
});

Deno.test("ContextServer with allowRemote also takes IP-literal Host headers", async () => {
  // 127.0.0.2 is loopback on Linux but not an address serve() calls
  // loopback, so it needs allowRemote: the remote rules, tested locally.
  if (Deno.build.os !== "linux") return;
  await using server = await serve({ host: "127.0.0.2", allowRemote: true });
  assert.equal(server.url, `http://127.0.0.2:${server.port}`);
  const answers: Record<string, number> = {};
  for (
    const host of [
      `127.0.0.2:${server.port}`,
      `10.1.2.3:${server.port}`,
      `[fe80::1]:${server.port}`,
      `evil.example:${server.port}`,
      "10.1.2.3:1",
    ]
  ) {
    const conn = await Deno.connect({
      hostname: "127.0.0.2",
      port: server.port,
    });
    try {
      await conn.write(encoder.encode(
        `GET /healthz HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`,
      ));
      answers[host] = (await readResponse(conn)).status;
    } finally {
      conn.close();
    }
  }
  assert.deepEqual(Object.values(answers), [200, 200, 200, 403, 403]);
});

Deno.test("ContextServer answers 413 to a large body without reading it whole", async (t) => {
  await using server = await serve({ maxBody: 1024 });
  await t.step(
    "Content-Length over the limit: 413 before the body",
    async () => {
      // Declares 10 MiB but sends only 100 bytes: an answer proves the server
      // did not wait for the rest.
      const res = await raw(server.port, [
        headOf(server, "PUT /v1/context/big HTTP/1.1", {
          "content-type": "application/json",
          "content-length": 10 * 1024 * 1024,
        }),
        "x".repeat(100),
      ]);
      assert.equal(res.status, 413);
      assert.equal(JSON.parse(res.body).max_body, 1024);
    },
  );
  await t.step("chunked body over the limit: 413 while streaming", async () => {
    const chunk = "x".repeat(400);
    const part = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    // 4 chunks (1600 bytes) then a pause that never ends the body.
    const res = await raw(server.port, [
      headOf(server, "PUT /v1/context/big HTTP/1.1", {
        "transfer-encoding": "chunked",
      }),
      part,
      part,
      part,
      part,
    ], { gapMs: 5 });
    assert.equal(res.status, 413);
  });
  await t.step("a body at the limit is taken", async () => {
    const value = "y".repeat(1024 - '{"value":""}'.length);
    const answer = await put(server, "fits", { value });
    assert.equal(answer.status, 201);
  });
  assert.equal((await call(server, "GET", "/v1/context/big")).status, 404);
});

Deno.test("serve() names the port when it is already in use", async () => {
  await using first = await serve();
  await assert.rejects(
    () => serve({ port: first.port }),
    (error: Error) =>
      error instanceof Deno.errors.AddrInUse &&
      error.message.includes(`port ${first.port} is already in use`),
  );
});

Deno.test("ContextServer refuses stale versions with 409 and 412", async () => {
  await using server = await serve();
  assert.deepEqual((await put(server, "k", { value: 1 })).body, {
    key: "k",
    version: 1,
  });
  assert.equal((await put(server, "k", { value: 2 })).status, 200);
  const stale = await put(server, "k", { value: 3, expected_version: 1 });
  assert.equal(stale.status, 409);
  assert.equal((stale.body as { current_version: number }).current_version, 2);
  const ok = await put(server, "k", { value: 3, expected_version: 2 });
  assert.deepEqual(ok.body, { key: "k", version: 3 });
  const ifMatch = await call(server, "PUT", "/v1/context/k", {
    body: { value: 4 },
    headers: { "if-match": '"2"' },
  });
  assert.equal(ifMatch.status, 412);
  const fresh = await call(server, "PUT", "/v1/context/k", {
    body: { value: 4 },
    headers: { "if-match": '"3"' },
  });
  assert.equal(fresh.status, 200);
  // Create-only: expected_version 0 on an existing key conflicts.
  assert.equal(
    (await put(server, "k", { value: 5, expected_version: 0 })).status,
    409,
  );
  assert.deepEqual((await call(server, "GET", "/v1/context/k")).body, {
    key: "k",
    value: 4,
    version: 4,
  });
  await t_versionsSurviveDelete(server);
});

async function t_versionsSurviveDelete(server: ContextServer) {
  const gone = await call(server, "DELETE", "/v1/context/k");
  assert.deepEqual(gone.body, { key: "k", version: 5 });
  assert.equal((await call(server, "GET", "/v1/context/k")).status, 404);
  assert.equal((await call(server, "DELETE", "/v1/context/k")).status, 404);
  const again = await put(server, "k", { value: "back" });
  assert.equal(again.status, 201, "created again");
  assert.equal((again.body as { version: number }).version, 6, "no reuse");
}

Deno.test("ContextServer rejects bad requests with 400 and unknown routes with 404", async () => {
  await using server = await serve();
  assert.equal(
    (await call(server, "PUT", "/v1/context/a", { body: 1 })).status,
    400,
  );
  assert.equal(
    (await call(server, "PUT", "/v1/context/a", { body: { val: 1 } })).status,
    400,
  );
  assert.equal(
    (await put(server, "a", { value: 1, expected_version: -1 })).status,
    400,
  );
  const res = await fetch(`${server.url}/v1/context/a`, {
    method: "PUT",
    headers: { authorization: `Bearer ${server.token}` },
    body: "{not json",
  });
  await res.body?.cancel();
  assert.equal(res.status, 400);
  assert.equal((await call(server, "GET", "/v1/nothing")).status, 404);
  assert.equal((await call(server, "PATCH", "/v1/context/a")).status, 405);
  assert.equal((await call(server, "GET", "/v1/context?limit=x")).status, 400);
});

Deno.test("ContextServer percent-decodes keys", async () => {
  await using server = await serve();
  assert.equal((await put(server, "a/b c", { value: 1 })).status, 201);
  assert.deepEqual((await call(server, "GET", "/v1/context/a/b%20c")).body, {
    key: "a/b c",
    value: 1,
    version: 1,
  });
  assert.equal((await call(server, "GET", "/v1/context/%E0%A4%A")).status, 400);
  assert.equal((await call(server, "GET", "/v1/context/")).status, 400);
});

Deno.test("ContextServer lists keys by prefix, sorted and limited", async () => {
  await using server = await serve();
  for (const key of ["b/2", "a/1", "b/1", "b/3", "c"]) {
    assert.equal((await put(server, key, { value: key })).status, 201);
  }
  assert.deepEqual((await call(server, "GET", "/v1/context?prefix=b/")).body, {
    keys: ["b/1", "b/2", "b/3"],
  });
  assert.deepEqual(
    (await call(server, "GET", "/v1/context?prefix=b/&limit=2")).body,
    { keys: ["b/1", "b/2"] },
  );
  assert.equal(
    ((await call(server, "GET", "/v1/context")).body as { keys: string[] }).keys
      .length,
    5,
  );
});

/** Parses a dump file back into `{version, entries}`. */
async function readDump(
  file: string,
  format: string,
): Promise<{ version: number; entries: { key: string; version: number }[] }> {
  const text = await Deno.readTextFile(file);
  switch (format) {
    case "json":
      return JSON.parse(text);
    case "yaml":
      return parseYaml(text);
    case "ndjson": {
      const [head, ...lines] = text.trimEnd().split("\n").map((line) =>
        JSON.parse(line)
      );
      assert.equal(head.keys, lines.length, "the header counts the entries");
      return { version: head.version, entries: lines };
    }
    default:
      throw new Error(`unknown format ${format}`);
  }
}

Deno.test("ContextServer dumps round-trip in every format", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await using server = await serve({ dumpDir: dir });
    for (let i = 0; i < 30; i++) {
      await put(server, `key-${i % 10}`, {
        value: { i, text: `é"\n${i}`, list: [i, null, true] },
      });
    }
    await call(server, "DELETE", "/v1/context/key-3");
    for (const format of DUMP_FORMATS) {
      await t.step(format, async () => {
        const answer = await call(server, "POST", `/v1/dump?format=${format}`);
        assert.equal(answer.status, 200);
        const { file, keys, version } = answer.body as {
          file: string;
          keys: number;
          version: number;
        };
        assert.equal(keys, 9);
        assert.equal(version, 31, "30 writes and a delete");
        assert.ok(file.startsWith(dir), "written into the dump folder");
        const dump = await readDump(file, format);
        assert.equal(dump.version, version);
        const expected = [];
        for (const key of ["key-0", "key-1", "key-2", "key-4", "key-5"]) {
          const got = await call(server, "GET", `/v1/context/${key}`);
          expected.push(got.body);
        }
        const byKey = new Map(dump.entries.map((e) => [e.key, e]));
        for (const entry of expected) {
          assert.deepEqual(byKey.get((entry as { key: string }).key), entry);
        }
        assert.equal(byKey.has("key-3"), false, "a deleted key is not dumped");
      });
    }
    assert.equal(
      (await call(server, "POST", "/v1/dump?format=xml")).status,
      400,
    );
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(names.length, 3, `no temp file left: ${names}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ContextServer refuses dumps without a dump folder", async () => {
  await using server = await serve();
  assert.equal((await call(server, "POST", "/v1/dump")).status, 503);
});

Deno.test("ContextServer dumps hold one moment under concurrent writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using server = await serve({ dumpDir: dir });
    // Keys are only ever written (never deleted) and every write adds 1 to
    // its key's version and to the store-wide sequence: in a consistent
    // dump the versions add up to the dump's version.
    let writing = true;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; writing && i < 2000; i++) {
        await put(server, `w${w}-${i % 25}`, { value: i });
      }
    });
    const dumps = [];
    for (let d = 0; d < 8; d++) {
      const format = DUMP_FORMATS[d % 3];
      const answer = await call(server, "POST", `/v1/dump?format=${format}`);
      assert.equal(answer.status, 200);
      const { file } = answer.body as { file: string };
      dumps.push(await readDump(file, format));
    }
    writing = false;
    await Promise.all(writers);
    for (const dump of dumps) {
      const sum = dump.entries.reduce((s, e) => s + e.version, 0);
      assert.equal(sum, dump.version);
    }
    assert.ok(
      new Set(dumps.map((d) => d.version)).size > 1,
      "the dumps saw writes between them",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ContextServer's /metrics counts every request by route, method and status", async () => {
  await using server = await serve();
  for (let i = 0; i < 7; i++) await put(server, `m${i}`, { value: i });
  for (let i = 0; i < 11; i++) await call(server, "GET", `/v1/context/m${i}`);
  await put(server, "m0", { value: 0, expected_version: 9 });
  const noToken = await fetch(`${server.url}/v1/context/m0`);
  await noToken.body?.cancel();
  await call(server, "GET", "/healthz");
  const metrics = (await call(server, "GET", "/metrics")).text;
  const counts = requestCounts(metrics);
  assert.deepEqual(
    Object.fromEntries(counts),
    {
      "/v1/context/:key PUT 201": 7,
      "/v1/context/:key PUT 409": 1,
      "/v1/context/:key GET 200": 7,
      "/v1/context/:key GET 404": 4,
      "/v1/context/:key GET 401": 1,
      "/healthz GET 200": 1,
    },
  );
  assert.match(
    metrics,
    /^tensile_request_duration_seconds_count\{route="\/v1\/context\/:key"\} 20$/m,
  );
  assert.match(
    metrics,
    /^tensile_request_duration_seconds_bucket\{route="\/v1\/context\/:key",le="\+Inf"\} 20$/m,
  );
  for (
    const name of [
      "process_resident_memory_bytes",
      "process_heap_used_bytes",
      "process_cpu_seconds_total",
    ]
  ) {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(metrics);
    assert.ok(m !== null && Number(m[1]) > 0, name);
  }
  assert.match(metrics, /^tensile_store_keys 7$/m);
});

Deno.test("ContextServer.close() lets requests in flight finish, then refuses new ones", async () => {
  const server = await serve();
  const port = server.port;
  const body = JSON.stringify({ value: "late" });
  // Three PUTs whose bodies arrive after close() has started.
  const conns = await Promise.all(
    [0, 1, 2].map(() => Deno.connect({ hostname: "127.0.0.1", port })),
  );
  try {
    for (const [i, conn] of conns.entries()) {
      await conn.write(encoder.encode(
        headOf(server, `PUT /v1/context/slow${i} HTTP/1.1`, {
          "content-length": body.length,
        }) + body.slice(0, 5),
      ));
    }
    while (server.inFlight < 3) await sleep(5);
    const closing = server.close();
    // Draining: a new request is refused while the three finish.
    const refused = await raw(port, [
      headOf(server, "GET /v1/context/slow0 HTTP/1.1"),
    ]);
    assert.equal(refused.status, 503);
    const answers = await Promise.all(conns.map(async (conn) => {
      await conn.write(encoder.encode(body.slice(5)));
      return await readResponse(conn);
    }));
    assert.deepEqual(answers.map((a) => a.status), [201, 201, 201]);
    assert.deepEqual(await closing, { forced: false, abandoned: 0 });
    await assert.rejects(
      () => Deno.connect({ hostname: "127.0.0.1", port }),
      Deno.errors.ConnectionRefused,
    );
  } finally {
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // closed by the server
      }
    }
  }
});

Deno.test("ContextServer.close() stops hard after the grace period", async () => {
  const server = await serve({ graceMs: 200 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    await conn.write(encoder.encode(
      headOf(server, "PUT /v1/context/never HTTP/1.1", {
        "content-length": 100,
      }) + '{"val',
    ));
    while (server.inFlight < 1) await sleep(5);
    const result = await server.close();
    assert.equal(result.forced, true);
    await assert.rejects(
      () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
      Deno.errors.ConnectionRefused,
    );
  } finally {
    conn.close();
  }
});

Deno.test("ContextServer with a database keeps keys and versions across restarts", async () => {
  const dir = await Deno.makeTempDir();
  const db = join(dir, "context.db");
  try {
    {
      await using server = await serve({ db });
      await put(server, "a", { value: { n: 1 } });
      await put(server, "a", { value: { n: 2 } });
      await put(server, "b", { value: "b" });
      await call(server, "DELETE", "/v1/context/b");
    }
    await using server = await serve({ db });
    assert.deepEqual((await call(server, "GET", "/v1/context/a")).body, {
      key: "a",
      value: { n: 2 },
      version: 2,
    });
    assert.equal((await call(server, "GET", "/v1/context/b")).status, 404);
    const back = await put(server, "b", { value: "again" });
    assert.deepEqual(back.body, { key: "b", version: 3 }, "after the delete");
    const metrics = (await call(server, "GET", "/metrics")).text;
    assert.match(metrics, /^tensile_store_version 5$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ContextServer with a database reloads every acknowledged write after concurrent writers", async () => {
  const dir = await Deno.makeTempDir();
  const db = join(dir, "context.db");
  try {
    const acked = new Map<string, { value: unknown; version: number }>();
    {
      await using server = await serve({ db });
      await Promise.all(Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 60; i++) {
          const key = `k${(w + i) % 8}`;
          const value = { w, i };
          const answer = await put(server, key, { value });
          assert.ok(answer.status === 200 || answer.status === 201);
          const { version } = answer.body as { version: number };
          if (version > (acked.get(key)?.version ?? 0)) {
            acked.set(key, { value, version });
          }
        }
      }));
    }
    await using server = await serve({ db });
    for (const [key, { value, version }] of acked) {
      assert.deepEqual((await call(server, "GET", `/v1/context/${key}`)).body, {
        key,
        value,
        version,
      });
    }
    assert.equal(acked.size, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve() refuses a database that is not a context database", async () => {
  const dir = await Deno.makeTempDir();
  const db = join(dir, "uow.db");
  try {
    await (await openDatabase(db)).close();
    await assert.rejects(
      () => serve({ db }),
      /Cannot load the context from .*uow\.db/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve() refuses a --db that is a directory as a bad option", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => serve({ db: dir }),
      (error: Error) => {
        // RangeError: `tensile serve` exits 2 (usage), not 3 (runtime).
        assert.ok(error instanceof RangeError, String(error));
        assert.equal(
          error.message,
          `Cannot use --db "${dir}": it is not a file (hint: give --db a file of its own, or a new one)`,
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ContextServer defects break their properties", async (t) => {
  await t.step("lost_write: acknowledged writes go missing", async () => {
    await using server = await serve({ defect: "lost_write" });
    let lost = 0;
    for (let i = 0; i < 300; i++) {
      const ack = await put(server, `k${i}`, { value: i });
      assert.equal(ack.status, 201);
      if ((await call(server, "GET", `/v1/context/k${i}`)).status === 404) {
        lost++;
      }
    }
    assert.equal(lost, 3);
  });
  await t.step("stale_version: a version that does not increase", async () => {
    await using server = await serve({ defect: "stale_version" });
    let last = 0;
    let stale = 0;
    for (let i = 0; i < 100; i++) {
      const { version } = (await put(server, "k", { value: i })).body as {
        version: number;
      };
      if (version <= last) stale++;
      last = version;
    }
    assert.ok(stale > 0);
  });
  await t.step("dump_skips_key: a dump misses a key", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await using server = await serve({
        dumpDir: dir,
        defect: "dump_skips_key",
      });
      for (let i = 0; i < 5; i++) await put(server, `k${i}`, { value: i });
      const answer = await call(server, "POST", "/v1/dump?format=json");
      const { file, keys } = answer.body as { file: string; keys: number };
      const dump = await readDump(file, "json");
      assert.equal(keys, 5);
      assert.equal(dump.entries.length, 4);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  await t.step(
    "metrics_undercount: requests missing from /metrics",
    async () => {
      await using server = await serve({ defect: "metrics_undercount" });
      for (let i = 0; i < 50; i++) await call(server, "GET", "/v1/context/x");
      const counts = requestCounts(
        (await call(server, "GET", "/metrics")).text,
      );
      assert.equal(counts.get("/v1/context/:key GET 404"), 45);
    },
  );
  await t.step("none of them without a defect", async () => {
    await using server = await serve({ defect: "none" });
    for (let i = 0; i < 200; i++) {
      const { version } = (await put(server, "k", { value: i })).body as {
        version: number;
      };
      assert.equal(version, i + 1);
    }
  });
});
