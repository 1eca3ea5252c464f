/**
 * The context server: `Deno.serve` over a {@link ContextStore}, safe by
 * default. It binds loopback unless told otherwise, refuses foreign `Host`
 * headers (DNS rebinding), asks every request but `/healthz` for its bearer
 * token (compared in constant time), bounds request bodies, and stops
 * gracefully: no new connections, in-flight requests finish, then a hard
 * stop after a grace period.
 * @module
 */
import { CONTEXT_DEFECTS, type ContextDefect } from "./_defects.ts";
import { methodId, Metrics, ROUTE } from "./_metrics.ts";
import { dispatch, failure, type RouteContext, routeOf } from "./_routes.ts";
import { ContextStore } from "./_store.ts";
import { resolve } from "node:path";
import { didYouMean } from "../../suggest.ts";

/** Default largest request body: 1 MiB. */
export const DEFAULT_MAX_BODY = 1024 * 1024;
/** Default grace period of a stop before the hard stop, in ms. */
export const DEFAULT_GRACE_MS = 5000;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Port; default 0, a free one. */
  port?: number;
  /** Address to bind; default `127.0.0.1`. Others need `allowRemote`. */
  host?: string;
  /** Allow a `host` other than loopback (the caller warns the user). */
  allowRemote?: boolean;
  /** Bearer token; default a random one (32 bytes, base64url). */
  token?: string;
  /** SQLite file to load the context from and write it through to. */
  db?: string;
  /** Folder dumps are written into; without it dumps answer 503. */
  dumpDir?: string;
  /** Largest request body in bytes; default {@link DEFAULT_MAX_BODY}. */
  maxBody?: number;
  /** A deliberate defect, to show the load suite's invariants failing. */
  defect?: ContextDefect;
  /** How long a stop waits for in-flight requests; default 5000 ms. */
  graceMs?: number;
}

/** How a {@link ContextServer.close} ended. */
export interface CloseResult {
  /** True when the grace period ran out and the server stopped hard. */
  forced: boolean;
  /** Requests still unanswered when it stopped (0 unless forced). */
  abandoned: number;
}

/** How long a hard stop waits for cancelled handlers to return, in ms. */
const HARD_STOP_MS = 500;

/** Addresses that count as loopback for `host`. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

/** Hostnames a loopback server answers to (with its port). */
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/**
 * A running context server. Stop it with {@link close} or `await using`.
 */
export class ContextServer implements AsyncDisposable {
  /** Base URL, like `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The bearer token every request but `/healthz` must carry. */
  readonly token: string;
  /** The port it listens on. */
  readonly port: number;
  /** The address it is bound to. */
  readonly host: string;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #ctx: RouteContext;
  #auth: string;
  #hosts: Set<string>;
  /** In remote mode any IP literal is a fine Host (rebinding needs a name). */
  #anyIpHost: boolean;
  #inFlight = 0;
  #graceMs: number;
  #closing: Promise<CloseResult> | undefined;
  #draining = false;
  /** Aborted by a hard stop. */
  #kill = new AbortController();

