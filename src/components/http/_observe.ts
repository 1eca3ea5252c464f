/**
 * What the client saw of a context server (writes acknowledged, dumps
 * taken, responses by method and status), and the invariants judged from
 * it after the load.
 *
 * Workers share no memory, and a server's state is the whole run's: each
 * worker (and the main thread's setup) writes what it saw into the run
 * folder; worker 0 waits for all of them, then judges every invariant over
 * the union and alone asks the server anything, so no worker's checking
 * request runs while the server's counters are read.
 * @module
 */
import { basename, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type CheckResult, Problems } from "../../invariants.ts";
import type { HttpClient } from "./_client.ts";
import { isLoopbackAddress } from "./_server.ts";

const KEY_PREFIX = "/v1/context/";
/** Per-key version lists stop growing past this many versions in all. */
const MAX_VERSIONS = 2_000_000;

/** One key's acknowledged writes. */
/** A key nothing was written to yet. */
function noWrites(): KeyWrites {
  return {
    acked: 0,
    unknown: 0,
    versions: [],
    top: 0,
    topBody: "",
    deleted: false,
  };
}

interface KeyWrites {
  /** PUTs and DELETEs answered 200/201. */
  acked: number;
  /** Writes sent without a complete answer: they may have landed. */
  unknown: number;
  /** Versions acknowledged to PUTs, in arrival order. */
  versions: number[];
  /** The highest version acknowledged, and the body sent with it. */
  top: number;
  topBody: string;
  deleted: boolean;
}

/** A dump the server reported. */
interface DumpSeen {
  file: string;
  format: string;
  keys: number;
  version: number;
}

/** What one worker (or the setup) saw, as written to the run folder. */
export interface Observed {
  writes: Record<string, KeyWrites>;
  dumps: DumpSeen[];
  /** Complete responses by `"METHOD STATUS"`, `/metrics` excluded. */
  responses: Record<string, number>;
  /** Requests without a complete response. */
  unanswered: number;
  /** Version lists were cut at MAX_VERSIONS. */
  truncated: boolean;
}

