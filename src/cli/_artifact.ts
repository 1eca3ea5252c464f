/**
 * Assembles the artifact from plans and run results: grading happens here,
 * once, so every report shows the same grade.
 * @module
 */
import { cpus } from "node:os";
import denoJson from "../../deno.json" with { type: "json" };
import {
  type Artifact,
  ARTIFACT_SCHEMA,
  gradeScenario,
  overallGrade,
  recommend,
  type ScenarioResult,
  type ScenarioStatus,
  verdictOf,
} from "../grade/mod.ts";
import type { RunResult } from "../engine/mod.ts";
import { loadRecord } from "../executors/mod.ts";
import type { Plan, Profile } from "../scenario/mod.ts";

/** The tool's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** Grades one run into its artifact entry. */
export function scenarioResult(plan: Plan, run: RunResult): ScenarioResult {
  const graded = gradeScenario(run.measurements, {
    thresholds: plan.thresholds,
    invariants: run.invariants,
  });
  const failed = run.status === "error";
  const grade = failed ? "F" : graded.grade;
  const status: ScenarioStatus = run.status === "error"
    ? "error"
    : run.status === "interrupted"
    ? "interrupted"
    : grade === "F"
    ? "failed"
    : "passed";
  return {
    name: plan.name,
    ...(plan.suite ? { suite: plan.suite } : {}),
    file: plan.file,
    description: plan.description,
    target: plan.target,
    profile: plan.profile,
    config: plan.config as Record<string, unknown>,
    load: loadRecord(plan.load),
    status,
    ...(run.error ? { error: run.error } : {}),
    started_at: run.started_at,
    ended_at: run.ended_at,
    grade,
    verdict: verdictOf(grade),
    reasons: failed ? [`the run failed: ${run.error}`] : graded.reasons,
    thresholds: graded.thresholds.map((result, i) => ({
      ...result,
      kind: plan.thresholds[i].kind,
    })),
    invariants: run.invariants,
    measurements: run.measurements,
    recommendations: recommend(run.measurements, run.invariants),
    notes: run.notes,
  };
}

/** Wraps scenario results into the artifact with run-wide facts. */
export function buildArtifact(
  scenarios: ScenarioResult[],
  run: { profile: Profile; startedAt: Date; endedAt: Date },
): Artifact {
  const grade = overallGrade(scenarios.map((s) => s.grade));
  const has = (status: ScenarioStatus) =>
    scenarios.some((s) => s.status === status);
  const status: ScenarioStatus = has("error")
    ? "error"
    : has("interrupted")
    ? "interrupted"
    : has("failed")
    ? "failed"
    : "passed";
  return {
    schema: ARTIFACT_SCHEMA,
    tool: { name: "tensile", version: VERSION },
    runtime: { ...Deno.version },
    system: systemInfo(),
    profile: run.profile,
    started_at: run.startedAt.toISOString(),
    ended_at: run.endedAt.toISOString(),
    status,
    grade,
    verdict: verdictOf(grade),
    scenarios,
  };
}

function systemInfo(): Artifact["system"] {
  let memory = 0;
  try {
    memory = Deno.systemMemoryInfo().total;
  } catch {
    // --allow-sys not granted: leave it unknown
  }
  let model = "unknown";
  try {
    model = cpus()[0]?.model ?? model;
  } catch {
    // --allow-sys not granted
  }
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    cpu_model: model,
    memory_bytes: memory,
  };
}
