import assert from "node:assert/strict";
import { SeededRng } from "../engine/rng.ts";
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  initHistograms,
  recordMs,
  summarize,
} from "./mod.ts";

await initHistograms();

Deno.test("histograms merged from 2 workers equal one histogram fed the same values", () => {
  const rng = new SeededRng(7);
  const single = createHistogram();
  const workers = [createHistogram(), createHistogram()];
  for (let i = 0; i < 50_000; i++) {
    // Log-uniform over 100 ns .. 1 s, so every bucket range is exercised.
    const ns = Math.round(10 ** (2 + rng.next() * 7));
    single.recordValue(ns);
    workers[i % 2].recordValue(ns);
  }
  // Cross the thread boundary as a worker batch does: encoded, then decoded.
  const merged = createHistogram();
  for (const worker of workers) {
    const decoded = decodeHistogram(encodeHistogram(worker));
    merged.add(decoded);
    decoded.destroy();
  }
  assert.equal(merged.totalCount, single.totalCount);
  assert.deepEqual(summarize(merged), summarize(single));
  for (let p = 0; p <= 100; p += 0.5) {
    assert.equal(
      merged.getValueAtPercentile(p),
      single.getValueAtPercentile(p),
      `p${p}`,
    );
  }
  assert.equal(encodeHistogram(merged), encodeHistogram(single));
  for (const h of [single, merged, ...workers]) h.destroy();
});

Deno.test("recordMs() keeps sub-microsecond resolution and clamps out-of-range values", () => {
  const h = createHistogram();
  recordMs(h, 0.000_150); // 150 ns
  recordMs(h, 0); // clamps to 1 ns
  recordMs(h, 1e12); // clamps to one hour
  const s = summarize(h);
  assert.equal(s.count, 3);
  assert.equal(s.min, 1e-6);
  assert.ok(Math.abs(s.p50 - 0.000_150) < 0.000_001, `p50 ${s.p50}`);
  assert.ok(s.max >= 3_600_000 * 0.999 && s.max <= 3_600_000 * 1.001);
  h.destroy();
});

Deno.test("summarize() of an empty histogram is all zeros", () => {
  const h = createHistogram();
  assert.deepEqual(Object.values(summarize(h)), Array(10).fill(0));
  h.destroy();
});
