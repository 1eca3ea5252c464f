/**
 * The context server's routes, after the server has checked the Host header
 * and the token. A GET of a key is synchronous and answers a body built
 * once per version; only requests with a body, a write-through or a dump
 * return a promise.
 * @module
 */
import { ValidationError } from "../store/mod.ts";
import type { ContextDefect } from "./_defects.ts";
import {
  DUMP_FORMATS,
  isDumpFormat,
  renderDump,
  writeAtomically,
} from "./_dump.ts";
import { type Metrics, ROUTE } from "./_metrics.ts";
import type { ContextStore, WriteConditions, WriteResult } from "./_store.ts";

/** The longest key, in UTF-16 code units. */
export const MAX_KEY_LENGTH = 1024;
/** The most keys a list answers. */
export const MAX_LIST_LIMIT = 10_000;
const KEY_PREFIX = "/v1/context/";

/** What the routes share: the server's state. */
export interface RouteContext {
  store: ContextStore;
  metrics: Metrics;
  /** Where dumps go; undefined: dumps are refused (503). */
  dumpDir: string | undefined;
  /** Largest request body, in bytes. */
  maxBody: number;
  defect: ContextDefect;
  /** Body readers in progress, cancelled by a hard stop. */
  readers: Set<ReadableStreamDefaultReader<Uint8Array>>;
  /** Numbers the dump files of this server. */
  dumps: number;
}

const JSON_HEADERS: HeadersInit = {
  "content-type": "application/json",
};
const TEXT_HEADERS: HeadersInit = { "content-type": "text/plain" };
const METRICS_HEADERS: HeadersInit = {
  "content-type": "text/plain; version=0.0.4",
};

/** A JSON response of already-serialised `body`. */
export function json(status: number, body: string): Response {
  return new Response(body, { status, headers: JSON_HEADERS });
}

