/**
 * The `http` target: load any HTTP/1.1 service through the raw keep-alive
 * client in `_client.ts`, or start the built-in context server for the run
 * in its own process (`server: context`) and watch its RSS and CPU.
 *
 * Each op is a method (`get`, `put`, ...); its params are the request: a
 * path and an optional JSON body with seeded template variables (see
 * `_template.ts`) and the expected status. Responses are counted by class
 * in target counters (k6-style): `status_2xx` ... `status_5xx`,
 * `unexpected_status`, `connect_refused`, `connect_timeout`, `reset`,
 * `request_timeout`, `protocol_error`. The op's outcome stays one of the
 * engine's: a failed connect, reset or garbage is `error`, a timeout is
 * `timeout`, an unexpected 409/412 is `conflict`, 429/503 `busy`, another
 * 4xx `validation`, anything else `error`.
 * @module
 */
import { z } from "zod";
import { checkEach } from "../../invariants.ts";
import type {
  InvariantResult,
  Op,
  PreparedRun,
  Rng,
  RunInfo,
  Target,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import { HttpClient, HttpFailure, type HttpResponse } from "./_client.ts";
import {
  type CheckInputs,
  dumpExact,
  gather,
  isLoopbackHost,
  loopbackListen,
  metricsMatch,
  noLostWrites,
  observedFile,
  Observer,
  versionsIncrease,
} from "./_observe.ts";
import { ServerProcess } from "./_server.ts";
import { Template, type TemplateContext } from "./_template.ts";

/** The context server's deliberate defects (`tensile serve --defect`). */
export const SERVER_DEFECTS = [
  "none",
  "lost_write",
  "stale_version",
  "dump_skips_key",
  "metrics_undercount",
] as const;

const DURATION_HINT =
  'expected a duration above 0 and at most 10 minutes, like "500ms" or "2s" (a number is milliseconds)';
const Duration = z.union([
  z.number().positive({ error: DURATION_HINT }).max(600_000, {
    error: DURATION_HINT,
  }),
  z.string().regex(/^\d+(\.\d+)?(ms|s)$/, { error: DURATION_HINT })
    .refine((text) => ms(text) > 0 && ms(text) <= 600_000, {
      error: DURATION_HINT,
    }),
]);

/** Why a base_url is not an http:// URL, naming a port out of range. */
function baseUrlProblem(input: unknown): string {
  const port = /^http:\/\/[^/:]*:(\d+)/.exec(String(input))?.[1];
  return port !== undefined && Number(port) > 65535
    ? `expected an http:// URL: port ${port} is out of range (1 to 65535)`
    : "expected an http:// URL";
}

const Headers = z.record(
  z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, {
    error: "expected a header name (letters, digits, '-')",
  }),
  z.string().regex(/^[^\r\n]*$/, { error: "a header value has no line break" }),
);

const StatusSchema = z.union([
  z.int().min(100).max(599),
  z.string().regex(/^[1-5]xx$/, {
    error: 'expected a status like 200 or "2xx"',
  }),
]);
const ExpectedSchema = z.union([StatusSchema, z.array(StatusSchema).min(1)])
  .default("2xx");

const RequestShape = z.strictObject({
  path: z.string().startsWith("/", { error: 'expected a path starting "/"' })
    .regex(/^[^\s]*$/, { error: "a path has no spaces or line breaks" })
    .describe(
      "request path; {name:1..100} draws a number, {name} reuses it, {seq} and {worker} count",
    ),
  body: z.unknown().optional()
    .describe("JSON body (template variables work in its strings)"),
  status: ExpectedSchema
    .describe('expected status: 200, "2xx", or a list of them'),
});
/** Reports a template that does not compile as the param's issue. */
function templatesCompile(
  request: z.output<typeof RequestShape>,
  ctx: z.RefinementCtx,
): void {
  try {
    compileRequest(request);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    ctx.addIssue({ code: "custom", message: error.message, input: request });
  }
}

