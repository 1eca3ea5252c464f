import assert from "node:assert/strict";
import { SeededRng } from "../engine/rng.ts";
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  initHistograms,
  liveHistograms,
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
  // Every bucket equal. A histogram's range grows by recording or by adding,
  // to different bounds that its encoding's header records, so both are
  // compared after the same trip: encoded, decoded, added to a new one.
  assert.equal(canonical(merged), canonical(single));
  for (const h of [single, merged, ...workers]) h.destroy();
});

/** The encoding of `histogram`'s buckets, whatever the path its range grew by. */
function canonical(histogram: Histogram): string {
  const decoded = decodeHistogram(encodeHistogram(histogram));
  const fresh = createHistogram();
  fresh.add(decoded);
  decoded.destroy();
  const encoded = encodeHistogram(fresh);
  fresh.destroy();
  return encoded;
}

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

Deno.test("createHistogram() sizes its range to what was recorded, up to one hour", () => {
  const h = createHistogram();
  const empty = h.estimatedFootprintInBytes;
  recordMs(h, 1);
  const upToMs = h.estimatedFootprintInBytes;
  recordMs(h, 3_600_000);
  const upToHour = h.estimatedFootprintInBytes;
  h.reset();
  assert.equal(h.estimatedFootprintInBytes, upToHour, "reset keeps the range");
  h.destroy();
  assert.ok(
    empty < upToMs && upToMs < upToHour,
    `${[empty, upToMs, upToHour]}`,
  );
  assert.ok(empty * 10 < upToHour, `${empty} bytes empty, ${upToHour} full`);
});

Deno.test("liveHistograms() counts created and decoded histograms until destroyed once", () => {
  const before = liveHistograms();
  const h = createHistogram();
  recordMs(h, 2);
  const decoded = decodeHistogram(encodeHistogram(h));
  assert.equal(liveHistograms() - before, 2);
  h.destroy();
  h.destroy(); // idempotent
  decoded.destroy();
  assert.equal(liveHistograms(), before);
});
