import assert from "node:assert/strict";
import { HttpClient, HttpFailure } from "./_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A raw TCP server on 127.0.0.1 that hands every accepted connection to
 * `handle`; closing it closes the listener and every connection.
 */
function rawServer(
  handle: (conn: Deno.TcpConn) => Promise<void>,
): { port: number; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  const tasks: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        tasks.push(
          handle(conn).catch(() => {}).finally(() => {
            conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }),
        );
      }
    } catch { /* listener closed */ }
  })();
  return {
    port: listener.addr.port,
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
      await Promise.all(tasks);
    },
  };
}

/** Reads until a whole request head (and no body) has arrived. */
async function readHead(conn: Deno.TcpConn): Promise<string | null> {
  const buf = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) return null;
    text += decoder.decode(buf.subarray(0, n));
  }
  return text;
}

async function write(conn: Deno.TcpConn, text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

function client(port: number, timeoutMs = 2000, connections = 1) {
  return new HttpClient({
    hostname: "127.0.0.1",
    port,
    connections,
    timeoutMs,
  });
}

async function failure(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HttpFailure, `not an HttpFailure: ${error}`);
    return error;
  }
  assert.fail("the request succeeded");
}

Deno.test("HttpClient reads Content-Length, chunked and until-close bodies split across reads", async () => {
  const server = rawServer(async (conn) => {
    while (true) {
      const head = await readHead(conn);
      if (head === null) return;
      const path = head.split(" ")[1];
      if (path === "/length") {
        await write(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe");
        await new Promise((r) => setTimeout(r, 5));
        await write(conn, "llo");
      } else if (path === "/chunked") {
        await write(
          conn,
          "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
        );
        await new Promise((r) => setTimeout(r, 5));
        await write(conn, "c\r\n2;ext=1\r\nde\r\n0\r\n\r\n");
      } else {
        await write(conn, "HTTP/1.0 200 OK\r\n\r\nto the end");
        return; // closes: the body ends with the connection
      }
    }
  });
  await using http = client(server.port);
  const length = await http.request({
    method: "GET",
    path: "/length",
    keepBody: true,
  });
  assert.equal(length.status, 200);
  assert.equal(decoder.decode(length.body), "hello");
  const chunked = await http.request({
    method: "GET",
    path: "/chunked",
    keepBody: true,
  });
  assert.equal(chunked.status, 201);
  assert.equal(decoder.decode(chunked.body), "abcde");
  const close = await http.request({
    method: "GET",
    path: "/close",
    keepBody: true,
  });
  assert.equal(decoder.decode(close.body), "to the end");
  assert.equal(http.connects, 1, "keep-alive reused one connection");
  await http.close();
  await server.close();
});

Deno.test("HttpClient parses a head that arrives a few bytes at a time, after an interim 100", async () => {
  const answer = "HTTP/1.1 100 Continue\r\n\r\n" +
    "HTTP/1.1 200 OK\r\nX-Long-Header: a:b:c\r\nCONTENT-LENGTH: 2\r\n" +
    "Connection: keep-alive\r\n\r\nok";
  const server = rawServer(async (conn) => {
    while (true) {
      const head = await readHead(conn);
      if (head === null) return;
      // Splits land inside lines and between CR and LF.
      for (let at = 0; at < answer.length; at += 3) {
        await write(conn, answer.slice(at, at + 3));
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  });
  await using http = client(server.port);
  for (let i = 0; i < 2; i++) {
    const res = await http.request({
      method: "GET",
      path: "/",
      keepBody: true,
    });
    assert.equal(res.status, 200);
    assert.equal(decoder.decode(res.body), "ok");
  }
  assert.equal(http.connects, 1, "keep-alive reused one connection");
  await http.close();
  await server.close();
});

Deno.test("HttpClient counts a server that closes before answering as reset", async () => {
  const server = rawServer(async (conn) => {
    await readHead(conn);
  });
  await using http = client(server.port);
  const error = await failure(http.request({ method: "POST", path: "/" }));
  assert.equal(error.kind, "reset");
  assert.equal(error.outcome, "error");
  await http.close();
  await server.close();
});

Deno.test("HttpClient counts a server that closes mid-response as reset", async () => {
  const server = rawServer(async (conn) => {
    await readHead(conn);
    await write(
      conn,
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part",
    );
  });
  await using http = client(server.port);
  const error = await failure(http.request({ method: "GET", path: "/" }));
  assert.equal(error.kind, "reset");
  assert.match(error.message, /mid-response/);
  await http.close();
  await server.close();
});

Deno.test("HttpClient counts a connection reset (unread data, then close) as reset", async () => {
  const server = rawServer(async (_conn) => {
    // Closing with the request unread makes the kernel answer with RST.
    await new Promise((r) => setTimeout(r, 20));
  });
  await using http = client(server.port);
  const error = await failure(
    http.request({ method: "PUT", path: "/", body: new Uint8Array(64 * 1024) }),
  );
  assert.equal(error.kind, "reset");
  await http.close();
  await server.close();
});

Deno.test("HttpClient fails a stalled request at its timeout as request_timeout", async () => {
  let stalled!: () => void;
  const release = new Promise<void>((resolve) => stalled = resolve);
  const server = rawServer(async (conn) => {
    await readHead(conn);
    await release; // never answers while the client waits
  });
  await using http = client(server.port, 150);
  const start = performance.now();
  const error = await failure(http.request({ method: "GET", path: "/" }));
  const waited = performance.now() - start;
  assert.equal(error.kind, "request_timeout");
  assert.equal(error.outcome, "timeout");
  // It fails at the deadline, never before it (the latency is the timeout).
  assert.ok(waited >= 149, `failed after ${waited} ms, before the timeout`);
  stalled();
  await http.close();
  await server.close();
});

Deno.test("HttpClient counts garbage as protocol_error", async (t) => {
  const answers: Record<string, string> = {
    "not HTTP": "HELLO THERE\r\n\r\n",
    "a bad status": "HTTP/1.1 2x0 OK\r\n\r\n",
    "a bad content-length": "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
    "a header without a colon": "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    "a bad chunk size":
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  for (const [name, answer] of Object.entries(answers)) {
    await t.step(name, async () => {
      const server = rawServer(async (conn) => {
        await readHead(conn);
        await write(conn, answer);
        await readHead(conn); // holds the connection open
      });
      await using http = client(server.port);
      const error = await failure(http.request({ method: "GET", path: "/" }));
      assert.equal(error.kind, "protocol_error", error.message);
      await http.close();
      await server.close();
    });
  }
});

Deno.test("HttpClient counts a closed port as connect_refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await using http = client(port);
  const error = await failure(http.request({ method: "GET", path: "/" }));
  assert.equal(error.kind, "connect_refused");
});

Deno.test("HttpClient reconnects after Connection: close and retries an idempotent request on a connection closed while idle", async () => {
  let served = 0;
  const server = rawServer(async (conn) => {
    const head = await readHead(conn);
    if (head === null) return;
    served++;
    const close = head.includes("GET /close ");
    await write(
      conn,
      `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${
        close ? "Connection: close\r\n" : ""
      }\r\nok`,
    );
    // Either way the server closes after one response.
  });
  await using http = client(server.port);
  for (let i = 0; i < 3; i++) {
    const res = await http.request({ method: "GET", path: "/close" });
    assert.equal(res.status, 200);
  }
  // No Connection: close: the client learns it only on the next request,
  // which it sends again on a new connection (GET is idempotent).
  for (let i = 0; i < 3; i++) {
    const res = await http.request({ method: "GET", path: "/quiet" });
    assert.equal(res.status, 200);
  }
  assert.equal(served, 6);
  assert.equal(http.connects, 6);
  await http.close();
  await server.close();
});

Deno.test("HttpClient queues tasks beyond its connections and keeps them alive", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("x"),
  );
  await using http = client(server.addr.port, 2000, 3);
  const statuses = await Promise.all(
    Array.from(
      { length: 50 },
      () => http.request({ method: "GET", path: "/" }),
    ),
  );
  assert.ok(statuses.every((res) => res.status === 200));
  assert.equal(http.connects, 3);
});

Deno.test("HttpClient sends a body with its length, and a path beyond ASCII as UTF-8", async () => {
  const seen: string[] = [];
  const server = rawServer(async (conn) => {
    const buf = new Uint8Array(4096);
    let text = "";
    while (!/\r\n\r\n[\s\S]{7}$/.test(text)) {
      const n = await conn.read(buf);
      if (n === null) return;
      text += decoder.decode(buf.subarray(0, n));
    }
    seen.push(text);
    await write(conn, "HTTP/1.1 204 No Content\r\n\r\n");
    await readHead(conn);
  });
  await using http = client(server.port);
  const res = await http.request({
    method: "PUT",
    path: "/k/é",
    body: encoder.encode('{"a":1}'),
  });
  assert.equal(res.status, 204);
  assert.match(seen[0], /^PUT \/k\/é HTTP\/1\.1\r\n/);
  assert.match(seen[0], /\r\ncontent-length: 7\r\n\r\n\{"a":1\}$/);
  await http.close();
  await server.close();
});
