import assert from "node:assert/strict";
import { SeededRng } from "../engine/mod.ts";
import {
  bootstrapRatios,
  classify,
  decodeDistribution,
  mannWhitney,
  ratioOf,
  type Sample,
  sideFigures,
  smallestP,
} from "./compare.ts";
import {
  createHistogram,
  encodeHistogram,
  initHistograms,
  recordMs,
  summarize,
} from "./mod.ts";

await initHistograms();

/** Log-normal latencies (median 1 ms) scaled by `scale`, one interval. */
function interval(rng: SeededRng, values: number, scale: number): Sample {
  const histogram = createHistogram();
  try {
    for (let i = 0; i < values; i++) {
      const normal = Math.sqrt(-2 * Math.log(1 - rng.next())) *
        Math.cos(2 * Math.PI * rng.next());
      recordMs(histogram, scale * Math.exp(0.5 * normal));
    }
    return {
      ops: values,
      errors: 0,
      seconds: 1,
      latency: decodeDistribution(encodeHistogram(histogram)),
    };
  } finally {
    histogram.destroy();
  }
}

/** The p99 verdict of one seeded trial: 10 intervals a side. */
function p99Change(trial: number, headScale: number) {
  const rng = new SeededRng(1000 + trial);
  const base = Array.from({ length: 10 }, () => interval(rng, 1000, 1));
  const head = Array.from({ length: 10 }, () => interval(rng, 1000, headScale));
  const ci = bootstrapRatios(base, head, {
    resamples: 100,
    seed: trial,
    alpha: 0.05,
  })!["latency.p99"]!;
  const ratio = ratioOf(
    sideFigures(head).latency[2],
    sideFigures(base).latency[2],
  );
  return classify({
    ratio,
    better: "lower",
    noise: 0.05,
    significant: ci.low > 1 || ci.high < 1,
  });
}

Deno.test("bootstrapRatios() finds the same distribution within noise in at least 95 of 100 seeded trials", () => {
  let within = 0;
  for (let trial = 0; trial < 100; trial++) {
    if (p99Change(trial, 1) === "within noise") within++;
  }
  console.log(`same distribution: within noise in ${within}/100 trials`);
  assert.ok(within >= 95, `${within}/100`);
});

Deno.test("bootstrapRatios() finds a 20% slower p99 a regression in at least 95 of 100 seeded trials", () => {
  let found = 0;
  for (let trial = 0; trial < 100; trial++) {
    if (p99Change(trial, 1.2) === "regression") found++;
  }
  console.log(`20% shift: regression in ${found}/100 trials`);
  assert.ok(found >= 95, `${found}/100`);
});

Deno.test("bootstrapRatios() is deterministic for a seed and needs 5 intervals a side", () => {
  const rng = new SeededRng(3);
  const base = Array.from({ length: 6 }, () => interval(rng, 200, 1));
  const head = Array.from({ length: 6 }, () => interval(rng, 200, 1.1));
  const options = { resamples: 100, seed: 9, alpha: 0.05 };
  assert.deepEqual(
    bootstrapRatios(base, head, options),
    bootstrapRatios(base, head, options),
  );
  assert.equal(bootstrapRatios(base.slice(0, 4), head, options), undefined);
});

Deno.test("sideFigures() percentiles match the HDR summary of the merged histogram", () => {
  const rng = new SeededRng(5);
  const merged = createHistogram();
  const samples: Sample[] = [];
  for (let k = 0; k < 4; k++) {
    const h = createHistogram();
    for (let i = 0; i < 300; i++) recordMs(h, 0.01 + 5 * rng.next() ** 3);
    merged.add(h);
    samples.push({
      ops: 300,
      errors: 3,
      seconds: 0.5,
      latency: decodeDistribution(encodeHistogram(h)),
    });
    h.destroy();
  }
  const summary = summarize(merged);
  merged.destroy();
  const figures = sideFigures(samples);
  assert.deepEqual(figures.latency, [
    summary.p50,
    summary.p90,
    summary.p99,
    summary.p99_9,
  ]);
  assert.equal(figures.throughput, 600);
  assert.equal(figures.error_rate, 0.01);
});