const RequestSchema = RequestShape.superRefine(templatesCompile);

const SetupSchema = RequestShape.extend({
  method: z.enum(["GET", "PUT", "POST", "PATCH", "DELETE"]).default("PUT"),
  count: z.int().min(1).max(1_000_000).default(1)
    .describe("how many times, {seq} going 0, 1, 2, ..."),
}).superRefine(templatesCompile);

/** Whether a URL is scheme, host and port alone (a trailing "/" allowed). */
function bareOrigin(text: string): boolean {
  // Not a URL at all: the url check above says so.
  if (!URL.canParse(text)) return true;
  const url = new URL(text);
  return url.pathname === "/" && url.search === "" && url.hash === "" &&
    url.username === "" && url.password === "" && !/[?#]/.test(text);
}

const httpOptions = z.strictObject({
  base_url: z.url({
    protocol: /^http$/,
    error: (issue) => baseUrlProblem(issue.input),
  })
    // Requests go to host:port with each op's path: a path prefix, query,
    // fragment or credentials here would be dropped without a word.
    .refine(bareOrigin, {
      error:
        "expected http://host:port only, with no path, query, fragment or user: put a path prefix in each request's path",
    })
    .optional()
    .describe("the service to load (http:// only); not with server"),
  server: z.enum(["context"]).optional()
    .describe(
      "start the built-in context server for the run, in its own process",
    ),
  server_args: z.array(z.string()).max(20).default([])
    .describe("extra `tensile serve` arguments (server: context)"),
  defect: z.enum(SERVER_DEFECTS).default("none")
    .describe("a deliberate context server defect, to see the invariants fail"),
  connections: z.int().min(1).max(10_000).optional()
    .describe("keep-alive connections per worker (default: its concurrency)"),
  timeout: Duration.default("10s")
    .describe("a request (connect included) fails after this long"),
  headers: Headers.default({})
    .describe("headers sent with every request"),
  setup: z.array(SetupSchema).max(100).default([])
    .describe("requests sent once before the load (from the main thread)"),
}).refine((o) => (o.base_url === undefined) !== (o.server === undefined), {
  error: "give either base_url (a running service) or server: context",
}).refine((o) => o.defect === "none" || o.server === "context", {
  error: "defect needs server: context",
});

/** The `http` target's options, parsed. */
export type HttpOptions = z.output<typeof httpOptions>;
type RequestParams = z.output<typeof RequestShape>;

const METHODS = ["get", "head", "post", "put", "patch", "delete"] as const;

const INVARIANTS = {
  no_lost_writes:
    "context server: every acknowledged write is readable afterwards, the key at a version that counts each acknowledged write, the newest with its value",
  versions_increase:
    "context server: no two acknowledged writes of a key share a version",
  dump_exact:
    "context server: each dump parses back (json, yaml, ndjson) to the version and key count its response gave, each key once, at an acknowledged version",
  metrics_match:
    "context server: responses the client got, by method and status, equal the server's tensile_requests_total",
  loopback_listen:
    "the server's process listens on loopback only (read from /proc on Linux)",
} as const;

const COUNTERS = {
  status_2xx: "responses with a 2xx status",
  status_3xx: "responses with a 3xx status",
  status_4xx: "responses with a 4xx status",
  status_5xx: "responses with a 5xx status",
  unexpected_status: "responses whose status was not the expected one",
  connect_refused: "connects refused (or failing otherwise)",
  connect_timeout: "connects that took longer than the timeout",
  reset: "connections closed or reset before a whole response",
  request_timeout: "requests without a whole response within the timeout",
  protocol_error: "responses that are not valid HTTP/1.1",
  connects: "TCP connections opened (keep-alive keeps this near connections)",
} as const;

type Counter = keyof typeof COUNTERS;

/** What prepare() hands every worker. */
interface Shared {
  hostname: string;
  /** The host the server announced (or base_url's), for loopback_listen. */
  urlHost: string;
  port: number;
  headers: Record<string, string>;
  listening?: string[];
  setup: boolean;
  track: boolean;
}

/**
 * The `http` target.
 *
 * @example
 * ```ts
 * console.log(httpTarget.name, Object.keys(httpTarget.ops).join(","));
 * // http get,head,post,put,patch,delete
 * ```
 */
export const httpTarget: Target = {
  name: "http",
  description:
    "any HTTP/1.1 service through a raw keep-alive client, or the built-in context server in its own process (server: context)",
  options: httpOptions,
  ops: Object.fromEntries(METHODS.map((method) => [method, {
    description: `${method.toUpperCase()} a templated path (and JSON body)`,
    params: RequestSchema,
  }])),
  invariants: INVARIANTS,
  counters: COUNTERS,
  prepare: (options, run) => prepare(options as HttpOptions, run),
  open(options: unknown, worker: WorkerInfo): Promise<TargetInstance> {
    return Promise.resolve(
      new HttpInstance(options as HttpOptions, worker).instance(),
    );
  },
};

/** Milliseconds of a {@link Duration}. */
function ms(value: number | string): number {
  if (typeof value === "number") return value;
  return value.endsWith("ms")
    ? Number(value.slice(0, -2))
    : Number(value.slice(0, -1)) * 1000;
}

/**
 * Checks the host, starts the server when asked, runs `setup`; the server
 * is stopped when the run disposes what this returns.
 */
async function prepare(
  options: HttpOptions,
  run: RunInfo,
): Promise<PreparedRun> {
  let server: ServerProcess | undefined;
  let shared: Shared;
  if (options.server === "context") {
    if (!run.self) {
      throw new Error(
        "server: context starts `tensile serve` in its own process, but the run does not say how to start tensile (RunOptions.self): run it through the tensile CLI",
      );
    }
    const dumpDir = `${run.runDir}/dumps`;
    await Deno.mkdir(dumpDir, { recursive: true });
    server = await ServerProcess.start({
      self: run.self,
      dumpDir,
      defect: options.defect === "none" ? undefined : options.defect,
      args: options.server_args,
      signal: run.signal,
    });
    const url = new URL(server.hello.url);
    shared = {
      // Our own server: always reached over loopback, whatever it bound.
      hostname: "127.0.0.1",
      urlHost: url.hostname,
      port: Number(url.port),
      headers: {
        ...options.headers,
        authorization: `Bearer ${server.hello.token}`,
      },
      listening: await server.listening(),
      setup: options.setup.length > 0,
      track: true,
    };
  } else {
    const url = new URL(options.base_url!);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const allowed = run.allowHosts ?? [];
    if (!isLoopbackHost(host) && !allowed.includes(host)) {
      throw new Error(
        `Refusing to load "${host}" (base_url ${
          JSON.stringify(options.base_url)
        }): only loopback hosts are loaded unless allowed: run with --allow-host ${host} if you own it`,
      );
    }
    shared = {
      hostname: host === "localhost" ? "127.0.0.1" : host,
      urlHost: host,
      port: Number(url.port || 80),
      headers: options.headers,
      setup: options.setup.length > 0,
      track: false,
    };
  }
  try {
    if (options.setup.length > 0) await runSetup(options, shared, run);
  } catch (error) {
    await server?.[Symbol.asyncDispose]();
    throw error;
  }
  return {
    shared,
    begin: () => server?.begin(),
    end: () => server?.end(),
    [Symbol.asyncDispose]: async () => await server?.[Symbol.asyncDispose](),
  };
}

/** Setup requests in flight at once. */
const SETUP_CONNECTIONS = 16;

/**
 * Sends the setup requests, each step's `count` over a few connections at
 * once (steps in order), recording what was seen.
 */
async function runSetup(
  options: HttpOptions,
  shared: Shared,
  run: RunInfo,
): Promise<void> {
  await using client = new HttpClient({
    hostname: shared.hostname,
    port: shared.port,
    connections: SETUP_CONNECTIONS,
    timeoutMs: ms(options.timeout),
    headers: shared.headers,
  });
  const observer = new Observer();
  const noRng: Rng = {
    next: () => 0,
    int: (min: number) => min,
  };
  for (const [i, step] of options.setup.entries()) {
    const request = compileRequest(step);
    let next = 0;
    const one = async (n: number) => {
      // Expanded before any await: `values` is shared by the step's sends.
      const context: TemplateContext = { seq: n, worker: 0 };
      const path = request.path.expand(noRng, request.values, context);
      const text = request.body?.expand(noRng, request.values, context);
      let res: HttpResponse;
      try {
        res = await client.request({
          method: step.method,
          path,
          body: text === undefined ? undefined : encoder.encode(text),
          keepBody: true,
        });
      } catch (error) {
        observer.unanswered(step.method, path);
        throw new Error(
          `setup request ${i + 1} (${step.method} ${path}) failed: ${
            (error as Error).message
          }`,
        );
      }
      observer.response(step.method, path, res.status, text, res.body);
      if (!request.expected(res.status)) {
        throw new Error(
          `setup request ${
            i + 1
          } (${step.method} ${path}) answered ${res.status}: expected ${
            JSON.stringify(step.status)
          }`,
        );
      }
    };
    await Promise.all(
      Array.from(
        { length: Math.min(SETUP_CONNECTIONS, step.count) },
        async () => {
          while (next < step.count) {
            run.signal.throwIfAborted();
            await one(next++);
          }
        },
      ),
    );
  }
  if (shared.track) await observer.save(observedFile(run.runDir, "setup"));
}

const encoder = new TextEncoder();

/** A mix entry's request, compiled once per worker. */
interface Compiled {
  path: Template;
  body?: Template;
  /** Drawn values by slot, shared by path and body. */
  values: number[];
  expected: (status: number) => boolean;
  /** How error messages name it: the templates as written. */
  label: string;
}

function compileRequest(params: RequestParams): Compiled {
  const names = new Map<string, number>();
  const path = Template.compile(params.path, names);
  const body = params.body === undefined
    ? undefined
    : Template.compile(JSON.stringify(params.body), names, true);
  return {
    path,
    body,
    values: [],
    expected: expectation(params.status),
    label: params.path,
  };
}

function expectation(
  status: number | string | (number | string)[],
): (status: number) => boolean {
  const allowed = new Uint8Array(600);
  for (const one of Array.isArray(status) ? status : [status]) {
    if (typeof one === "number") allowed[one] = 1;
    else {
      const base = Number(one[0]) * 100;
      allowed.fill(1, base, base + 100);
    }
  }
  return (code) => code < 600 && allowed[code] === 1;
}

/** An unexpected status, counted under the outcome its class suggests. */
class StatusError extends Error {
  readonly outcome: "conflict" | "busy" | "validation" | "error";
  constructor(method: string, label: string, status: number) {
    super(`${method} ${label}: unexpected status ${status}`);
    this.name = "StatusError";
    this.outcome = status === 409 || status === 412
      ? "conflict"
      : status === 429 || status === 503
      ? "busy"
      : status >= 400 && status < 500
      ? "validation"
      : "error";
  }
}

class HttpInstance {
  readonly #worker: WorkerInfo;
  readonly #shared: Shared;
  readonly #client: HttpClient;
  readonly #compiled = new WeakMap<object, Compiled>();
  readonly #context: TemplateContext;
  readonly #counts: Record<Counter, number>;
  readonly #observer: Observer | undefined;

  constructor(options: HttpOptions, worker: WorkerInfo) {
    const shared = worker.shared as Shared | undefined;
    if (!shared || typeof shared.port !== "number") {
      throw new Error("the http target was opened without its prepare()");
    }
    this.#worker = worker;
    this.#shared = shared;
    this.#client = new HttpClient({
      hostname: shared.hostname,
      port: shared.port,
      connections: options.connections ?? worker.concurrency,
      timeoutMs: ms(options.timeout),
      headers: shared.headers,
    });
    this.#context = { seq: worker.index, worker: worker.index };
    this.#counts = Object.fromEntries(
      Object.keys(COUNTERS).map((name) => [name, 0]),
    ) as Record<Counter, number>;
    this.#observer = shared.track ? new Observer() : undefined;
  }

  instance(): TargetInstance {
    const ops: Record<string, Op> = {};
    for (const method of METHODS) {
      const upper = method.toUpperCase();
      ops[method] = (params, rng) =>
        this.#request(upper, params as RequestParams, rng);
    }
    return {
      ops,
      counters: () => ({ ...this.#counts, connects: this.#client.connects }),
      invariants: (names) => this.#invariants(names),
      close: () => this.#client.close(),
    };
  }

  async #request(
    method: string,
    params: RequestParams,
    rng: Rng,
  ): Promise<number> {
    let compiled = this.#compiled.get(params);
    if (!compiled) {
      compiled = compileRequest(params);
      this.#compiled.set(params, compiled);
    }
    const context = this.#context;
    // Path and body are expanded before any await: `values` is shared.
    const path = compiled.path.expand(rng, compiled.values, context);
    const text = compiled.body?.expand(rng, compiled.values, context);
    context.seq += this.#worker.count;
    const observer = this.#observer;
    let res: HttpResponse;
    try {
      res = await this.#client.request({
        method,
        path,
        body: text === undefined ? undefined : encoder.encode(text),
        keepBody: observer?.wants(method, path) ?? false,
      });
    } catch (error) {
      if (error instanceof HttpFailure) this.#counts[error.kind]++;
      observer?.unanswered(method, path);
      throw error;
    }
    const status = res.status;
    const counts = this.#counts;
    if (status < 300) counts.status_2xx++;
    else if (status < 400) counts.status_3xx++;
    else if (status < 500) counts.status_4xx++;
    else counts.status_5xx++;
    observer?.response(method, path, status, text, res.body);
    if (!compiled.expected(status)) {
      counts.unexpected_status++;
      throw new StatusError(method, compiled.label, status);
    }
    return status;
  }

  async #invariants(names: readonly string[]): Promise<InvariantResult[]> {
    const worker = this.#worker;
    const observer = this.#observer;
    const needsSeen = names.some((name) => name !== "loopback_listen");
    if (!observer) {
      return names.map((name) => ({
        name,
        ok: name === "loopback_listen"
          ? isLoopbackHost(this.#shared.urlHost)
          : false,
        detail: name === "loopback_listen"
          ? `the base URL's host is ${this.#shared.urlHost}`
          : `${name} needs server: context (the client tracks a server it started)`,
      }));
    }
    if (needsSeen) {
      await observer.save(observedFile(worker.runDir, worker.index));
    }
    if (worker.index !== 0) {
      return names.map((name) => ({
        name,
        ok: true,
        detail: "see worker 0",
      }));
    }
    const seen = needsSeen
      ? await gather(worker.runDir, worker.count, this.#shared.setup)
      : undefined;
    const inputs: CheckInputs = {
      client: this.#client,
      listening: this.#shared.listening,
      host: this.#shared.urlHost,
    };
    // metrics_match first: the other checks send requests of their own.
    return await checkEach(names, {
      metrics_match: () => metricsMatch(seen!, inputs),
      versions_increase: () => versionsIncrease(seen!),
      dump_exact: () => dumpExact(seen!),
      no_lost_writes: () => noLostWrites(seen!, inputs),
      loopback_listen: () => loopbackListen(inputs),
    });
  }
}
