import assert from "node:assert/strict";
import { OUTCOMES } from "../errors.ts";
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  initHistograms,
  liveHistograms,
  recordMs,
} from "./histogram.ts";
import type { Interval, Measurements } from "./measurements.ts";
import {
  addHistograms,
  mergeCounters,
  mergeMeasurements,
  mergeTimeseries,
  opMeasurement,
  outcomeCounts,
} from "./merge.ts";

await initHistograms();

/** A tiny deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Measurements of one part: its latencies (ms) for op "get", ok each. */
function part(values: number[], extra: Partial<Measurements> = {}) {
  const h = createHistogram();
  for (const v of values) recordMs(h, v);
  const counts = OUTCOMES.map((o) => (o === "ok" ? values.length : 0));
  const op = opMeasurement(h, {
    outcomes: outcomeCounts(counts),
    duration: 1,
  });
  h.destroy();
  const measurements: Measurements = {
    ...op,
    duration_s: 1,
    ops: { get: op },
    timeseries: [],
    memory: {
      rss_start: 100,
      rss_peak: 200,
      rss_end: 150,
      heap_start: 10,
      heap_peak: 30,
      heap_end: 20,
      growth_per_1k_ops: 0,
      gc_forced: true,
    },
    error_samples: [],
    counters: {},
    ...extra,
  };
  return measurements;
}

function percentiles(h: Histogram): number[] {
  const out: number[] = [];
  for (let p = 0; p <= 100; p += 0.5) out.push(h.getValueAtPercentile(p));
  return out.concat(
    h.getValueAtPercentile(99.9),
    h.getValueAtPercentile(99.99),
  );
}

Deno.test("mergeMeasurements() adds histograms exactly: the merge equals one histogram fed every part's values", () => {
  const live = liveHistograms();
  const random = lcg(42);
  // Three parts of different sizes and spreads, one with a long tail.
  const values = [
    Array.from({ length: 5000 }, () => 0.01 + random() * 0.5),
    Array.from({ length: 3000 }, () => 0.2 + random() * 3),
    Array.from({ length: 1200 }, () => random() < 0.01 ? 900 : random() * 40),
  ];
  const merged = mergeMeasurements(
    values.map((v) => ({ measurements: part(v) })),
  );
  const all = createHistogram();
  for (const v of values.flat()) recordMs(all, v);
  const decoded = decodeHistogram(merged.histogram);
  const decodedOp = decodeHistogram(merged.ops.get.histogram);
  try {
    assert.equal(merged.total, 9200);
    assert.equal(decoded.totalCount, all.totalCount);
    assert.deepEqual(percentiles(decoded), percentiles(all));
    assert.deepEqual(percentiles(decodedOp), percentiles(all));
    // As one process sees it: its workers' histograms cross to the main
    // thread encoded, so raw min and max become their buckets' values.
    const once = addHistograms([encodeHistogram(all)]);
    const alone = opMeasurement(once, {
      outcomes: outcomeCounts(OUTCOMES.map(() => 0)),
      duration: 1,
    });
    assert.deepEqual(merged.latency, alone.latency);
    assert.deepEqual(merged.ops.get.latency, alone.latency);
    once.destroy();
  } finally {
    decoded.destroy();
    decodedOp.destroy();
    all.destroy();
  }
  assert.equal(liveHistograms(), live, "every histogram made was destroyed");
});

Deno.test("mergeMeasurements() sums counts, memory per process, counters (peaks by max)", () => {
  const a = part([1, 2, 3], {
    counters: { commits: 10, peak_depth: 7 },
    dropped: 1,
    max_lag_ms: 4,
    service_histogram: encodeEmpty(),
    error_samples: [{ op: "get", outcome: "busy", message: "full", count: 2 }],
  });
  const b = part([4, 5], {
    counters: { commits: 5, peak_depth: 9, rollbacks: 1 },
    dropped: 2,
    max_lag_ms: 9,
    error_samples: [{ op: "get", outcome: "busy", message: "full", count: 3 }],
  });
  b.memory = { ...b.memory, rss_peak: 500, heap_start: 40, heap_end: 90 };
  const merged = mergeMeasurements([{ measurements: a }, { measurements: b }], {
    peakCounters: ["peak_depth"],
  });
  assert.equal(merged.total, 5);
  assert.equal(merged.outcomes.ok, 5);
  assert.deepEqual(merged.counters, {
    commits: 15,
    peak_depth: 9,
    rollbacks: 1,
  });
  assert.equal(merged.dropped, 3);
  assert.equal(merged.max_lag_ms, 9);
  assert.equal(merged.memory.rss_peak, 500, "RSS is per process: the largest");
  assert.equal(merged.memory.heap_start, 50, "heaps add up");
  assert.equal(merged.memory.heap_end, 110);
  assert.equal(merged.memory.growth_per_1k_ops, (110 - 50) / (5 / 1000));
  assert.deepEqual(merged.error_samples, [
    { op: "get", outcome: "busy", message: "full", count: 5 },
  ]);
  assert.equal(merged.throughput, 5, "over the longest part's second");
});