/** Records responses as they arrive. */
export class Observer {
  readonly #o: Observed = {
    writes: Object.create(null),
    dumps: [],
    responses: Object.create(null),
    unanswered: 0,
    truncated: false,
  };
  #versions = 0;

  /** Whether a response's body is needed (a write or a dump). */
  wants(method: string, path: string): boolean {
    return (method === "PUT" && path.startsWith(KEY_PREFIX)) ||
      (method === "POST" && path.startsWith("/v1/dump"));
  }

  /** Records one complete response. */
  response(
    method: string,
    path: string,
    status: number,
    sent: string | undefined,
    body: Uint8Array | undefined,
  ): void {
    if (path === "/metrics") return;
    const name = `${method} ${status}`;
    this.#o.responses[name] = (this.#o.responses[name] ?? 0) + 1;
    if (status !== 200 && status !== 201) return;
    if (path.startsWith(KEY_PREFIX)) {
      if (method === "PUT" && body) {
        const ack = parseJson(body) as { key?: string; version?: number };
        if (typeof ack?.version !== "number") return;
        const writes = this.#key(path);
        writes.acked++;
        if (this.#versions < MAX_VERSIONS) {
          writes.versions.push(ack.version);
          this.#versions++;
        } else this.#o.truncated = true;
        if (ack.version > writes.top) {
          writes.top = ack.version;
          writes.topBody = sent ?? "";
        }
      } else if (method === "DELETE") {
        const writes = this.#key(path);
        writes.acked++;
        writes.deleted = true;
      }
    } else if (method === "POST" && path.startsWith("/v1/dump") && body) {
      const dump = parseJson(body) as DumpSeen | undefined;
      if (dump && typeof dump.file === "string") this.#o.dumps.push(dump);
    }
  }

  /** Records a request that got no complete response. */
  unanswered(method: string, path: string): void {
    this.#o.unanswered++;
    if (
      (method === "PUT" || method === "DELETE") && path.startsWith(KEY_PREFIX)
    ) {
      this.#key(path).unknown++;
    }
  }

  /** Writes what was seen to `file`. */
  async save(file: string): Promise<void> {
    const temp = `${file}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify(this.#o));
    await Deno.rename(temp, file);
  }

  #key(path: string): KeyWrites {
    const key = keyOf(path);
    return this.#o.writes[key] ??= noWrites();
  }
}

function keyOf(path: string): string {
  const raw = path.slice(KEY_PREFIX.length);
  try {
    return raw.includes("%") ? decodeURIComponent(raw) : raw;
  } catch {
    return raw;
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/** The file a worker (or `setup`) writes its observations to. */
export function observedFile(runDir: string, who: number | "setup"): string {
  return join(runDir, `http-observed-${who}.json`);
}

/** Waits (bounded) until every worker's file exists, then merges them. */
export async function gather(
  runDir: string,
  workers: number,
  withSetup: boolean,
  waitMs = 30_000,
): Promise<Observed> {
  const files = Array.from(
    { length: workers },
    (_, i) => observedFile(runDir, i),
  );
  if (withSetup) files.push(observedFile(runDir, "setup"));
  const until = performance.now() + waitMs;
  const all: Observed[] = [];
  for (const file of files) {
    for (;;) {
      try {
        all.push(JSON.parse(await Deno.readTextFile(file)));
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        if (performance.now() > until) {
          throw new Error(`no observations in ${file} after ${waitMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
  const merged: Observed = {
    writes: Object.create(null),
    dumps: [],
    responses: Object.create(null),
    unanswered: 0,
    truncated: false,
  };
  for (const seen of all) {
    for (const [key, w] of Object.entries(seen.writes)) {
      const into = merged.writes[key] ??= noWrites();
      into.acked += w.acked;
      into.unknown += w.unknown;
      for (const v of w.versions) into.versions.push(v);
      if (w.top > into.top) {
        into.top = w.top;
        into.topBody = w.topBody;
      }
      into.deleted ||= w.deleted;
    }
    merged.dumps.push(...seen.dumps);
    for (const [name, n] of Object.entries(seen.responses)) {
      merged.responses[name] = (merged.responses[name] ?? 0) + n;
    }
    merged.unanswered += seen.unanswered;
    merged.truncated ||= seen.truncated;
  }
  return merged;
}

/** What the checks need beside the observations. */
export interface CheckInputs {
  client: HttpClient;
  /** The server's listen addresses (`host:port`), when they could be read. */
  listening?: readonly string[];
  /** The base URL's host. */
  host: string;
}

/** The most keys no_lost_writes reads back, and dump files it parses. */
const MAX_KEYS_READ = 20_000;
const MAX_DUMPS_READ = 100;
const READS_IN_FLIGHT = 16;

/**
 * metrics_match: the client's complete responses by method and status equal
 * the server's `tensile_requests_total` (all routes but `/metrics`); a
 * request without an answer may or may not have been counted.
 */
export async function metricsMatch(
  seen: Observed,
  inputs: CheckInputs,
): Promise<CheckResult> {
  const res = await inputs.client.request({
    method: "GET",
    path: "/metrics",
    keepBody: true,
  });
  const problems = new Problems();
  if (res.status !== 200) {
    problems.add(`GET /metrics answered ${res.status}`);
    return problems.result("");
  }
  const server: Record<string, number> = Object.create(null);
  const text = new TextDecoder().decode(res.body);
  const line =
    /^tensile_requests_total\{route="([^"]*)",method="([^"]*)",status="(\d+)"\}\s+(\S+)$/gm;
  for (const [, route, method, status, value] of text.matchAll(line)) {
    if (route === "/metrics") continue;
    const name = `${method} ${status}`;
    server[name] = (server[name] ?? 0) + Number(value);
  }
  const names = new Set([
    ...Object.keys(server),
    ...Object.keys(seen.responses),
  ]);
  let client = 0;
  let counted = 0;
  let missing = 0;
  for (const name of [...names].sort()) {
    const mine = seen.responses[name] ?? 0;
    const theirs = server[name] ?? 0;
    client += mine;
    counted += theirs;
    if (theirs < mine) {
      missing += mine - theirs;
      problems.add(
        `${name}: client got ${mine} responses, server counted ${theirs}`,
      );
    } else if (theirs > mine) missing -= theirs - mine;
  }
  // The server may have answered (and counted) what never reached us.
  if (-missing > seen.unanswered) {
    problems.add(
      `the server counted ${
        counted - client
      } more requests than the client got answers to, with only ${seen.unanswered} unanswered`,
    );
  }
  return problems.result(
    `client got ${client} responses, server counted ${counted} (${seen.unanswered} unanswered)`,
  );
}

/**
 * no_lost_writes: every key written reads back at a version that accounts
 * for each acknowledged write (one version each), and at the highest
 * acknowledged version with the value that write sent.
 */
export async function noLostWrites(
  seen: Observed,
  inputs: CheckInputs,
): Promise<CheckResult> {
  const problems = new Problems();
  const keys = Object.keys(seen.writes).slice(0, MAX_KEYS_READ);
  let checked = 0;
  let next = 0;
  const check = async (key: string) => {
    const w = seen.writes[key];
    if (w.deleted) return;
    const res = await inputs.client.request({
      method: "GET",
      path: KEY_PREFIX + encodeURIComponent(key),
      keepBody: true,
    });
    checked++;
    if (res.status !== 200) {
      problems.add(
        `"${key}": ${w.acked} writes acknowledged, but GET answered ${res.status}`,
      );
      return;
    }
    const got = parseJson(res.body!) as { value?: unknown; version?: number };
    const version = got?.version ?? 0;
    // Each stored write adds one version; a key starts at 0 on a new server.
    if (version < w.acked) {
      problems.add(
        `"${key}": ${w.acked} writes acknowledged but it is at version ${version}`,
      );
    } else if (version > w.acked + w.unknown) {
      problems.add(
        `"${key}": at version ${version}, past its ${w.acked} acknowledged and ${w.unknown} unanswered writes`,
      );
    }
    if (version === w.top && w.topBody !== "") {
      const sent = JSON.stringify(
        (JSON.parse(w.topBody) as { value: unknown }).value,
      );
      if (JSON.stringify(got.value) !== sent) {
        problems.add(
          `"${key}" version ${version}: reads ${
            JSON.stringify(got.value)?.slice(0, 60)
          }, the acknowledged write sent ${sent.slice(0, 60)}`,
        );
      }
    } else if (version < w.top) {
      problems.add(
        `"${key}": version ${w.top} acknowledged, but it reads version ${version}`,
      );
    }
  };
  // A few reads in flight (the pool's connections), keys in order.
  await Promise.all(
    Array.from({ length: Math.min(READS_IN_FLIGHT, keys.length) }, async () => {
      while (next < keys.length) await check(keys[next++]);
    }),
  );
  const more = Object.keys(seen.writes).length - keys.length;
  return problems.result(
    `${checked} keys read back, each at a version accounting for its acknowledged writes${
      more > 0 ? ` (${more} more keys not read)` : ""
    }`,
  );
}

/** versions_increase: no two acknowledged writes of a key share a version. */
export function versionsIncrease(seen: Observed): CheckResult {
  const problems = new Problems();
  let writes = 0;
  for (const [key, w] of Object.entries(seen.writes)) {
    const sorted = Float64Array.from(w.versions).sort();
    writes += sorted.length;
    if (sorted.length > 0 && sorted[0] < 1) {
      problems.add(
        `"${key}": version ${sorted[0]} acknowledged (versions start at 1)`,
      );
    }
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) {
        problems.add(
          `"${key}": version ${sorted[i]} acknowledged to two writes`,
        );
      }
    }
  }
  return problems.result(
    `${writes} acknowledged writes over ${
      Object.keys(seen.writes).length
    } keys, each at a version of its own${
      seen.truncated ? " (version lists cut at 2M)" : ""
    }`,
  );
}