Deno.test("sideFigures() percentiles match HDR when a percentile's rank falls on a bucket edge of a large count", () => {
  // 99.9% of 72,000,000 is 71,928,000 exactly, but in floating point
  // 71,928,000.00000001: a fixed 1e-9 allowance took rank 71,928,001, one
  // bucket too far (p99.9 of 2 ms instead of 1 ms), so a bootstrap interval
  // could exclude its own point estimate. HDR allows one ulp.
  const h = createHistogram();
  h.recordValueWithCount(1_000_000, 71_928_000);
  h.recordValueWithCount(2_000_000, 72_000);
  const summary = summarize(h);
  const latency = decodeDistribution(encodeHistogram(h));
  h.destroy();
  const figures = sideFigures([{
    ops: 72_000_000,
    errors: 0,
    seconds: 1,
    latency,
  }]);
  assert.deepEqual(figures.latency, [
    summary.p50,
    summary.p90,
    summary.p99,
    summary.p99_9,
  ]);
  assert.ok(summary.p99_9 < 1.01, String(summary.p99_9));
});

Deno.test("mannWhitney() matches reference values (SciPy 1.17 mannwhitneyu, two-sided)", async (t) => {
  await t.step("exact, complete separation of 4 and 4", () => {
    assert.deepEqual(mannWhitney([1.1, 2.2, 3.3, 4.4], [5.5, 6.6, 7.7, 8.8]), {
      u: 0,
      p: 0.02857142857142857,
      method: "exact",
    });
  });
  await t.step("exact, 5 and 4 interleaved", () => {
    const r = mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    assert.equal(r.u, 17);
    assert.ok(Math.abs(r.p - 0.1111111111111111) < 1e-12);
  });
  await t.step("normal with ties and continuity correction", () => {
    const r = mannWhitney([3, 4, 2, 6, 2, 5], [9, 7, 5, 10, 6, 8]);
    assert.equal(r.u, 2);
    assert.equal(r.method, "normal");
    assert.ok(Math.abs(r.p - 0.012591911490379705) < 1e-6, `${r.p}`);
  });
  await t.step("Hollander & Wolfe's depression scores (ties)", () => {
    const r = mannWhitney(
      [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30],
      [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29],
    );
    assert.equal(r.u, 58);
    assert.ok(Math.abs(r.p - 0.13291945818531892) < 1e-6, `${r.p}`);
  });
});

Deno.test("mannWhitney() reproduces the textbook critical values of U (two-sided, α = 0.05)", () => {
  // Largest U significant at 0.05, two-sided, for n1 = n2 = n (standard tables).
  const table: Record<number, number> = {
    4: 0,
    5: 2,
    6: 5,
    7: 8,
    8: 13,
    10: 23,
  };
  for (const [size, critical] of Object.entries(table)) {
    const n = Number(size);
    let largest = -1;
    for (let u = 0; u <= n * n; u++) {
      // A sample pair with exactly this U: b's values placed among a's.
      const a = Array.from({ length: n }, (_, i) => i * (n + 1));
      const b: number[] = [];
      let left = u;
      for (let j = 0; j < n; j++) {
        const beaten = Math.min(n, left);
        left -= beaten;
        b.push(beaten * (n + 1) - 0.5 - j / 100); // distinct: no ties
      }
      const r = mannWhitney(b, a);
      assert.equal(r.u, u);
      if (r.p <= 0.05) largest = u;
      else break;
    }
    assert.equal(largest, critical, `n = ${n}`);
  }
});

Deno.test("smallestP() says when too few runs can never be significant", () => {
  assert.ok(Math.abs(smallestP(2, 2) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(smallestP(3, 3) - 0.1) < 1e-12);
  assert.ok(smallestP(4, 4) < 0.05);
});

Deno.test("classify() needs significance and the minimum effect, and says unknown without a test", () => {
  const base = { better: "lower" as const, noise: 0.05 };
  assert.equal(
    classify({ ...base, ratio: 1.2, significant: true }),
    "regression",
  );
  assert.equal(
    classify({ ...base, ratio: 0.8, significant: true }),
    "improvement",
  );
  assert.equal(
    classify({ ...base, ratio: 1.03, significant: true }),
    "within noise",
  );
  assert.equal(
    classify({ ...base, ratio: 1.2, significant: false }),
    "within noise",
  );
  assert.equal(classify({ ...base, ratio: 1.2 }), "unknown");
  assert.equal(classify({ ...base, ratio: 1.01 }), "within noise");
  assert.equal(
    classify({ better: "higher", noise: 0.05, ratio: 0.8, significant: true }),
    "regression",
  );
  assert.equal(ratioOf(0, 0), 1);
  assert.equal(ratioOf(1, 0), Infinity);
});