Deno.test("mergeMeasurements() keeps the most any one shard's server reached, and no server when none had one", () => {
  const server = (rss: number, cpu: number) => ({
    rss_start: rss / 2,
    rss_end: rss - 1,
    rss_peak: rss,
    cpu,
    growth_per_1k_ops: cpu * 10,
  });
  const a = part([1], { server: server(100, 0.5) });
  const b = part([2], { server: server(300, 0.25) });
  const c = part([3]);
  const merged = mergeMeasurements([
    { measurements: a },
    { measurements: b },
    { measurements: c },
  ]);
  assert.deepEqual(merged.server, {
    rss_start: 150,
    rss_end: 299,
    rss_peak: 300,
    cpu: 0.5,
    growth_per_1k_ops: 5,
  });
  const none = mergeMeasurements([{ measurements: c }]);
  assert.equal(Object.hasOwn(none, "server"), false);
});

function encodeEmpty(): string {
  const h = createHistogram();
  const text = encodeHistogram(h);
  h.destroy();
  return text;
}

Deno.test("mergeCounters() adds, and keeps the largest of a peak counter", () => {
  assert.deepEqual(
    mergeCounters([{ a: 1, p: 5 }, { a: 2, p: 3 }, { b: 4 }], ["p"]),
    { a: 3, p: 5, b: 4 },
  );
});

function interval(t: number, ops: number, extra: Partial<Interval> = {}) {
  return {
    t,
    ops,
    errors: 0,
    throughput: ops,
    p99: 1,
    rss: 100,
    heap: 10,
    cpu: 50,
    ...extra,
  };
}

Deno.test("mergeTimeseries() aligns intervals by absolute time in one-second buckets", () => {
  // Part b started 1.2 s after part a: its first second is a's second.
  const a = part([1], {
    timeseries: [interval(1.003, 10), interval(2.001, 20), interval(3, 30)],
  });
  const b = part([1], {
    timeseries: [interval(1.01, 5), interval(2.02, 7)],
  });
  const merged = mergeTimeseries([
    { measurements: a, startMs: 1_000_000 },
    { measurements: b, startMs: 1_001_200 },
  ]);
  assert.deepEqual(merged.map((i) => [i.t, i.ops]), [[1, 10], [2, 25], [
    3,
    37,
  ]]);
  assert.equal(merged[1].rss, 200, "each part's memory adds");
  // Without starts, parts align from a common start.
  const relative = mergeTimeseries([{ measurements: a }, {
    measurements: b,
  }]);
  assert.deepEqual(relative.map((i) => [i.t, i.ops]), [[1, 15], [2, 27], [
    3,
    30,
  ]]);
});

Deno.test("mergeTimeseries() adds per-op interval histograms when every interval has them, for an exact p99", () => {
  const h1 = createHistogram();
  const h2 = createHistogram();
  for (let i = 0; i < 99; i++) recordMs(h1, 1);
  recordMs(h2, 50);
  const all = addHistograms([encodeHistogram(h1), encodeHistogram(h2)]);
  const byOp = (h: Histogram, ops: number) => ({
    get: { ops, errors: 0, histogram: encodeHistogram(h) },
  });
  // Built apart from the literal: `by_op` is optional in the schema.
  const slow: Interval = Object.assign(interval(1, 1, { p99: 50 }), {
    by_op: byOp(h2, 1),
  });
  const fast: Interval = Object.assign(interval(1, 99, { p99: 1 }), {
    by_op: byOp(h1, 99),
  });
  const a = part([1], { timeseries: [fast] });
  const b = part([1], { timeseries: [slow] });
  const [merged] = mergeTimeseries([{ measurements: a }, { measurements: b }]);
  const withOps = merged as Interval & {
    by_op?: Record<string, { ops: number; histogram?: string }>;
  };
  assert.equal(withOps.by_op?.get.ops, 100);
  assert.equal(merged.p99, all.getValueAtPercentile(99) / 1e6);
  assert.ok(merged.p99 < 50, "the 99th of 100 values is not the slow one");
  h1.destroy();
  h2.destroy();
  all.destroy();
});