/**
 * dump_exact: each dump file parses back to what its response said: its
 * moment's version, as many entries as keys, each key once, and each
 * (key, version) one a write was acknowledged at (or may have been).
 */
export async function dumpExact(seen: Observed): Promise<CheckResult> {
  const problems = new Problems();
  const dumps = seen.dumps.slice(0, MAX_DUMPS_READ);
  const acked = new Map<string, Set<number>>();
  for (const [key, w] of Object.entries(seen.writes)) {
    acked.set(key, new Set(w.versions));
  }
  let entries = 0;
  for (const dump of dumps) {
    const name = basename(dump.file);
    let doc: { version: number; entries: { key: string; version: number }[] };
    try {
      doc = parseDump(await Deno.readTextFile(dump.file), dump.format);
    } catch (error) {
      problems.add(
        `${name}: cannot read it back: ${(error as Error).message}`,
      );
      continue;
    }
    entries += doc.entries.length;
    if (doc.version !== dump.version) {
      problems.add(
        `${name}: says version ${doc.version}, the response said ${dump.version}`,
      );
    }
    if (doc.entries.length !== dump.keys) {
      problems.add(
        `${name}: ${doc.entries.length} entries, the response said ${dump.keys} keys`,
      );
    }
    const keys = new Set<string>();
    for (const entry of doc.entries) {
      if (keys.has(entry.key)) {
        problems.add(`${name}: "${entry.key}" twice`);
      }
      keys.add(entry.key);
      const w = seen.writes[entry.key];
      if (!w) continue; // written before we watched (an external server)
      if (
        !acked.get(entry.key)?.has(entry.version) && w.unknown === 0 &&
        !seen.truncated
      ) {
        problems.add(
          `${name}: "${entry.key}" at version ${entry.version}, which no write was acknowledged at`,
        );
      }
    }
  }
  return problems.result(
    `${dumps.length} dumps read back (${entries} entries), each as its response said`,
  );
}

