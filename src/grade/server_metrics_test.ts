import assert from "node:assert/strict";
import type { Measurements } from "../stats/mod.ts";
import { metricKind, metricValue, readThreshold } from "./mod.ts";

function measured(server?: Measurements["server"]): Measurements {
  const latency = {
    count: 0,
    min: 0,
    mean: 0,
    stdev: 0,
    p50: 0,
    p90: 0,
    p95: 0,
    p99: 0,
    p99_9: 0,
    max: 0,
  };
  return {
    total: 2000,
    outcomes: {
      ok: 2000,
      validation: 0,
      conflict: 0,
      busy: 0,
      timeout: 0,
      injected: 0,
      error: 0,
    },
    throughput: 1,
    latency,
    histogram: "",
    duration_s: 1,
    ops: {},
    timeseries: [],
    memory: {
      rss_start: 0,
      rss_peak: 0,
      rss_end: 0,
      heap_start: 0,
      heap_peak: 0,
      heap_end: 0,
      growth_per_1k_ops: 0,
      gc_forced: true,
    },
    error_samples: [],
    counters: {},
    ...(server ? { server } : {}),
  };
}

Deno.test("metricValue() reads the server's figures, and none when no server was watched", () => {
  const m = measured({
    rss_start: 1e8,
    rss_end: 1.1e8,
    rss_peak: 1.2e8,
    cpu: 1.5,
    growth_per_1k_ops: 5e6,
  });
  assert.equal(metricValue(m, "server.rss.peak"), 1.2e8);
  assert.equal(metricValue(m, "server.cpu"), 1.5);
  assert.equal(metricValue(m, "server.memory.growth_per_1k_ops"), 5e6);
  assert.equal(metricValue(measured(), "server.rss.peak"), undefined);
  assert.equal(metricValue(measured(), "server.cpu"), undefined);
});

Deno.test("server.* thresholds read as sizes and shares, CPU past 100% allowed", () => {
  assert.equal(metricKind("server.rss.peak"), "bytes");
  assert.equal(metricKind("server.memory.growth_per_1k_ops"), "bytes");
  assert.equal(metricKind("server.cpu"), "percent");
  assert.ok(readThreshold("server.cpu", { critical: "<150%" }).ok);
  assert.ok(readThreshold("server.rss.peak", { critical: "<1GB" }).ok);
  assert.equal(readThreshold("server.rss", { critical: "<1GB" }).ok, false);
});
