import assert from "node:assert/strict";
import { calibrateTarget } from "../components/calibrate/mod.ts";
import {
  parseScenarios,
  type Plan,
  type Profile,
  ScenarioError,
} from "./mod.ts";

const targets = { calibrate: calibrateTarget };

/** The count of a plan whose executor runs one. */
function iterationsOf(plan: Plan): number {
  assert.ok("iterations" in plan.load, `${plan.load.executor} runs no count`);
  return plan.load.iterations;
}

/** The duration of a plan whose executor runs one. */
function durationOf(plan: Plan): number {
  assert.ok("duration_ms" in plan.load, `${plan.load.executor} runs no time`);
  return plan.load.duration_ms;
}

const SUITE = `suite: demo
defaults:
  target: calibrate
  load: { executor: per-worker-iterations, iterations: 1000, warmup: 100, workers: 2 }
  thresholds:
    error_rate: { critical: "<1%" }
scenarios:
  - name: first
    mix: [{ op: noop }]
  - name: second
    load: { executor: constant-workers, duration: 5s, iterations: null }
    mix: [{ op: spin, weight: 2, params: { us: 5 } }, { op: noop }]
    thresholds:
      latency.p95: { optimal: "<1ms" }
    profiles:
      full: { load: { duration: 60s } }
`;

Deno.test("parseScenarios() merges suite defaults under each scenario", () => {
  const text = SUITE.replace("iterations: null", "workers: 1");
  const [first, second] = parseScenarios(
    "demo.yaml",
    text.replace(
      "load: { executor: constant-workers, duration: 5s, workers: 1 }",
      "load: { executor: per-worker-iterations, workers: 1 }",
    ),
    { targets },
  );
  assert.equal(first.suite, "demo");
  assert.equal(first.load.workers, 2);
  assert.equal(iterationsOf(first), 1000);
  assert.equal(second.load.workers, 1, "scenario wins key by key");
  assert.equal(iterationsOf(second), 1000, "the rest is inherited");
  assert.deepEqual(second.thresholds.map((t) => t.metric), [
    "error_rate",
    "latency.p95",
  ]);
  assert.deepEqual(second.mix, [
    { op: "spin", name: "spin", weight: 2, params: { us: 5 } },
    { op: "noop", name: "noop", weight: 1, params: {} },
  ]);
});

Deno.test("parseScenarios() scales counts and durations by profile, then applies overrides", async (t) => {
  const text = SUITE.replace(
    "load: { executor: constant-workers, duration: 5s, iterations: null }",
    "load: { executor: constant-workers, duration: 5s }",
  ).replace(
    "defaults:\n  target: calibrate\n  load: { executor: per-worker-iterations, iterations: 1000, warmup: 100, workers: 2 }",
    "defaults:\n  target: calibrate\n  load: { executor: per-worker-iterations, warmup: 100, workers: 2 }",
  ).replace(
    "    mix: [{ op: noop }]",
    "    load: { iterations: 1000 }\n    mix: [{ op: noop }]",
  );
  const at = (profile: Profile) =>
    parseScenarios("demo.yaml", text, { targets, profile });
  await t.step("ci is the file as written", () => {
    const [first, second] = at("ci");
    assert.equal(iterationsOf(first), 1000);
    assert.equal(first.load.warmup, 100);
    assert.equal(durationOf(second), 5000);
  });
  await t.step("smoke shrinks", () => {
    const [first, second] = at("smoke");
    assert.equal(iterationsOf(first), 100);
    assert.equal(first.load.warmup, 10);
    assert.equal(durationOf(second), 1000);
  });
  await t.step("full grows, and profiles.full replaces values outright", () => {
    const [first, second] = at("full");
    assert.equal(iterationsOf(first), 10_000);
    assert.equal(durationOf(second), 60_000);
  });
});

function issues(text: string): string[] {
  try {
    parseScenarios("s.yaml", text, { targets });
  } catch (error) {
    assert.ok(error instanceof ScenarioError);
    return error.message.split("\n");
  }
  assert.fail("expected a ScenarioError");
}

const BASE = `name: one
target: calibrate
load: { executor: per-worker-iterations, iterations: 10 }
mix: [{ op: noop }]
`;

