import assert from "node:assert/strict";
import type { Measurements } from "../stats/mod.ts";
import {
  checkThreshold,
  type Grade,
  gradeScenario,
  metricValue,
  overallGrade,
  parseThreshold,
  verdictOf,
} from "./mod.ts";

const p95 = parseThreshold("latency.p95", {
  optimal: "<1ms",
  warning: "<10ms",
  critical: "<100ms",
});
const success = parseThreshold("success_rate", {
  optimal: ">99%",
  warning: ">95%",
  critical: ">80%",
});

function measured(
  overrides: { p95?: number; ok?: number; conflict?: number },
): Measurements {
  const ok = overrides.ok ?? 1000;
  const conflict = overrides.conflict ?? 0;
  const latency = {
    count: ok + conflict,
    min: 0.01,
    mean: 0.1,
    stdev: 0.01,
    p50: 0.1,
    p90: 0.2,
    p95: overrides.p95 ?? 0.3,
    p99: 0.5,
    p99_9: 1,
    max: 2,
  };
  const outcomes = {
    ok,
    validation: 0,
    conflict,
    busy: 0,
    timeout: 0,
    injected: 0,
    error: 0,
  };
  return {
    total: ok + conflict,
    outcomes,
    throughput: 1000,
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
    counters: { lock_retries: 30 },
  };
}

Deno.test("checkThreshold() grades each level, with +/- from the margin", async (t) => {
  const cases: [number, Grade][] = [
    [0.3, "A+"], // well inside optimal
    [0.7, "A"],
    [0.95, "A-"], // just inside optimal
    [1.5, "B+"], // just past optimal
    [3.5, "B"],
    [8, "B-"], // close to the warning bound
    // The critical band spans 10..100 ms; sixths are taken on a log scale.
    [12, "C+"],
    [18, "C"],
    [26, "C-"],
    [40, "D+"],
    [55, "D"],
    [75, "D-"],
    [95, "D-"], // about to miss critical
    [150, "F"], // missed critical
  ];
  for (const [ms, grade] of cases) {
    await t.step(`p95 ${ms} ms is ${grade}`, () => {
      assert.equal(checkThreshold(p95, ms).grade, grade);
    });
  }
  await t.step("higher-is-better metrics grade the same way", () => {
    assert.equal(checkThreshold(success, 1).grade, "A+");
    assert.equal(checkThreshold(success, 0.97).level, "warning");
    assert.equal(checkThreshold(success, 0.9).level, "critical");
    assert.equal(checkThreshold(success, 0.5).grade, "F");
  });
  await t.step("a metric with no value fails", () => {
    assert.equal(checkThreshold(p95, undefined).grade, "F");
  });
});

Deno.test("gradeScenario(): the worst threshold decides, and says why", () => {
  const result = gradeScenario(measured({ p95: 3, ok: 995, conflict: 5 }), {
    thresholds: [p95, success],
    invariants: [],
  });
  assert.equal(result.grade, "B");
  assert.equal(result.verdict, "PRODUCTION READY");
  assert.deepEqual(result.reasons, [
    "latency.p95 missed optimal <1ms, met warning <10ms",
  ]);
});

Deno.test("gradeScenario(): a broken invariant makes an otherwise perfect run F", () => {
  const result = gradeScenario(measured({}), {
    thresholds: [p95, success],
    invariants: [
      {
        name: "total_balance_conserved",
        ok: false,
        detail: "sum 9990, expected 10000",
      },
    ],
  });
  assert.equal(result.thresholds.every((t) => t.level === "optimal"), true);
  assert.equal(result.grade, "F");
  assert.equal(result.verdict, "FAILING");
  assert.match(
    result.reasons.join("\n"),
    /invariant total_balance_conserved broken: sum 9990/,
  );
});