function parseDump(
  text: string,
  format: string,
): { version: number; entries: { key: string; version: number }[] } {
  switch (format) {
    case "json":
      return JSON.parse(text);
    case "yaml":
      return parseYaml(text);
    case "ndjson": {
      const [head, ...rows] = text.trimEnd().split("\n");
      const header = JSON.parse(head) as { version: number };
      return {
        version: header.version,
        entries: rows.map((row) => JSON.parse(row)),
      };
    }
    default:
      throw new Error(`unknown dump format "${format}"`);
  }
}

/** loopback_listen: the server listens on loopback addresses only. */
export function loopbackListen(inputs: CheckInputs): CheckResult {
  const problems = new Problems();
  if (!isLoopbackHost(inputs.host)) {
    problems.add(`the base URL's host "${inputs.host}" is not loopback`);
  }
  const addresses = inputs.listening;
  if (addresses === undefined) {
    return problems.result(
      `base URL on loopback (${inputs.host}); the server's sockets could not be read (no /proc, or not started by this run)`,
    );
  }
  if (addresses.length === 0) {
    problems.add("the server's process listens on no TCP socket");
  }
  for (const address of addresses) {
    if (!isLoopbackAddress(address)) {
      problems.add(`the server's process listens on ${address}, not loopback`);
    }
  }
  return problems.result(`the server listens on ${addresses.join(", ")} only`);
}

/** Whether a URL host names loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" ||
    /^127\.\d+\.\d+\.\d+$/.test(bare);
}
