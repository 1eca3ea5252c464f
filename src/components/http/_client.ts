/**
 * A raw HTTP/1.1 keep-alive client on `Deno.connect`, built to stay far from
 * being the bottleneck: the header bytes that never change are encoded once,
 * each connection reuses one write buffer and one read buffer, and a small
 * incremental parser reads the status line, the headers, and a
 * `Content-Length`, chunked or read-until-close body. No pipelining: one
 * request in flight per connection; tasks beyond the pool's size wait for a
 * free connection (that wait is part of their latency).
 *
 * `fetch` measured about 4x slower on loopback here (see bench/http_client.ts),
 * and everything a load target needs (plain HTTP/1.1 to a chosen host) is
 * covered, so this is the only client.
 *
 * Every failure is an {@link HttpFailure} with its class (k6-style): a
 * refused or timed-out connect, a reset, a request timeout, a protocol error.
 * A request that times out rejects at its deadline (one lazily re-armed timer
 * per connection, not one per request), so its latency is recorded at the
 * timeout.
 * @module
 */

/** How a request failed before a whole response arrived. */
export const FAILURE_KINDS = [
  "connect_refused",
  "connect_timeout",
  "reset",
  "request_timeout",
  "protocol_error",
] as const;

/** One of {@link FAILURE_KINDS}. */
export type FailureKind = typeof FAILURE_KINDS[number];

/** A request that got no complete response, with the class it failed in. */
export class HttpFailure extends Error {
  /** The failure class, counted by the target. */
  readonly kind: FailureKind;
  /** Outcome class the engine counts this error under. */
  readonly outcome: "timeout" | "error";
  /** Creates the failure. */
  constructor(kind: FailureKind, message: string, options?: ErrorOptions) {
    super(`${kind}: ${message}`, options);
    this.name = "HttpFailure";
    this.kind = kind;
    this.outcome = kind === "connect_timeout" || kind === "request_timeout"
      ? "timeout"
      : "error";
  }
}

/** Where the client connects and how long it waits. */
export interface HttpClientOptions {
  /** A literal IP address or a host name. */
  hostname: string;
  /** The TCP port. */
  port: number;
  /** Keep-alive connections in the pool (opened lazily). */
  connections: number;
  /** A whole request (connect included) fails after this many ms. */
  timeoutMs: number;
  /** Extra request headers, sent with every request. */
  headers?: Readonly<Record<string, string>>;
}

/** One request. */
export interface HttpRequest {
  /** An upper-case method such as `GET`. */
  method: string;
  /** The request target: an absolute path with its query. */
  path: string;
  /** A body, sent with `Content-Type: application/json`. */
  body?: Uint8Array;
  /** Keep the response body (it is skipped otherwise). */
  keepBody?: boolean;
}

/** One complete response. */
export interface HttpResponse {
  /** The status code. */
  status: number;
  /** The body when {@link HttpRequest.keepBody} asked for it. */
  body?: Uint8Array;
}

const encoder = new TextEncoder();
const CONTENT_HEAD = encoder.encode(
  "content-type: application/json\r\ncontent-length: ",
);

/** Writes `text` at `at` (ASCII by hand, else UTF-8); returns the new end. */
function ascii(text: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) {
      return at + encoder.encodeInto(text, out.subarray(at)).written;
    }
    out[at + i] = code;
  }
  return at + text.length;
}
/** Largest response head or body the client accepts. */
const MAX_HEAD = 64 * 1024;
const MAX_BODY = 64 * 1024 * 1024;

/**
 * A pool of keep-alive connections to one host. Close it (or `await using`)
 * to close every connection.
 *
 * @example
 * ```ts
 * await using server = Deno.serve(
 *   { hostname: "127.0.0.1", port: 0, onListen() {} },
 *   () => new Response("hi"),
 * );
 * await using client = new HttpClient({
 *   hostname: "127.0.0.1",
 *   port: server.addr.port,
 *   connections: 1,
 *   timeoutMs: 1000,
 * });
 * const res = await client.request({ method: "GET", path: "/", keepBody: true });
 * console.log(res.status, new TextDecoder().decode(res.body)); // 200 hi
 * ```
 */
