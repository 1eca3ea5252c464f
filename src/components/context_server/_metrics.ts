/**
 * The server's own metrics, rendered as Prometheus text: requests by route,
 * method and status, a latency histogram per route, and the process's
 * memory and CPU. Recording a request is a few array and map updates, no
 * string building; the text is built only when `/metrics` is asked for.
 * @module
 */
import process from "node:process";
import { type ContextDefect, UNDERCOUNT_EVERY } from "./_defects.ts";

/** Route labels, by route id. */
export const ROUTES = [
  "/v1/context/:key",
  "/v1/context",
  "/v1/dump",
  "/healthz",
  "/metrics",
  "unmatched",
] as const;

/** A route's index in {@link ROUTES}. */
export const ROUTE = {
  key: 0,
  list: 1,
  dump: 2,
  healthz: 3,
  metrics: 4,
  unmatched: 5,
} as const;

/** Method labels, by method id (anything else counts as `other`). */
export const METHODS = [
  "GET",
  "PUT",
  "POST",
  "DELETE",
  "HEAD",
  "other",
] as const;

/** The method id of `method`. */
export function methodId(method: string): number {
  switch (method) {
    case "GET":
      return 0;
    case "PUT":
      return 1;
    case "POST":
      return 2;
    case "DELETE":
      return 3;
    case "HEAD":
      return 4;
    default:
      return 5;
  }
}

/** Upper bounds of the latency histogram's buckets, in seconds. */
export const LATENCY_BUCKETS = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
];

/** What the store adds to the text. */
export interface StoreGauges {
  /** Live keys. */
  keys: number;
  /** The store-wide sequence. */
  version: number;
}

/** Counters and histograms of one server. */
export class Metrics {
  /** Count by `(route * 8 + method) * 1000 + status`. */
  #requests = new Map<number, number>();
  /** Per route: one count per bucket, then +Inf. */
  #buckets = ROUTES.map(() => new Float64Array(LATENCY_BUCKETS.length + 1));
  #sums = new Float64Array(ROUTES.length);
  #undercount: boolean;
  #seen = 0;
  #startedAt = Date.now() / 1000;

  /** `defect`: `metrics_undercount` leaves out every 10th request. */
  constructor(defect: ContextDefect) {
    this.#undercount = defect === "metrics_undercount";
  }

  /** Counts one answered request that took `seconds`. */
  record(route: number, method: number, status: number, seconds: number) {
    if (this.#undercount && ++this.#seen % UNDERCOUNT_EVERY === 0) return;
    const id = (route * 8 + method) * 1000 + status;
    this.#requests.set(id, (this.#requests.get(id) ?? 0) + 1);
    let b = 0;
    while (b < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[b]) b++;
    this.#buckets[route][b]++;
    this.#sums[route] += seconds;
  }

  /** The Prometheus text exposition (version 0.0.4). */
  render(store: StoreGauges): string {
    const lines: string[] = [
      "# HELP tensile_requests_total Requests answered, by route, method and status.",
      "# TYPE tensile_requests_total counter",
    ];
    const ids = [...this.#requests.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const status = id % 1000;
      const method = Math.floor(id / 1000) % 8;
      const route = Math.floor(id / 8000);
      lines.push(
        `tensile_requests_total{route="${ROUTES[route]}",method="${
          METHODS[method]
        }",status="${status}"} ${this.#requests.get(id)}`,
      );
    }
    lines.push(
      "# HELP tensile_request_duration_seconds Time from a request's arrival to its response, by route.",
      "# TYPE tensile_request_duration_seconds histogram",
    );
    ROUTES.forEach((route, r) => {
      const counts = this.#buckets[r];
      let total = 0;
      for (let b = 0; b < counts.length; b++) total += counts[b];
      if (total === 0) return;
      let cumulative = 0;
      for (let b = 0; b < counts.length; b++) {
        cumulative += counts[b];
        const le = b < LATENCY_BUCKETS.length
          ? String(LATENCY_BUCKETS[b])
          : "+Inf";
        lines.push(
          `tensile_request_duration_seconds_bucket{route="${route}",le="${le}"} ${cumulative}`,
        );
      }
      lines.push(
        `tensile_request_duration_seconds_sum{route="${route}"} ${
          this.#sums[r]
        }`,
        `tensile_request_duration_seconds_count{route="${route}"} ${total}`,
      );
    });
    const memory = Deno.memoryUsage();
    const cpu = process.cpuUsage();
    lines.push(
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      `process_resident_memory_bytes ${memory.rss}`,
      "# HELP process_heap_used_bytes JavaScript heap in use, in bytes.",
      "# TYPE process_heap_used_bytes gauge",
      `process_heap_used_bytes ${memory.heapUsed}`,
      "# HELP process_heap_total_bytes JavaScript heap reserved, in bytes.",
      "# TYPE process_heap_total_bytes gauge",
      `process_heap_total_bytes ${memory.heapTotal}`,
      "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds.",
      "# TYPE process_cpu_seconds_total counter",
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      "# HELP process_start_time_seconds Start time of the server since the epoch, in seconds.",
      "# TYPE process_start_time_seconds gauge",
      `process_start_time_seconds ${this.#startedAt}`,
      "# HELP tensile_store_keys Live keys in the context.",
      "# TYPE tensile_store_keys gauge",
      `tensile_store_keys ${store.keys}`,
      "# HELP tensile_store_version The context's store-wide sequence (committed writes and deletes).",
      "# TYPE tensile_store_version counter",
      `tensile_store_version ${store.version}`,
    );
    return lines.join("\n") + "\n";
  }
}
