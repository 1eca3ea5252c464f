import assert from "node:assert/strict";
import { metricKind, parseBound, parseThreshold } from "./mod.ts";

Deno.test("parseBound() reads every unit into base units", () => {
  assert.deepEqual(parseBound("<5ms", "time"), {
    comparator: "<",
    value: 5,
    text: "<5ms",
  });
  assert.equal(parseBound("<=250us", "time").value, 0.25);
  assert.equal(parseBound("<250µs", "time").value, 0.25);
  assert.equal(parseBound("<800ns", "time").value, 0.0008);
  assert.equal(parseBound("< 2 s", "time").value, 2000);
  assert.equal(parseBound(">95%", "percent").value, 0.95);
  assert.equal(parseBound(">1000/s", "rate").value, 1000);
  assert.equal(parseBound("<1KB", "bytes").value, 1024);
  assert.equal(parseBound("<50MB", "bytes").value, 50 * 1024 * 1024);
  assert.equal(parseBound("<3", "number").value, 3);
  assert.equal(parseBound(">=.5x", "number").value, 0.5);
});

Deno.test("parseBound() rejects a unit that does not fit the metric, saying what fits", () => {
  assert.throws(
    () => parseBound("<5%", "time"),
    /this metric is a time, write it like "<5ms"/,
  );
  assert.throws(() => parseBound(">1000", "rate"), /write it like ">1000\/s"/);
  assert.throws(
    () => parseBound("fast", "time"),
    /expected a comparison \(<, <=, > or >=\), a number and a unit \(ns, us, ms or s\)/,
  );
  assert.throws(
    () => parseBound("<5 parsecs", "time"),
    /unknown unit "parsecs"/,
  );
});

Deno.test("metricKind() knows scenario and per-op metrics and nothing else", () => {
  assert.equal(metricKind("latency.p99_9"), "time");
  assert.equal(metricKind("busy_rate"), "percent");
  assert.equal(metricKind("memory.growth_per_1k_ops"), "bytes");
  assert.equal(metricKind("ops.transfer.latency.p95"), "time");
  assert.equal(metricKind("ops.transfer.throughput"), "rate");
  assert.equal(metricKind("latency.p96"), undefined);
  assert.equal(metricKind("ops.transfer"), undefined);
  assert.equal(metricKind("ops.transfer.memory.peak_rss"), undefined);
  assert.equal(metricKind("counters.busy_retries"), "number");
  assert.equal(metricKind("counters.busy_retries.rate"), "percent");
  assert.equal(metricKind("counters.a.b"), undefined);
});

Deno.test("parseThreshold() fills missing tiers from the next looser one", () => {
  const only = parseThreshold("latency.p95", { critical: "<10ms" });
  assert.equal(only.optimal.text, "<10ms");
  assert.equal(only.warning.text, "<10ms");
  const two = parseThreshold("latency.p95", {
    optimal: "<1ms",
    critical: "<10ms",
  });
  assert.equal(two.warning.text, "<10ms");
  assert.throws(() => parseThreshold("latency.p95", {}), /has no bound/);
  assert.throws(
    () => parseThreshold("latency.p96", { critical: "<1ms" }),
    /Unknown metric/,
  );
});

Deno.test("parseThreshold() refuses tiers that point different ways or are not nested", () => {
  assert.throws(
    () => parseThreshold("latency.p99", { optimal: ">1ms", critical: "<10ms" }),
    /Cannot mix directions in threshold "latency.p99"/,
  );
  assert.throws(
    () => parseThreshold("latency.p99", { optimal: "<10ms", warning: "<1ms" }),
    /Cannot use bound "<1ms" after "<10ms".*tightest to loosest/,
  );
  assert.throws(
    () =>
      parseThreshold("throughput", { optimal: ">100/s", critical: ">1000/s" }),
    /tightest to loosest/,
  );
  assert.doesNotThrow(() =>
    parseThreshold("success_rate", {
      optimal: ">=100%",
      warning: ">99%",
      critical: ">99%",
    })
  );
});