Deno.test("parseScenarios() reports every problem with file:line:col and a hint", async (t) => {
  await t.step(
    "a scenarios list without suite: gets one message, not one per key",
    () => {
      assert.deepEqual(
        issues(`# a list\nscenarios:\n  - ${BASE.replaceAll("\n", "\n    ")}`),
        [
          's.yaml:2:1: "scenarios:" belongs to a suite: add "suite: NAME" at the top (a file is one scenario, or a suite of "suite:", optional "defaults:" and "scenarios:")',
        ],
      );
    },
  );
  await t.step("unknown target", () => {
    assert.deepEqual(
      issues(BASE.replace("target: calibrate", "target: calibrat")),
      [
        's.yaml:2:9: unknown target "calibrat": expected one of calibrate (did you mean "calibrate"?)',
      ],
    );
  });
  await t.step("unknown param and a param of the wrong type", () => {
    assert.deepEqual(
      issues(
        BASE.replace(
          "mix: [{ op: noop }]",
          "mix:\n  - op: spin\n    params: { uss: 5 }\n  - op: sleep\n    params: { ms: fast }",
        ),
      ),
      [
        's.yaml:6:15: unknown param "uss" for op "spin" (did you mean "us"?)',
        's.yaml:8:19: "mix.1.params.ms" has the wrong type: expected number, got "fast"',
      ],
    );
  });
  await t.step("an executor without the count it needs", () => {
    assert.deepEqual(issues(BASE.replace("iterations: 10", "workers: 2")), [
      's.yaml:3:7: executor "per-worker-iterations" needs "iterations": how many ops to run',
    ]);
  });
  await t.step("a bound whose unit does not fit", () => {
    assert.deepEqual(
      issues(BASE + 'thresholds:\n  latency.p95: { critical: "<5%" }\n'),
      [
        's.yaml:6:28: cannot use bound "<5%" here: this metric is a time, write it like "<5ms"',
      ],
    );
  });
  await t.step("a per-op threshold on an op not in the mix", () => {
    assert.deepEqual(
      issues(
        BASE + 'thresholds:\n  ops.nop.latency.p95: { critical: "<5ms" }\n',
      ),
      [
        's.yaml:6:3: unknown op "nop" in threshold "ops.nop.latency.p95": it is not in the mix (did you mean "noop"?)',
      ],
    );
  });
  await t.step("a counter the target does not report", () => {
    assert.deepEqual(
      issues(
        BASE + 'thresholds:\n  counters.retries.rate: { critical: "<5%" }\n',
      ),
      [
        's.yaml:6:3: unknown counter "retries" in threshold "counters.retries.rate": target "calibrate" reports none',
      ],
    );
  });
  await t.step(
    "durations out of range, and a duration past the hard stop",
    () => {
      const at = (load: string) =>
        issues(
          BASE.replace(
            "{ executor: per-worker-iterations, iterations: 10 }",
            load,
          ),
        );
      assert.match(
        at("{ executor: constant-workers, duration: 0s }")[0],
        /^s\.yaml:3:47: "load\.duration": "0s" is not a duration from 1ms to 24h: write a number and a unit \(ms, s, m or h\), like "500ms", "2s" or "1\.5m"$/,
      );
      assert.match(
        at(
          "{ executor: per-worker-iterations, iterations: 10, max_duration: 1000h }",
        )[0],
        /"load\.max_duration": "1000h" is not a duration from 1ms to 24h: /,
      );
      assert.deepEqual(at("{ executor: constant-workers, duration: 10m }"), [
        's.yaml:3:47: "duration" 10m is not shorter than "max_duration" 5m: raise max_duration',
      ]);
    },
  );
  await t.step("a bound of the wrong type, and a typo in a tier", () => {
    assert.deepEqual(
      issues(
        BASE +
          'thresholds:\n  error_rate: 5\n  latency.p99: { optimall: "<1ms" }\n',
      ),
      [
        's.yaml:6:15: "thresholds.error_rate": expected a bound like "<5ms", or a mapping of optimal, warning and critical bounds',
        's.yaml:7:18: unknown key "optimall" in thresholds.latency.p99 (did you mean "optimal"?)',
      ],
    );
  });
  await t.step("threshold tiers that point different ways", () => {
    assert.deepEqual(
      issues(
        BASE +
          'thresholds:\n  latency.p99: { optimal: ">1ms", critical: "<10ms" }\n',
      ),
      [
        's.yaml:6:16: cannot mix directions in threshold "latency.p99": every bound must be "<" or every bound ">"',
      ],
    );
  });
  await t.step("an invariant the target does not offer", () => {
    assert.deepEqual(issues(BASE + "invariants: [balance]\n"), [
      's.yaml:5:14: unknown invariant "balance" for target "calibrate": expected one of (none)',
    ]);
  });
  await t.step("an unknown executor", () => {
    assert.match(
      issues(BASE.replace("per-worker-iterations", "per-worker-iteration"))[0],
      /^s\.yaml:3:19: "load\.executor" must be one of .*, got "per-worker-iteration" \(did you mean "per-worker-iterations"\?\)$/,
    );
  });
  await t.step("a suite error in defaults points at the defaults", () => {
    const suite =
      "suite: s\ndefaults:\n  target: calibrate\n  lod: {}\nscenarios:\n  - name: a\n    load: { executor: shared-iterations, iterations: 1 }\n    mix: [{ op: noop }]\n";
    assert.deepEqual(issues(suite), [
      's.yaml:4:3: unknown key "lod" (did you mean "load"?)',
    ]);
  });
});

Deno.test("parseScenarios() records the line of each threshold and of the scenario's name", () => {
  const text = [
    "suite: s",
    "defaults:",
    "  target: calibrate",
    "  mix: [{ op: noop }]",
    "  load: { executor: shared-iterations, iterations: 10 }",
    "  thresholds:",
    '    latency.p99: "<1s"',
    "scenarios:",
    "  - name: a",
    "    thresholds:",
    '      error_rate: "<5%"',
    "  - name: b",
  ].join("\n");
  const [a, b] = parseScenarios("s.yaml", text, { targets });
  assert.equal(a.where?.name.line, 9);
  assert.deepEqual(
    a.thresholds.map((t) => [t.metric, t.line]),
    [["latency.p99", 7], ["error_rate", 11]],
  );
  assert.equal(b.where?.name.line, 12);
  assert.deepEqual(b.thresholds.map((t) => [t.metric, t.line]), [
    ["latency.p99", 7],
  ]);
});
