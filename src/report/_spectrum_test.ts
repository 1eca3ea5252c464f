import assert from "node:assert/strict";
import {
  createHistogram,
  encodeHistogram,
  initHistograms,
  recordMs,
} from "../stats/mod.ts";
import { percentileOf } from "./_spectrum.ts";

Deno.test("percentileOf() reads p99.99 from a histogram the engine encoded", async () => {
  await initHistograms();
  const histogram = createHistogram();
  // 1..10000 µs: p99.99 is 9.999 ms, p50 5 ms (within HDR's 0.1%).
  for (let us = 1; us <= 10_000; us++) recordMs(histogram, us / 1000);
  const encoded = encodeHistogram(histogram);
  histogram.destroy();
  const near = (actual: number | undefined, expected: number) =>
    assert.ok(
      actual !== undefined && Math.abs(actual - expected) / expected < 0.002,
      `${actual} ≈ ${expected}`,
    );
  near(percentileOf(encoded, 99.99), 9.999);
  near(percentileOf(encoded, 50), 5);
});

Deno.test("percentileOf() says nothing for text that is not a histogram, or an empty one", async () => {
  assert.equal(percentileOf("not a histogram", 99.99), undefined);
  assert.equal(percentileOf("", 99.99), undefined);
  await initHistograms();
  const empty = createHistogram();
  const encoded = encodeHistogram(empty);
  empty.destroy();
  assert.equal(percentileOf(encoded, 99.99), undefined);
});