  /**
   * Starts a server; the same as {@link serve}. Throws `RangeError` for bad
   * options and `Deno.errors.AddrInUse` naming the port when it is taken.
   */
  static async open(options: ServeOptions = {}): Promise<ContextServer> {
    const resolved = resolveOptions(options);
    if (resolved.dumpDir !== undefined) {
      const info = await Deno.stat(resolved.dumpDir).catch(() => undefined);
      if (!info?.isDirectory) {
        throw new RangeError(
          `Cannot use the dump folder "${options.dumpDir}": it is not an existing directory`,
        );
      }
    }
    if (options.db !== undefined) {
      // A bad option, not a failed run: SQLite would say only "unable to
      // open database file".
      const info = await Deno.stat(options.db).catch(() => undefined);
      if (info !== undefined && !info.isFile) {
        throw new RangeError(
          `Cannot use --db "${options.db}": it is not a file (hint: give --db a file of its own, or a new one)`,
        );
      }
    }
    const store = await ContextStore.open(options.db, resolved.defect);
    try {
      return new ContextServer(store, resolved);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  private constructor(store: ContextStore, options: ResolvedOptions) {
    this.token = options.token;
    this.#auth = `Bearer ${options.token}`;
    this.#graceMs = options.graceMs;
    this.#ctx = {
      store,
      metrics: new Metrics(options.defect),
      dumpDir: options.dumpDir,
      maxBody: options.maxBody,
      defect: options.defect,
      readers: new Set(),
      dumps: 0,
    };
    try {
      this.#server = Deno.serve({
        hostname: options.host,
        port: options.port,
        signal: this.#kill.signal,
        onListen: () => {},
        onError: (error) =>
          failure(500, `Internal error: ${(error as Error)?.message}`),
      }, this.#handle);
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new Deno.errors.AddrInUse(
          `Cannot listen on ${options.host}:${options.port}: the port ${options.port} is already in use (hint: choose another --port, or --port 0 for a free one)`,
        );
      }
      throw error;
    }
    this.port = this.#server.addr.port;
    this.host = options.host;
    const shown = options.host.includes(":")
      ? `[${options.host}]`
      : options.host;
    this.url = `http://${shown}:${this.port}`;
    const names = new Set(LOOPBACK_NAMES);
    names.add(shown);
    this.#hosts = new Set([...names].map((name) => `${name}:${this.port}`));
    if (this.port === 80) { for (const name of names) this.#hosts.add(name); }
    this.#anyIpHost = !LOOPBACK.has(options.host);
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves once the server has stopped. */
  get finished(): Promise<void> {
    return this.#server.finished;
  }

  /**
   * Stops accepting connections, lets in-flight requests finish, then
   * closes the store. After `graceMs` it stops hard: body reads still
   * waiting are cancelled and whatever remains is abandoned. Idempotent.
   */
  close(): Promise<CloseResult> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #stop(): Promise<CloseResult> {
    // Drain first: Deno's shutdown() cuts the body of a request still
    // uploading, so it is called only once nothing is in flight. Meanwhile
    // new requests get 503 and their connection closed.
    this.#draining = true;
    const started = performance.now();
    let forced = !await this.#idleWithin(this.#graceMs);
    if (forced) {
      // Hard stop: unblock handlers stuck reading a slow client's body.
      for (const reader of this.#ctx.readers) reader.cancel().catch(() => {});
      await this.#idleWithin(HARD_STOP_MS);
    } else {
      // Idle connections close now; one a client keeps busy gets the rest
      // of the grace period.
      const left = Math.max(
        HARD_STOP_MS,
        this.#graceMs - (performance.now() - started),
      );
      forced = !await settlesWithin(this.#server.shutdown(), left);
    }
    const abandoned = this.#inFlight;
    if (forced) {
      // Cancels the listener and every connection, a stalled one included
      // (shutdown() would wait for its client).
      this.#kill.abort();
      await settlesWithin(this.#server.finished, HARD_STOP_MS);
    }
    await this.#ctx.store.close();
    return { forced, abandoned };
  }

  /** Whether nothing is in flight within `ms` (polled: a stop is rare). */
  async #idleWithin(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (this.#inFlight > 0) {
      if (performance.now() >= deadline) return false;
      await sleep(Math.min(10, ms));
    }
    return true;
  }

  #handle = (req: Request): Response | Promise<Response> => {
    const start = performance.now();
    this.#inFlight++;
    const url = req.url;
    // req.url is absolute ("http://host:port/path?query"): cut out the path
    // and query without a URL parse.
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const q = url.indexOf("?", pathStart);
    const path = pathStart < 0
      ? "/"
      : q < 0
      ? url.slice(pathStart)
      : url.slice(pathStart, q);
    const route = routeOf(path);
    const methodName = req.method; // an op call each time it is read
    const method = methodId(methodName);
    let answer: Response | Promise<Response>;
    try {
      if (this.#draining) {
        answer = failure(503, "The server is stopping", {}, {
          connection: "close",
          "retry-after": "1",
        });
      } else if (!this.#hostAllowed(req.headers.get("host"))) {
        answer = failure(
          403,
          "Forbidden Host header: this server answers only to its own address",
        );
      } else if (
        route !== ROUTE.healthz &&
        !sameText(req.headers.get("authorization"), this.#auth)
      ) {
        answer = failure(401, "Missing or wrong bearer token", {}, {
          "www-authenticate": 'Bearer realm="tensile"',
        });
      } else {
        answer = dispatch(route, req, {
          method: methodName,
          path,
          query: q < 0 ? "" : url.slice(q + 1),
        }, this.#ctx);
      }
    } catch (error) {
      answer = internal(error);
    }
    if (answer instanceof Promise) {
      return answer.then(
        (res) => this.#done(route, method, res, start),
        (error) => this.#done(route, method, internal(error), start),
      );
    }
    return this.#done(route, method, answer, start);
  };

  #done(route: number, method: number, res: Response, start: number) {
    this.#inFlight--;
    this.#ctx.metrics.record(
      route,
      method,
      res.status,
      (performance.now() - start) / 1000,
    );
    return res;
  }