/** A JSON error `{"error": message, ...extra}`. */
export function failure(
  status: number,
  message: string,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify({ error: message, ...extra }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The route id of a request path (see `ROUTES` in `_metrics.ts`). */
export function routeOf(path: string): number {
  if (path.startsWith(KEY_PREFIX)) return ROUTE.key;
  switch (path) {
    case "/v1/context":
      return ROUTE.list;
    case "/v1/dump":
      return ROUTE.dump;
    case "/healthz":
      return ROUTE.healthz;
    case "/metrics":
      return ROUTE.metrics;
    default:
      return ROUTE.unmatched;
  }
}

/** What the server already read of a request. */
export interface Target {
  /** `req.method`. */
  method: string;
  /** The path, still percent-encoded. */
  path: string;
  /** The query string without `?` (may be empty). */
  query: string;
}

/** Answers an authorised request on `route`. */
export function dispatch(
  route: number,
  req: Request,
  target: Target,
  ctx: RouteContext,
): Response | Promise<Response> {
  const { method, path, query } = target;
  switch (route) {
    case ROUTE.key: {
      const key = keyOf(path);
      if (typeof key !== "string") return key;
      if (method === "GET") {
        const body = ctx.store.body(key);
        return body === undefined
          ? failure(404, `No key "${key}"`, { key })
          : json(200, body);
      }
      if (method === "PUT") return putKey(req, key, ctx);
      if (method === "DELETE") return deleteKey(req, key, ctx);
      return notAllowed("GET, PUT, DELETE");
    }
    case ROUTE.list:
      return method === "GET" ? listKeys(query, ctx) : notAllowed("GET");
    case ROUTE.dump:
      return method === "POST" ? dump(query, ctx) : notAllowed("POST");
    case ROUTE.healthz:
      return method === "GET"
        ? new Response("ok", { headers: TEXT_HEADERS })
        : notAllowed("GET");
    case ROUTE.metrics:
      return method === "GET"
        ? new Response(
          ctx.metrics.render({
            keys: ctx.store.size,
            version: ctx.store.version,
          }),
          { headers: METRICS_HEADERS },
        )
        : notAllowed("GET");
    default:
      return failure(404, `No route "${path}"`);
  }
}

function notAllowed(allow: string): Response {
  return failure(405, `Method not allowed here (allowed: ${allow})`, {}, {
    allow,
  });
}

/** The key of a `/v1/context/:key` path, or a 400 response. */
function keyOf(path: string): string | Response {
  let key = path.slice(KEY_PREFIX.length);
  if (key.includes("%")) {
    try {
      key = decodeURIComponent(key);
    } catch {
      return failure(400, "The key is not valid percent-encoded UTF-8");
    }
  }
  if (key.length === 0) return failure(400, "The key is empty");
  if (key.length > MAX_KEY_LENGTH) {
    return failure(
      400,
      `The key is ${key.length} characters long (at most ${MAX_KEY_LENGTH})`,
    );
  }
  return key;
}

/** `If-Match`: undefined when absent, a version, `*`, or a 400 response. */
function ifMatchOf(req: Request): number | "*" | undefined | Response {
  const header = req.headers.get("if-match");
  if (header === null) return undefined;
  const value = header.trim();
  if (value === "*") return "*";
  const match = /^"(\d{1,15})"$/.exec(value);
  if (match === null) {
    return failure(
      400,
      `If-Match must be "*" or a quoted version like "3", got ${
        JSON.stringify(value)
      }`,
    );
  }
  return Number(match[1]);
}

async function putKey(
  req: Request,
  key: string,
  ctx: RouteContext,
): Promise<Response> {
  const ifMatch = ifMatchOf(req);
  if (ifMatch instanceof Response) return ifMatch;
  const text = await readBody(req, ctx);
  if (typeof text !== "string") return text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return failure(
      400,
      `Cannot parse the body as JSON: ${(error as Error).message}`,
    );
  }
  if (
    typeof body !== "object" || body === null || Array.isArray(body) ||
    !Object.hasOwn(body, "value")
  ) {
    return failure(
      400,
      'The body must be a JSON object with a "value" key, like {"value": 1}',
    );
  }
  const { value, expected_version: expected } = body as Record<
    string,
    unknown
  >;
  if (
    expected !== undefined &&
    !(Number.isSafeInteger(expected) && (expected as number) >= 0)
  ) {
    return failure(
      400,
      `"expected_version" must be an integer >= 0, got ${
        JSON.stringify(expected)
      }`,
    );
  }
  const conditions: WriteConditions = {
    expected: expected as number | undefined,
    ifMatch,
  };
  let result: WriteResult;
  try {
    // JSON.parse gives only JSON values; the store still checks what JSON
    // cannot carry exactly (lone surrogates, nesting over 64 levels).
    result = ctx.store.put(key, value as never, conditions);
  } catch (error) {
    if (error instanceof ValidationError) return failure(400, error.message);
    throw error;
  }
  return await answerWrite(key, result, ctx);
}

async function deleteKey(
  req: Request,
  key: string,
  ctx: RouteContext,
): Promise<Response> {
  const ifMatch = ifMatchOf(req);
  if (ifMatch instanceof Response) return ifMatch;
  return await answerWrite(key, ctx.store.delete(key, { ifMatch }), ctx);
}

async function answerWrite(
  key: string,
  result: WriteResult,
  ctx: RouteContext,
): Promise<Response> {
  switch (result.kind) {
    case "ok": {
      if (result.row !== undefined) {
        try {
          await ctx.store.persist(result.row);
        } catch (error) {
          // Stored in memory but maybe not on disk: the outcome is unknown.
          return failure(
            503,
            `Cannot write the key through to the database: ${
              (error as Error).message
            }`,
          );
        }
      }
      return json(
        result.created ? 201 : 200,
        `{"key":${JSON.stringify(key)},"version":${result.version}}`,
      );
    }
    case "conflict":
      return failure(
        409,
        `Version conflict on "${key}": expected_version is stale`,
        { key, current_version: result.current },
      );
    case "precondition":
      return failure(
        412,
        `Precondition failed on "${key}": If-Match is stale`,
        { key, current_version: result.current },
      );
    case "missing":
      return failure(404, `No key "${key}"`, { key });
    default: {
      const never: never = result;
      throw new TypeError(`Unknown write result ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The body as text, or 413 once it is known to be too large: at once from
 * `Content-Length`, else while counting a chunked body's bytes, so an
 * oversized body is never read whole.
 */
async function readBody(
  req: Request,
  ctx: RouteContext,
): Promise<string | Response> {
  const max = ctx.maxBody;
  const length = req.headers.get("content-length");
  if (length !== null && !(Number(length) <= max)) return tooLarge(max);
  if (req.body === null) return "";
  const reader = req.body.getReader();
  ctx.readers.add(reader);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        reader.cancel().catch(() => {});
        return tooLarge(max);
      }
      chunks.push(value);
    }
  } catch (error) {
    return failure(
      400,
      `Cannot read the body: ${(error as Error).message}`,
    );
  } finally {
    ctx.readers.delete(reader);
  }
  if (chunks.length === 1) return decoder.decode(chunks[0]);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(bytes);
}

const decoder = new TextDecoder();

function tooLarge(max: number): Response {
  return failure(413, `The body is larger than ${max} bytes`, {
    max_body: max,
  }, { connection: "close" });
}

function listKeys(query: string, ctx: RouteContext): Response {
  const params = new URLSearchParams(query);
  const prefix = params.get("prefix") ?? "";
  const limitText = params.get("limit");
  const limit = limitText === null ? 1000 : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_LIST_LIMIT) {
    return failure(
      400,
      `limit must be an integer from 0 to ${MAX_LIST_LIMIT}, got ${
        JSON.stringify(limitText)
      }`,
    );
  }
  return json(200, JSON.stringify({ keys: ctx.store.keys(prefix, limit) }));
}

async function dump(query: string, ctx: RouteContext): Promise<Response> {
  const format = new URLSearchParams(query).get("format") ?? "json";
  if (!isDumpFormat(format)) {
    return failure(
      400,
      `Unknown dump format ${JSON.stringify(format)} (expected ${
        DUMP_FORMATS.join(", ")
      })`,
    );
  }
  if (ctx.dumpDir === undefined) {
    return failure(
      503,
      "Dumps are off: start the server with a dump folder (--dump-dir DIR)",
    );
  }
  // Taken in one synchronous step: the keys and versions of one moment.
  const snapshot = ctx.store.snapshot();
  const keys = snapshot.entries.length;
  if (ctx.defect === "dump_skips_key" && keys > 0) {
    snapshot.entries.splice(Math.floor(keys / 2), 1);
  }
  const n = ++ctx.dumps;
  const name = `context-v${snapshot.version}-${n}.${format}`;
  let file: string;
  try {
    file = await writeAtomically(
      ctx.dumpDir,
      name,
      renderDump(snapshot, format),
    );
  } catch (error) {
    return failure(
      500,
      `Cannot write the dump "${name}": ${(error as Error).message}`,
    );
  }
  return json(
    200,
    JSON.stringify({ file, format, keys, version: snapshot.version }),
  );
}