Deno.test("gradeScenario(): a run where no op succeeded fails unless a threshold bounds outcomes", async (t) => {
  const allFailed = measured({ ok: 0, conflict: 20 });
  await t.step("no thresholds at all: F, and says why", () => {
    const result = gradeScenario(allFailed, { thresholds: [], invariants: [] });
    assert.equal(result.grade, "F");
    assert.deepEqual(result.reasons, [
      "no op succeeded: all 20 failed (20 conflict); declare a success_rate threshold to grade partial failure",
      "no thresholds declared: only invariants were graded",
    ]);
  });
  await t.step("latency bounds only: still F", () => {
    const result = gradeScenario(allFailed, {
      thresholds: [p95],
      invariants: [],
    });
    assert.equal(result.grade, "F");
  });
  await t.step("an outcome bound decides instead", () => {
    const expected = parseThreshold("conflict_rate", {
      optimal: ">=100%",
      warning: ">=100%",
      critical: ">=100%",
    });
    const result = gradeScenario(allFailed, {
      thresholds: [expected],
      invariants: [],
    });
    assert.equal(result.grade, "A+");
  });
  await t.step("one success is enough to grade by thresholds alone", () => {
    const result = gradeScenario(measured({ ok: 1, conflict: 20 }), {
      thresholds: [],
      invariants: [],
    });
    assert.equal(result.grade, "A+");
  });
});

Deno.test("metricValue() reads target counters as totals and as a share of ops", () => {
  const m = measured({});
  assert.equal(metricValue(m, "counters.lock_retries"), 30);
  assert.equal(metricValue(m, "counters.lock_retries.rate"), 0.03);
  assert.equal(metricValue(m, "counters.never_moved"), 0);
});

Deno.test("gradeScenario(): latency bounds fail when no latency was recorded", () => {
  const m = measured({});
  m.latency = { ...m.latency, count: 0 };
  const result = gradeScenario(m, { thresholds: [p95], invariants: [] });
  assert.equal(result.grade, "F");
  assert.match(result.reasons[0], /latency\.p95 has no value/);
});

Deno.test("verdictOf() and overallGrade() follow the design's table", () => {
  assert.equal(verdictOf("A-"), "PRODUCTION READY");
  assert.equal(verdictOf("B+"), "PRODUCTION READY");
  assert.equal(verdictOf("C"), "NEEDS ATTENTION");
  assert.equal(verdictOf("D-"), "NEEDS ATTENTION");
  assert.equal(verdictOf("F"), "FAILING");
  assert.equal(overallGrade(["A+", "B-", "A"]), "B-");
  assert.equal(overallGrade(["A+", "F", "A"]), "F");
});

Deno.test("gradeScenario(): an open-model run with no drop threshold fails above 0.1% dropped, and says why", async (t) => {
  const open = (dropped: number): Measurements => ({
    ...measured({}),
    dropped,
    service_time: { ...measured({}).latency, p99: 0.25 },
  });
  await t.step("1 of 1001 arrivals dropped (0.0999%) passes", () => {
    const graded = gradeScenario(open(1), { thresholds: [], invariants: [] });
    assert.equal(graded.grade, "A-", "met, near the bound");
    assert.equal(
      gradeScenario(open(0), { thresholds: [], invariants: [] }).grade,
      "A+",
    );
    assert.equal(graded.thresholds.at(-1)?.metric, "dropped_rate");
  });
  await t.step("3 of 1003 dropped fails critical, with the reason", () => {
    const graded = gradeScenario(open(3), {
      thresholds: [p95],
      invariants: [],
    });
    assert.equal(graded.grade, "F");
    assert.match(
      graded.reasons.join("\n"),
      /dropped_rate 0\.3% missed critical <=0\.1% \(the default for arrival-rate executors\): 3 arrivals found max_in_flight ops running/,
    );
  });
  await t.step("a declared drop threshold replaces the default", () => {
    const graded = gradeScenario(open(3), {
      thresholds: [parseThreshold("dropped", { critical: "<10" })],
      invariants: [],
    });
    assert.equal(graded.thresholds.length, 1);
    assert.notEqual(graded.grade, "F");
  });
  await t.step("closed-model runs get no implicit threshold", () => {
    const graded = gradeScenario(measured({}), {
      thresholds: [p95],
      invariants: [],
    });
    assert.deepEqual(graded.thresholds.map((r) => r.metric), ["latency.p95"]);
  });
  await t.step("service_time.* reads the open model's service time", () => {
    assert.equal(metricValue(open(0), "service_time.p99"), 0.25);
    assert.equal(metricValue(measured({}), "service_time.p99"), undefined);
    assert.equal(metricValue(open(3), "dropped_rate"), 3 / 1003);
  });
});
