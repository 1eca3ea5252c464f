import assert from "node:assert/strict";
import { calibrateTarget } from "../components/calibrate/mod.ts";
import { opSlots } from "../engine/_protocol.ts";
import { parseScenarios, ScenarioError } from "./mod.ts";

const targets = { calibrate: calibrateTarget };

function scenario(mix: string, thresholds = ""): string {
  return `name: named
target: calibrate
load: { executor: per-worker-iterations, iterations: 10 }
mix:
${mix}
${thresholds}`;
}

Deno.test("parseScenarios() files a mix entry under its name:, defaulting to the op", () => {
  const [plan] = parseScenarios(
    "named.yaml",
    scenario(
      `  - { op: spin, name: short, params: { us: 1 } }
  - { op: spin, name: long, params: { us: 50 } }
  - { op: noop }
  - { op: noop, weight: 2 }`,
      `thresholds:\n  ops.short.latency.p99: "<1s"\n  ops.noop.latency.p99: "<1s"`,
    ),
    { targets, profile: "ci" },
  );
  assert.deepEqual(plan.mix.map((entry) => entry.name), [
    "short",
    "long",
    "noop",
    "noop",
  ]);
  // Two names of one op grade apart; unnamed entries of one op share.
  assert.deepEqual(opSlots(plan.mix).names, ["short", "long", "noop"]);
});

Deno.test("parseScenarios() refuses a name two mix entries would share", () => {
  assert.throws(
    () =>
      parseScenarios(
        "named.yaml",
        scenario(`  - { op: spin, name: same }\n  - { op: noop, name: same }`),
        { targets, profile: "ci" },
      ),
    (error: Error) => {
      assert.ok(error instanceof ScenarioError);
      assert.match(
        error.message,
        /named\.yaml:5:23: duplicate mix name "same": mix entry 2 is filed under it too/,
      );
      return true;
    },
  );
  // A name equal to another entry's op name would mix their figures too.
  assert.throws(
    () =>
      parseScenarios(
        "named.yaml",
        scenario(`  - { op: spin, name: noop }\n  - { op: noop }`),
        { targets, profile: "ci" },
      ),
    /duplicate mix name "noop": mix entry 2 is filed under it too/,
  );
});

Deno.test("parseScenarios() checks ops.<name> thresholds against the mix's names", () => {
  assert.throws(
    () =>
      parseScenarios(
        "named.yaml",
        scenario(
          `  - { op: spin, name: short }`,
          `thresholds:\n  ops.spin.latency.p99: "<1s"`,
        ),
        { targets, profile: "ci" },
      ),
    /unknown op "spin" in threshold "ops.spin.latency.p99": it is not in the mix/,
  );
});
