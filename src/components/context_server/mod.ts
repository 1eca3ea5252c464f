/**
 * The context server: an HTTP server (`Deno.serve`) over a keyed, versioned
 * context built from the state store (one `StateStore` per key),
 * optionally written through to SQLite by the unit of work. It reads,
 * writes (with compare-and-set), deletes and lists keys, dumps the whole
 * context atomically as JSON, YAML or NDJSON, and reports Prometheus
 * metrics. Safe by default: loopback only, a bearer token, a Host check
 * and a body limit. `tensile serve` is its command; this is its library
 * door.
 *
 * @example
 * ```ts
 * import { serve } from "./mod.ts";
 *
 * await using server = await serve({ port: 0 });
 * const res = await fetch(`${server.url}/healthz`);
 * console.log(res.status, await res.text()); // 200 ok
 * ```
 * @module
 */
export {
  type CloseResult,
  ContextServer,
  DEFAULT_GRACE_MS,
  DEFAULT_MAX_BODY,
  sameText,
  serve,
  type ServeOptions,
} from "./server.ts";
export { CONTEXT_DEFECTS, type ContextDefect } from "./_defects.ts";
export { DUMP_FORMATS, type DumpFormat } from "./_dump.ts";
export type { ContextEntry, ContextSnapshot } from "./_store.ts";