export class HttpClient implements AsyncDisposable {
  readonly #o: HttpClientOptions;
  /** Header lines after the request line, up to the blank line's start. */
  readonly #fixed: Uint8Array;
  readonly #idle: Connection[] = [];
  readonly #waiting: ((conn: Connection | undefined) => void)[] = [];
  readonly #all = new Set<Connection>();
  #opened = 0;
  #closed = false;
  /** Connections opened over the pool's life (a reconnect adds one). */
  connects = 0;

  /** Creates the pool; nothing connects until the first request. */
  constructor(options: HttpClientOptions) {
    this.#o = options;
    const host = options.port === 80
      ? options.hostname
      : `${
        options.hostname.includes(":")
          ? `[${options.hostname}]`
          : options.hostname
      }:${options.port}`;
    let lines = ` HTTP/1.1\r\nhost: ${host}\r\n`;
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      lines += `${name}: ${value}\r\n`;
    }
    this.#fixed = encoder.encode(lines);
  }

  /** Sends one request and reads its whole response. */
  request(request: HttpRequest): Promise<HttpResponse> {
    const deadline = performance.now() + this.#o.timeoutMs;
    // The hot path: an idle connection, one async frame (the exchange).
    const idle = this.#closed ? undefined : this.#idle.pop();
    if (idle !== undefined) {
      return idle.exchange(request, deadline, this.#hooks);
    }
    return this.#queued(request, deadline);
  }

  async #queued(request: HttpRequest, deadline: number) {
    const conn = await this.#acquire(deadline);
    return await conn.exchange(request, deadline, this.#hooks);
  }

  /** What a connection calls when its exchange ends. */
  readonly #hooks: Hooks = {
    done: (conn) => {
      if (!conn.closing) this.#release(conn);
      else if (this.#all.has(conn)) this.#drop(conn);
    },
    failed: (conn, request, deadline, error) => {
      // A reused connection the server closed while idle fails before any
      // byte of the answer: an idempotent request tries once on a new one.
      if (
        conn.reused && conn.received === 0 && error.kind === "reset" &&
        IDEMPOTENT.has(request.method) && performance.now() < deadline
      ) {
        this.#drop(conn);
        return this.#retry(request, deadline);
      }
      if (this.#all.has(conn)) this.#drop(conn);
      throw error;
    },
  };

  /** The retry's hooks: release as usual; on failure drop, never retry. */
  readonly #once: Hooks = {
    done: this.#hooks.done,
    failed: (conn, _request, _deadline, error) => {
      if (this.#all.has(conn)) this.#drop(conn);
      throw error;
    },
  };

  async #retry(request: HttpRequest, deadline: number) {
    const fresh = await this.#connect(deadline);
    return await fresh.exchange(request, deadline, this.#once);
  }

  /** Closes every connection; pending requests fail. */
  close(): Promise<void> {
    this.#closed = true;
    for (const conn of this.#all) conn.close();
    this.#all.clear();
    this.#idle.length = 0;
    for (const wake of this.#waiting.splice(0)) wake(undefined);
    return Promise.resolve();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #acquire(deadline: number): Connection | Promise<Connection> {
    if (this.#closed) throw new HttpFailure("reset", "the client is closed");
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#opened < this.#o.connections) return this.#connect(deadline);
    return new Promise<Connection>((resolve, reject) => {
      this.#waiting.push((conn) =>
        conn ? resolve(conn) : reject(
          new HttpFailure("reset", "the client closed while waiting"),
        )
      );
    }).then((conn) => {
      if (conn.opened) return conn;
      if (performance.now() >= deadline) {
        this.#handOn();
        throw new HttpFailure(
          "request_timeout",
          "waited for a free connection past the timeout",
        );
      }
      return this.#connect(deadline);
    });
  }

  async #connect(deadline: number): Promise<Connection> {
    this.#opened++;
    this.connects++;
    const ms = Math.max(1, deadline - performance.now());
    try {
      const tcp = await Deno.connect({
        hostname: this.#o.hostname,
        port: this.#o.port,
        signal: AbortSignal.timeout(ms),
      });
      const conn = new Connection(tcp, this.#fixed);
      if (this.#closed) {
        conn.close();
        throw new HttpFailure("reset", "the client closed while connecting");
      }
      this.#all.add(conn);
      return conn;
    } catch (error) {
      this.#opened--;
      this.#handOn();
      if (error instanceof HttpFailure) throw error;
      throw connectFailure(error, `${this.#o.hostname}:${this.#o.port}`, ms);
    }
  }

  #release(conn: Connection): void {
    const wake = this.#waiting.shift();
    if (wake) wake(conn);
    else this.#idle.push(conn);
  }

  #drop(conn: Connection): void {
    conn.close();
    if (this.#all.delete(conn)) this.#opened--;
    this.#handOn();
  }

  /** A slot came free: a waiting request connects anew. */
  #handOn(): void {
    if (this.#opened >= this.#o.connections) return;
    const wake = this.#waiting.shift();
    // A closed placeholder: the waiter sees `opened` false and connects.
    wake?.(CLOSED);
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** How a connection hands itself back to its pool after an exchange. */
interface Hooks {
  /** A whole response arrived: keep the connection or drop it. */
  done(conn: Connection): void;
  /** The exchange failed: drop the connection; retry, or rethrow `error`. */
  failed(
    conn: Connection,
    request: HttpRequest,
    deadline: number,
    error: HttpFailure,
  ): Promise<HttpResponse>;
}

function connectFailure(
  error: unknown,
  where: string,
  ms: number,
): HttpFailure {
  if (error instanceof Deno.errors.ConnectionRefused) {
    return new HttpFailure(
      "connect_refused",
      `${where} refused the connection`,
    );
  }
  const name = (error as Error | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return new HttpFailure(
      "connect_timeout",
      `${where} did not accept within ${Math.round(ms)} ms`,
    );
  }
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted
  ) {
    return new HttpFailure("reset", `${where}: ${(error as Error).message}`);
  }
  return new HttpFailure(
    "connect_refused",
    `${where}: ${(error as Error)?.message ?? String(error)}`,
    { cause: error },
  );
}

/** Where the parser is within one response. */
const Stage = {
  Head: 0,
  Length: 1,
  Chunked: 2,
  UntilClose: 3,
  Done: 4,
} as const;

/** One keep-alive connection, its buffers and its response parser. */
class Connection {
  readonly #tcp: Deno.TcpConn | undefined;
  readonly #fixed: Uint8Array;
  #out = new Uint8Array(4096);
  #outView: Uint8Array | undefined;
  #buf = new Uint8Array(16 * 1024);
  #len = 0;
  // The response being parsed.
  #stage: number = Stage.Head;
  #scanned = 0;
  #status = 0;
  #bodyStart = 0;
  #bodyLen = 0;
  #length = -1;
  #chunked = false;
  #cursor = 0;
  #noBody = false;
  // Request timeout: one timer, re-armed only when it fires early.
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  /** The server asked to close after this response. */
  closing = false;
  /** A response has completed on this connection before. */
  reused = false;
  /** Bytes of the current response received so far. */
  received = 0;
  opened: boolean;

  constructor(tcp: Deno.TcpConn | undefined, fixed: Uint8Array) {
    this.#tcp = tcp;
    this.#fixed = fixed;
    this.opened = tcp !== undefined;
  }

  async exchange(
    request: HttpRequest,
    deadline: number,
    hooks: Hooks,
  ): Promise<HttpResponse> {
    const tcp = this.#tcp!;
    this.#arm(deadline);
    this.received = 0;
    let response: HttpResponse;
    try {
      const size = this.#encode(request);
      let written = await tcp.write(this.#outTo(size));
      while (written < size) {
        written += await tcp.write(this.#out.subarray(written, size));
      }
      this.#begin(request.method === "HEAD");
      for (;;) {
        if (this.#len === this.#buf.length) this.#grow();
        const n = await tcp.read(
          this.#len === 0 ? this.#buf : this.#buf.subarray(this.#len),
        );
        if (n === null) {
          if (this.#stage === Stage.UntilClose) {
            this.#bodyLen = this.#len - this.#bodyStart;
            this.#stage = Stage.Done;
            this.closing = true;
          } else {
            throw new HttpFailure(
              "reset",
              this.received === 0
                ? "the server closed the connection before answering"
                : `the server closed the connection mid-response (after ${this.received} bytes)`,
            );
          }
        } else {
          this.#len += n;
          this.received += n;
          this.#parse();
        }
        if (this.#stage === Stage.Done) break;
      }
      this.reused = true;
      response = {
        status: this.#status,
        body: request.keepBody
          ? this.#buf.slice(this.#bodyStart, this.#bodyStart + this.#bodyLen)
          : undefined,
      };
      this.#len = 0; // no pipelining: nothing after the response is kept
    } catch (error) {
      this.#deadline = 0;
      this.closing = true;
      return hooks.failed(
        this,
        request,
        deadline,
        this.#timedOut
          ? new HttpFailure(
            "request_timeout",
            `no complete response within the timeout (${this.received} bytes received)`,
          )
          : asFailure(error),
      );
    }
    this.#deadline = 0;
    hooks.done(this);
    return response;
  }

  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.opened) return;
    this.opened = false;
    try {
      this.#tcp?.close();
    } catch {
      // already closed
    }
  }

  #arm(deadline: number): void {
    this.#deadline = deadline;
    if (this.#timer === undefined) this.#schedule(deadline - performance.now());
  }

  #schedule(ms: number): void {
    const timer = setTimeout(() => this.#fire(), Math.max(0, ms));
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#deadline === 0) return; // idle: armed again by the next request
    const left = this.#deadline - performance.now();
    if (left > 0) return this.#schedule(left);
    this.#timedOut = true;
    this.close();
  }

  /** Writes the request into the reused buffer; returns its length. */
  #encode(request: HttpRequest): number {
    const body = request.body;
    const method = request.method;
    const path = request.path;
    const need = (method.length + path.length) * 3 + this.#fixed.length +
      CONTENT_HEAD.length + 24 + (body?.length ?? 0);
    if (need > this.#out.length) {
      this.#out = new Uint8Array(need * 2);
      this.#outView = undefined;
    }
    const out = this.#out;
    // ASCII by hand (no result object per call); anything else by encodeInto.
    let at = ascii(method, out, 0);
    out[at++] = 32; // " "
    at = ascii(path, out, at);
    out.set(this.#fixed, at);
    at += this.#fixed.length;
    if (body) {
      out.set(CONTENT_HEAD, at);
      at += CONTENT_HEAD.length;
      at = ascii(String(body.length), out, at);
      out[at++] = 13;
      out[at++] = 10;
    }
    out[at++] = 13;
    out[at++] = 10;
    if (body) {
      out.set(body, at);
      at += body.length;
    }
    return at;
  }

  /** `#out` up to `size`, the view kept while the size repeats. */
  #outTo(size: number): Uint8Array {
    const view = this.#outView;
    if (view !== undefined && view.length === size) return view;
    return this.#outView = this.#out.subarray(0, size);
  }

  #begin(head: boolean): void {
    this.#stage = Stage.Head;
    this.#scanned = 0;
    this.#noBody = head;
    this.#bodyLen = 0;
    this.#length = -1;
    this.#chunked = false;
  }

  #grow(): void {
    const limit = this.#stage === Stage.Head ? MAX_HEAD : MAX_BODY;
    if (this.#buf.length >= limit) {
      throw new HttpFailure(
        "protocol_error",
        this.#stage === Stage.Head
          ? `response head over ${MAX_HEAD} bytes`
          : `response body over ${MAX_BODY} bytes`,
      );
    }
    const bigger = new Uint8Array(Math.min(limit, this.#buf.length * 2));
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
  }

  /** Advances the parser over what has arrived. */
  #parse(): void {
    if (this.#stage === Stage.Head && !this.#headLines()) return;
    if (this.#stage === Stage.Length) {
      if (this.#len - this.#bodyStart >= this.#length) {
        this.#bodyLen = this.#length;
        this.#stage = Stage.Done;
      }
    } else if (this.#stage === Stage.Chunked) {
      this.#chunks();
    }
  }

  /**
   * Parses the head's lines that have arrived whole, in one pass (from
   * `#scanned`, the first line not parsed yet); true once the blank line
   * ending the head is in.
   */
  #headLines(): boolean {
    const b = this.#buf;
    const len = this.#len;
    let line = this.#scanned;
    for (;;) {
      let cr = line;
      while (cr + 1 < len && (b[cr] !== 13 || b[cr + 1] !== 10)) cr++;
      if (cr + 1 >= len) {
        this.#scanned = line;
        return false;
      }
      if (line === 0) this.#statusLine(cr);
      else if (cr === line) {
        this.#headEnd(cr + 2);
        return this.#stage !== Stage.Head;
      } else this.#header(line, cr);
      line = cr + 2;
    }
  }

  /** Checks "HTTP/1.x NNN ..." ending at `eol`; keeps the status. */
  #statusLine(eol: number): void {
    const b = this.#buf;
    if (
      eol < 12 || b[0] !== 72 || b[1] !== 84 || b[2] !== 84 || b[3] !== 80 ||
      b[4] !== 47 || b[5] !== 49 || b[6] !== 46 || b[8] !== 32 ||
      !isDigit(b[9]) || !isDigit(b[10]) || !isDigit(b[11]) ||
      (b[12] !== 32 && b[12] !== 13)
    ) {
      throw new HttpFailure(
        "protocol_error",
        `not an HTTP/1.x status line: ${preview(b, eol)}`,
      );
    }
    this.#status = (b[9] - 48) * 100 + (b[10] - 48) * 10 + (b[11] - 48);
    this.closing = b[7] === 48; // HTTP/1.0 closes unless told otherwise
  }

  /** One header line from `line` to `eol` (its CR). */
  #header(line: number, eol: number): void {
    const b = this.#buf;
    let colon = line;
    while (colon < eol && b[colon] !== 58) colon++;
    if (colon === eol) {
      throw new HttpFailure(
        "protocol_error",
        `a header line without a colon: ${
          preview(b.subarray(line), eol - line)
        }`,
      );
    }
    const nameLen = colon - line;
    if (nameLen === 14 && matches(b, line, "content-length")) {
      this.#length = parseLength(b, colon + 1, eol);
    } else if (nameLen === 17 && matches(b, line, "transfer-encoding")) {
      this.#chunked = valueHas(b, colon + 1, eol, "chunked");
    } else if (nameLen === 10 && matches(b, line, "connection")) {
      if (valueHas(b, colon + 1, eol, "close")) this.closing = true;
      else if (valueHas(b, colon + 1, eol, "keep-alive")) {
        this.closing = false;
      }
    }
  }

  /** The head ended just before `end`: how the body is framed. */
  #headEnd(end: number): void {
    const status = this.#status;
    this.#bodyStart = end;
    if (
      this.#noBody || status === 204 || status === 304 || status < 200
    ) {
      if (status < 200 && status !== 101) {
        // An interim response (100 Continue): the real one follows.
        this.#buf.copyWithin(0, end, this.#len);
        this.#len -= end;
        this.#begin(this.#noBody);
        this.#parse();
        return;
      }
      this.#stage = Stage.Done;
    } else if (this.#chunked) {
      this.#stage = Stage.Chunked;
      this.#cursor = end;
      this.#bodyLen = 0;
    } else if (this.#length >= 0) {
      if (this.#length > MAX_BODY) {
        throw new HttpFailure(
          "protocol_error",
          `content-length ${this.#length} over ${MAX_BODY} bytes`,
        );
      }
      this.#stage = Stage.Length;
    } else {
      this.#stage = Stage.UntilClose;
    }
  }

  /** Decodes complete chunks in place, moving their data to the body. */
  #chunks(): void {
    const b = this.#buf;
    for (;;) {
      const eol = indexOfCrlf(b, this.#cursor, this.#len);
      if (eol < 0) {
        if (this.#len - this.#cursor > 1024) {
          throw new HttpFailure("protocol_error", "a chunk-size line too long");
        }
        return;
      }
      let size = 0;
      let at = this.#cursor;
      let digits = 0;
      for (; at < eol; at++) {
        const h = hexValue(b[at]);
        if (h < 0) break;
        size = size * 16 + h;
        digits++;
      }
      if (digits === 0 || (at < eol && b[at] !== 59 && b[at] !== 32)) {
        throw new HttpFailure(
          "protocol_error",
          `a bad chunk size: ${
            preview(b.subarray(this.#cursor), eol - this.#cursor)
          }`,
        );
      }
      if (size === 0) {
        // Trailers (usually none) end with an empty line.
        if (findHeadEnd(b, eol, this.#len) < 0) return;
        this.#stage = Stage.Done;
        return;
      }
      const dataStart = eol + 2;
      if (this.#len < dataStart + size + 2) return;
      if (b[dataStart + size] !== 13 || b[dataStart + size + 1] !== 10) {
        throw new HttpFailure("protocol_error", "a chunk not ended by CRLF");
      }
      if (this.#bodyLen + size > MAX_BODY) {
        throw new HttpFailure("protocol_error", `body over ${MAX_BODY} bytes`);
      }
      b.copyWithin(
        this.#bodyStart + this.#bodyLen,
        dataStart,
        dataStart + size,
      );
      this.#bodyLen += size;
      this.#cursor = dataStart + size + 2;
    }
  }
}

const CLOSED = new Connection(undefined, new Uint8Array());

function asFailure(error: unknown): HttpFailure {
  if (error instanceof HttpFailure) return error;
  const message = (error as Error | null)?.message ?? String(error);
  return new HttpFailure("reset", message, { cause: error });
}

function isDigit(byte: number): boolean {
  return byte >= 48 && byte <= 57;
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Index just past CRLFCRLF at or after `from`, or -1. */
function findHeadEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
      return i + 4;
    }
  }
  return -1;
}

function indexOfCrlf(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 1 < to; i++) {
    if (b[i] === 13 && b[i + 1] === 10) return i;
  }
  return -1;
}