  #hostAllowed(host: string | null): boolean {
    if (host === null) return false;
    if (this.#hosts.has(host)) return true;
    return this.#anyIpHost && isIpLiteralHost(host, this.port);
  }
}

/** Whether `promise` settles within `ms` (its timer cleared either way). */
async function settlesWithin(
  promise: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(() => true, () => true),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function internal(error: unknown): Response {
  return failure(500, `Internal error: ${(error as Error)?.message}`);
}

/** `a === b` in time that depends on `b`'s length only (a token check). */
export function sameText(a: string | null, b: string): boolean {
  if (a === null) return false;
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) {
    diff |= (a.charCodeAt(i % (a.length || 1)) | 0) ^ b.charCodeAt(i);
  }
  return diff === 0;
}

/** Whether `host` is `IPv4:port` or `[IPv6]:port` with our port. */
function isIpLiteralHost(host: string, port: number): boolean {
  const suffix = `:${port}`;
  if (!host.endsWith(suffix)) return false;
  const name = host.slice(0, -suffix.length);
  if (name.startsWith("[") && name.endsWith("]")) {
    return /^[0-9a-fA-F:.]+$/.test(name.slice(1, -1));
  }
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}

interface ResolvedOptions {
  port: number;
  host: string;
  token: string;
  dumpDir: string | undefined;
  maxBody: number;
  defect: ContextDefect;
  graceMs: number;
}

/**
 * Starts a context server. Throws `RangeError` for bad options (a
 * non-loopback `host` without `allowRemote`, a port out of range, an
 * unknown defect) and `Deno.errors.AddrInUse` naming the port when it is
 * taken.
 *
 * @example
 * ```ts
 * import { serve } from "./server.ts";
 *
 * await using server = await serve({ port: 0 });
 * const res = await fetch(`${server.url}/v1/context/greeting`, {
 *   method: "PUT",
 *   headers: { authorization: `Bearer ${server.token}` },
 *   body: JSON.stringify({ value: "hello" }),
 * });
 * console.log(res.status, await res.json()); // 201 { key: "greeting", version: 1 }
 * ```
 */
export function serve(options: ServeOptions = {}): Promise<ContextServer> {
  return ContextServer.open(options);
}

function resolveOptions(options: ServeOptions): ResolvedOptions {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host) && !options.allowRemote) {
    throw new RangeError(
      `Cannot bind "${host}": it is not a loopback address (hint: add --allow-remote to serve other machines)`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot listen on port ${port}: expected a whole number from 0 to 65535`,
    );
  }
  const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  if (!Number.isSafeInteger(maxBody) || maxBody < 0) {
    throw new RangeError(
      `Cannot use a body limit of ${maxBody}: expected a whole number of bytes >= 0`,
    );
  }
  const defect = options.defect ?? "none";
  if (!CONTEXT_DEFECTS.includes(defect)) {
    throw new RangeError(
      `Unknown defect "${defect}"${
        didYouMean(defect, CONTEXT_DEFECTS)
      } (expected one of ${CONTEXT_DEFECTS.join(", ")})`,
    );
  }
  const token = options.token ?? randomToken();
  if (!/^[!-~]+$/.test(token)) {
    throw new RangeError(
      "Cannot use the token: expected visible ASCII characters only (no spaces), at least one",
    );
  }
  return {
    port,
    host,
    token,
    dumpDir: options.dumpDir === undefined
      ? undefined
      : resolve(options.dumpDir),
    maxBody,
    defect,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
  };
}

/** 32 random bytes, base64url. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=+$/, "");
}
