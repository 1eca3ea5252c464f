import assert from "node:assert/strict";
import { type GradeResult, gradeScenario } from "../../grade/mod.ts";
import { parseScenarios, type Plan } from "../../scenario/mod.ts";
import type { Target } from "../../target.ts";
import { runPlan, type RunResult } from "../mod.ts";

/** What a component test needs to run one scenario through real Workers. */
export interface GradeRunOptions {
  target: Target;
  /** A worker entry that serves `target`. */
  workerUrl: URL;
}

/**
 * Runs one scenario (YAML text, or a plan) through the engine on real Workers
 * in a temp directory, asserts it completed, and grades it.
 */
export async function runAndGrade(
  scenario: string | Plan,
  options: GradeRunOptions,
): Promise<{ run: RunResult; graded: GradeResult }> {
  const { target, workerUrl } = options;
  const plan = typeof scenario === "string"
    ? parseScenarios("inline.yaml", scenario, {
      targets: { [target.name]: target },
    })[0]
    : scenario;
  const runDir = await Deno.makeTempDir({ prefix: `tensile-${target.name}-` });
  try {
    const run = await runPlan(plan, { target, workerUrl, runDir });
    assert.equal(run.status, "completed", run.error);
    const graded = gradeScenario(run.measurements, {
      thresholds: plan.thresholds,
      invariants: run.invariants,
    });
    return { run, graded };
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
}