/** Case-insensitive compare of an ASCII lower-case name at `at`. */
function matches(b: Uint8Array, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    if ((b[at + i] | 32) !== name.charCodeAt(i)) return false;
  }
  return true;
}

function valueHas(
  b: Uint8Array,
  from: number,
  to: number,
  word: string,
): boolean {
  let value = "";
  for (let i = from; i < to; i++) value += String.fromCharCode(b[i] | 32);
  return value.includes(word);
}

function parseLength(b: Uint8Array, from: number, to: number): number {
  let value = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === 32 || c === 9) {
      if (digits > 0) break;
      continue;
    }
    if (!isDigit(c) || digits > 15) {
      throw new HttpFailure(
        "protocol_error",
        `a bad content-length: ${preview(b.subarray(from), to - from)}`,
      );
    }
    value = value * 10 + c - 48;
    digits++;
  }
  if (digits === 0) {
    throw new HttpFailure("protocol_error", "an empty content-length");
  }
  return value;
}

/** The first bytes, printable, quoted: for a protocol error's message. */
function preview(b: Uint8Array, length: number): string {
  let text = "";
  for (let i = 0; i < Math.min(length, 40); i++) {
    const c = b[i];
    text += c >= 32 && c < 127
      ? String.fromCharCode(c)
      : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return JSON.stringify(length > 40 ? text + "..." : text);
}
