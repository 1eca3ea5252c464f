/**
 * Number formatting shared by every report, so the terminal, Markdown and
 * HTML show the same figures the same way.
 * @module
 */
import { OUTCOMES } from "../errors.ts";
import type {
  LatencySummary,
  Memory,
  OutcomeCounts,
  ThresholdResult,
} from "../artifact/mod.ts";

/** A latency in milliseconds, in the unit that reads best. */
export function formatMs(ms: number): string {
  if (ms === 0) return "0";
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

/** A byte count with a binary unit. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  const units = ["B", "KiB", "MiB", "GiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${
    units[unit]
  }`;
}

/** An integer with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A rate per second. */
export function formatRate(perSecond: number): string {
  return `${
    perSecond >= 100 ? formatCount(perSecond) : perSecond.toPrecision(3)
  }/s`;
}

/** A fraction as a percentage. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

/** A threshold's actual value in its own unit. */
export function formatActual(
  threshold: Pick<ThresholdResult, "actual" | "kind">,
): string {
  const { actual } = threshold;
  if (actual === null) return "n/a";
  switch (threshold.kind) {
    case "time":
      return formatMs(actual);
    case "percent":
      return formatPercent(actual);
    case "rate":
      return formatRate(actual);
    case "bytes":
      return formatBytes(actual);
    case "number":
      return actual.toFixed(2);
    default: {
      const never: never = threshold.kind;
      return String(never);
    }
  }
}

/** A threshold's bounds, each once: `<10us · <100us · <1ms`. */
export function targetOf(
  bounds: { optimal: string; warning: string; critical: string },
): string {
  const tiers = [bounds.optimal, bounds.warning, bounds.critical];
  return [...new Set(tiers)].join(" · ");
}

/** ✅ met optimal, ⚠️ met a looser bound, ❌ missed critical. */
export function levelIcon(level: ThresholdResult["level"]): string {
  switch (level) {
    case "optimal":
      return "✅";
    case "warning":
    case "critical":
      return "⚠️";
    case "failed":
      return "❌";
    default: {
      const never: never = level;
      return never;
    }
  }
}

/** A duration in seconds, short. */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`;
  if (seconds < 120) return `${seconds.toFixed(2)} s`;
  return `${Math.floor(seconds / 60)} m ${Math.round(seconds % 60)} s`;
}

/** Column names of the latency table, after the row label. */
export const LATENCY_COLUMNS = [
  "count",
  "mean",
  "p50",
  "p90",
  "p95",
  "p99",
  "p99.9",
  "max",
] as const;

/**
 * The latency table's cells for one op (or all), in LATENCY_COLUMNS order.
 * The count is of recorded latencies (injected faults record none).
 */
export function latencyCells(op: { latency: LatencySummary }): string[] {
  const { latency } = op;
  return [
    formatCount(latency.count),
    ...[
      latency.mean,
      latency.p50,
      latency.p90,
      latency.p95,
      latency.p99,
      latency.p99_9,
      latency.max,
    ].map(formatMs),
  ];
}

/** `ok 990 (99.00%) · conflict 10 (1.00%)`: ok always, others when seen. */
export function formatOutcomes(
  outcomes: OutcomeCounts,
  total: number,
): string {
  return OUTCOMES
    .filter((o) => o === "ok" || outcomes[o] > 0)
    .map((o) =>
      `${o} ${formatCount(outcomes[o])} (${formatPercent(outcomes[o] / total)})`
    )
    .join(" · ");
}

/** `rss 90 MiB → 95 MiB (peak 99 MiB) · heap growth 12 B per 1k ops`. */
export function formatMemory(memory: Memory): string {
  return `rss ${formatBytes(memory.rss_start)} → ${
    formatBytes(memory.rss_end)
  } (peak ${formatBytes(memory.rss_peak)}) · heap growth ${
    formatBytes(memory.growth_per_1k_ops)
  } per 1k ops${memory.gc_forced ? "" : " (no forced GC)"}`;
}

/** `busy_retries 35 · busy_wait_ms 140`, or an empty string when none. */
export function formatCounters(
  counters: readonly { name: string; value: number }[],
): string {
  return counters
    .map(({ name, value }) =>
      `${name} ${
        Number.isInteger(value) ? formatCount(value) : value.toFixed(2)
      }`
    )
    .join(" · ");
}

/**
 * `per-worker-iterations · 2 workers × 1 task`; for the open model
 * `constant-arrival-rate · 200/s · 2 workers × ≤100 in flight`.
 */
export function formatShape(
  load: {
    executor: string;
    workers: number;
    concurrency: number;
    time_unit_ms?: number;
    rate?: number;
    start_rate?: number;
    stages?: { target: number }[];
  },
): string {
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? "" : "s"}`;
  const workers = plural(load.workers, "worker");
  if (load.time_unit_ms === undefined) {
    return `${load.executor} · ${workers} × ${
      plural(load.concurrency, "task")
    }`;
  }
  const unit = load.time_unit_ms === 1000 ? "s" : `${load.time_unit_ms}ms`;
  const rate = load.rate !== undefined
    ? `${formatCount(load.rate)}/${unit}`
    : `${formatCount(load.start_rate ?? 0)}→${
      formatCount(Math.max(0, ...(load.stages ?? []).map((s) => s.target)))
    }/${unit}`;
  return `${load.executor} · ${rate} · ${workers} × ≤${
    formatCount(load.concurrency)
  } in flight`;
}

/**
 * `600 started, 3 dropped (0.50%, max_in_flight full), largest lag 195 ms`:
 * the open model's arrivals.
 */
export function formatArrivals(
  arrivals: { started: number; dropped: number; max_lag_ms: number },
): string {
  const due = arrivals.started + arrivals.dropped;
  const share = due > 0 ? (arrivals.dropped / due) * 100 : 0;
  return `${formatCount(arrivals.started)} started, ${
    formatCount(arrivals.dropped)
  } dropped (${share.toFixed(2)}%${
    arrivals.dropped > 0 ? ", max_in_flight full" : ""
  }), largest lag behind schedule ${formatMs(arrivals.max_lag_ms)}`;
}

/**
 * What a threshold found, actual against bound, as one line:
 * `12.40 ms missed critical <10ms`. The bounds come from the scenario: pass
 * them escaped for the output.
 */
export function formatOutcome(
  threshold: Pick<ThresholdResult, "actual" | "kind" | "level">,
  bounds: { optimal: string; warning: string; critical: string },
): string {
  const actual = formatActual(threshold);
  switch (threshold.level) {
    case "optimal":
      return `${actual} met optimal ${bounds.optimal}`;
    case "warning":
      return `${actual} missed optimal ${bounds.optimal}, met warning ${bounds.warning}`;
    case "critical":
      return `${actual} missed warning ${bounds.warning}, met critical ${bounds.critical}`;
    case "failed":
      return threshold.actual === null
        ? `no value (no op of that kind was measured) for critical ${bounds.critical}`
        : `${actual} missed critical ${bounds.critical}`;
    default: {
      const never: never = threshold.level;
      return never;
    }
  }
}
