import assert from "node:assert/strict";
import { lineChart, stackedBar, thin } from "./_svg.ts";

Deno.test("thin() keeps a long series under 120 points with its spike and its dip, in order", () => {
  const points = Array.from(
    { length: 3600 },
    (_, i) => [i, i === 1234 ? 500 : i === 2345 ? -5 : 10] as const,
  );
  const kept = thin(points);
  assert.ok(kept.length <= 120, `${kept.length} points`);
  assert.ok(kept.some(([x, y]) => x === 1234 && y === 500), "the spike");
  assert.ok(kept.some(([x, y]) => x === 2345 && y === -5), "the dip");
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i][0] > kept[i - 1][0]);
  const short = [[0, 1], [1, 2]] as const;
  assert.deepEqual(thin(short), short);
});

Deno.test("lineChart() draws finite paths inside its box for flat, empty, single and zero series", () => {
  const cases = [
    [[0, 0], [1, 0]],
    [[0.5, 3]],
    [[0, 1e-6], [1, 1e3]],
    [],
  ] as const;
  for (const points of cases) {
    for (const log of [false, true]) {
      const svg = lineChart({
        title: "t",
        series: [{ label: "a", points }],
        x: { kind: "linear", format: String },
        y: { log, format: String },
      });
      assert.doesNotMatch(svg, /NaN|Infinity|undefined/, svg);
      for (const [, d] of svg.matchAll(/ d="([^"]*)"/g)) {
        for (const [, x, y] of d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) {
          assert.ok(+x >= 0 && +x <= 360 && +y >= 0 && +y <= 170, d);
        }
      }
      if (points.length > 0) assert.match(svg, /class="(line|dot) s0" d="M/);
    }
  }
});

Deno.test("lineChart() draws finite paths inside its box for the extremes a hand-edited artifact may hold", () => {
  // Finite numbers the artifact schema accepts; 1e308 once drew a tick at
  // 10^309 (Infinity), so its path and label read NaN and "Infinity".
  const cases = [
    [[0, 1e308], [1, 1]],
    [[0, 5e-324], [1, 1]],
    [[0, -1e308], [1, 1e308]],
    [[1e308, 1], [-5, 2]],
  ] as const;
  for (const points of cases) {
    for (const log of [false, true]) {
      const svg = lineChart({
        title: "t",
        series: [{ label: "a", points }],
        x: { kind: "linear", format: String },
        y: { log, format: String },
      });
      assert.doesNotMatch(svg, /NaN|Infinity|undefined/, svg);
      for (const [, d] of svg.matchAll(/ d="([^"]*)"/g)) {
        for (const [, x, y] of d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)) {
          assert.ok(+x >= 0 && +x <= 360 && +y >= 0 && +y <= 170, d);
        }
      }
    }
  }
});

Deno.test("stackedBar() gives a rare part at least a pixel, and draws an empty bar when nothing ran", () => {
  const svg = stackedBar("o", [
    { label: "ok", value: 1_000_000, cls: "o-ok" },
    { label: "error", value: 1, cls: "o-error" },
    { label: "busy", value: 0, cls: "o-busy" },
  ]);
  assert.match(svg, /class="bar o-error" d="M\d+ 0h1v28/);
  assert.doesNotMatch(svg, /o-busy/);
  assert.match(stackedBar("o", []), /class="bar none"/);
});
