import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { readArtifact } from "../artifact/mod.ts";
import { width } from "./_layout.ts";
import { renderMarkdown } from "./markdown.ts";
import { renderProgress, renderSummary } from "./terminal.ts";

const golden = await readArtifact(fileURLToPath(
  new URL("../../tests/fixtures/golden/result.json", import.meta.url),
));

// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

Deno.test("renderSummary() without unicode writes ASCII only, the tool's symbols spelled out", () => {
  for (const color of [false, true]) {
    const text = renderSummary(golden, { color, unicode: false });
    assert.match(text.replace(SGR, ""), /^[\x20-\x7e\n]*$/);
  }
  const text = renderSummary(golden, { color: false, unicode: false });
  assert.match(text, /^== calibrate-noop {2}builtin \| per-worker-iterations/m);
  assert.match(text, /^ {3}WARN {2}throughput /m);
  assert.match(text, /^ {3}OK {4}latency\.p99 /m);
  assert.match(text, /29\.2 us/);
  assert.match(text, /rss 117\.6 MiB -> 119\.5 MiB/);
  assert.match(text, /^ {3}error x93 in fail/m);
  assert.match(text, /^ {3}-> 1\.86% of ops/m);
  assert.match(text, /^== Overall Grade C\+/m);
  // Only the characters differ: as many lines, the same text otherwise.
  const unicode = renderSummary(golden, { color: false });
  assert.equal(text.split("\n").length, unicode.split("\n").length);
});

Deno.test("renderSummary() writes no line wider than the terminal, down to a single column", () => {
  for (const unicode of [true, false]) {
    for (const color of [false, true]) {
      for (let columns = 1; columns <= 130; columns++) {
        const text = renderSummary(golden, { color, unicode, columns });
        for (const line of text.split("\n")) {
          const shown = line.replace(SGR, "");
          // ASCII has no wide characters: its length is its width.
          const used = unicode ? width(shown) : shown.length;
          assert.ok(
            used <= columns,
            `${columns} columns, unicode ${unicode}: ${JSON.stringify(line)}`,
          );
        }
      }
    }
  }
});

Deno.test("renderSummary() on a wide terminal is the summary with no width", () => {
  assert.equal(
    renderSummary(golden, { color: true, columns: 200 }),
    renderSummary(golden, { color: true }),
  );
});

Deno.test("renderSummary() at 40 columns keeps every scenario, grade and verdict", () => {
  const text = renderSummary(golden, { color: false, columns: 40 });
  assert.match(text, /^━━ calibrate-noop /m);
  assert.match(text, /^━━ calibrate-faults /m);
  assert.match(text, /^ {3}Grade C\+ {2}NEEDS ATTENTION/m);
  assert.match(text, /^ {3}Grade A {2}PRODUCTION READY/m);
  assert.match(text, /^══ Overall Grade C\+ {2}NEEDS ATTENTION/m);
  // The latency table keeps p50, p99 and max.
  assert.match(text, /^ {3}latency +p50 +p99 +max$/m);
});

Deno.test("renderProgress() fits one line short of the width, in the terminal's characters", () => {
  const progress = {
    name: "calibrate-faults",
    done: 1500,
    planned: 5000,
    throughput: 27_413,
    p99: 0.0102,
    eta_ms: 3000,
  };
  assert.equal(
    renderProgress(progress, {}),
    "▶ calibrate-faults  1,500/5,000 (30%) · 27,413/s · p99 10.2 µs · ETA 3.00 s",
  );
  assert.equal(
    renderProgress(progress, { unicode: false }),
    "> calibrate-faults  1,500/5,000 (30%) | 27,413/s | p99 10.2 us | ETA 3.00 s",
  );
  assert.equal(
    renderProgress(progress, { columns: 40 }),
    "▶ calibrate-faults  1,500/5,000 (30%) …",
  );
  assert.equal(
    renderProgress(progress, { unicode: false, columns: 20 }),
    "> calibrate-faul...",
  );
});

/** The golden artifact as an open-model run would record it. */
function openModel(): typeof golden {
  const open = structuredClone(golden);
  const m = open.scenarios[0].measurements;
  m.service_time = { ...m.latency, p99: 0.0123, max: 200 };
  for (const op of Object.values(m.ops)) {
    op.service_time = { ...op.latency, p99: 0.0123 };
  }
  m.dropped = 2;
  m.max_lag_ms = 197.6;
  Object.assign(open.scenarios[0].load, { time_unit_ms: 1000, rate: 200 });
  return open;
}

Deno.test("renderSummary() of an open-model run shows service time beside latency, and the arrivals", () => {
  const text = renderSummary(openModel(), { color: false });
  assert.match(text, / · 200\/s · 1 worker × ≤1 in flight · /);
  assert.match(text, /^ {3}latency\* +count/m);
  assert.match(text, /^ {3}service +count/m);
  assert.match(text, /latency counts from when each op was due/);
  assert.match(
    text,
    /^ {3}arrivals {2}\d[\d,]* started, 2 dropped \(0\.\d\d%, max_in_flight full\), largest lag behind schedule 198 ms$/m,
  );
  // The closed-model golden has none of it.
  const closed = renderSummary(golden, { color: false });
  assert.doesNotMatch(closed, /service|arrivals|latency\*/);
  for (let columns = 1; columns <= 130; columns += 7) {
    for (
      const line of renderSummary(openModel(), { color: false, columns }).split(
        "\n",
      )
    ) {
      assert.ok(width(line) <= columns, `${columns} columns: ${line}`);
    }
  }
});

Deno.test("renderMarkdown() of an open-model run titles both tables by where they count from", () => {
  const text = renderMarkdown(openModel());
  assert.match(text, /^\| latency \(from intended start\) \| count/m);
  assert.match(text, /^\| service time \(from actual start\) \| count/m);
  assert.match(text, /^\*\*Arrivals:\*\* .* 2 dropped/m);
});
