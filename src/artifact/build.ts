/**
 * Assembles the artifact from plans and run results: grading happens here,
 * once, so every report shows the same grade.
 * @module
 */
import { cpus } from "node:os";
import denoJson from "../../deno.json" with { type: "json" };
import {
  gradeScenario,
  overallGrade,
  recommend,
  type Threshold,
  type Verdict,
  verdictOf,
} from "../grade/mod.ts";
import type { RunResult } from "../engine/mod.ts";
import { loadRecord } from "../executors/mod.ts";
import { regressionValues } from "./compare.ts";
import type { Profile } from "../profiles.ts";
import type { Plan, Shard } from "../scenario/mod.ts";
import {
  type Artifact,
  ARTIFACT_SCHEMA,
  type ArtifactStatus,
  type ScenarioResult,
  type ScenarioStatus,
} from "./schema.ts";

/** The tool's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** What else grading may use. */
export interface ScenarioResultOptions {
  /**
   * The baseline run (`tensile run --baseline FILE`): `regression.*`
   * thresholds are graded against its scenario of the same name, and
   * skipped with a note without it.
   */
  baseline?: { file: string; artifact: Artifact };
}

/** Grades one run into its artifact entry. */
export function scenarioResult(
  plan: Plan,
  run: RunResult,
  options: ScenarioResultOptions = {},
): ScenarioResult {
  const baseline = options.baseline?.artifact.scenarios.find((s) =>
    s.name === plan.name && s.measurements.total > 0
  );
  const against: BaselineValues = baseline
    ? {
      regression: regressionValues(baseline, {
        measurements: run.measurements,
      }),
    }
    : options.baseline
    ? {
      noBaseline: `the baseline ${
        JSON.stringify(options.baseline.file)
      } has no measured scenario ${JSON.stringify(plan.name)}`,
    }
    : {};
  return {
    name: plan.name,
    ...(plan.suite ? { suite: plan.suite } : {}),
    file: plan.file,
    ...(plan.where ? { line: plan.where.name.line } : {}),
    description: plan.description,
    target: plan.target,
    profile: plan.profile,
    config: plan.config as Record<string, unknown>,
    load: loadRecord(plan.load),
    ...(plan.fingerprint ? { fingerprint: plan.fingerprint } : {}),
    ...(plan.shard
      ? {
        shard: {
          index: plan.shard.index,
          count: plan.shard.count,
          whole: loadRecord(plan.shard.whole),
        },
      }
      : {}),
    ...gradeRun(plan.thresholds, run, against),
  };
}

/**
 * What `regression.*` thresholds are graded with: values against a
 * baseline by metric name, or why there are none (they are then skipped
 * with a note).
 */
export interface BaselineValues {
  regression?: Record<string, number>;
  noBaseline?: string;
}

/** The fields of a scenario result that grading a run decides. */
export type GradedRun = Pick<
  ScenarioResult,
  | "status"
  | "error"
  | "started_at"
  | "ended_at"
  | "grade"
  | "verdict"
  | "reasons"
  | "thresholds"
  | "invariants"
  | "measurements"
  | "recommendations"
  | "notes"
>;

/**
 * Grades a run against thresholds: status, grade, verdict, reasons and
 * recommendations. One path for a run and for a merge of shards.
 */
export function gradeRun(
  thresholds: Threshold[],
  run: RunResult,
  against: BaselineValues = {},
): GradedRun {
  const graded = gradeScenario(run.measurements, {
    thresholds,
    invariants: run.invariants,
    ...against,
  });
  // A run that measured nothing has no verdict to give, and no grade to
  // pass on: finished that way it is an error; stopped, it stays
  // interrupted, graded F so nothing reads it as a pass.
  const empty = run.measurements.total === 0;
  const error = empty && run.status === "completed"
    ? "no op was measured: nothing to grade (is max_duration shorter than warmup?)"
    : run.error;
  const failed = run.status === "error" ||
    (empty && run.status === "completed");
  const grade = failed || empty ? "F" : graded.grade;
  const status: ScenarioStatus = failed
    ? "error"
    : run.status === "interrupted"
    ? "interrupted"
    : grade === "F"
    ? "failed"
    : "passed";
  return {
    status,
    ...(error ? { error } : {}),
    started_at: run.started_at,
    ended_at: run.ended_at,
    grade,
    verdict: empty && run.status !== "error"
      ? "NO MEASUREMENT"
      : status === "interrupted"
      ? "INTERRUPTED"
      : verdictOf(grade),
    reasons: failed
      ? [`the run failed: ${error}`]
      : empty
      ? ["stopped before any op was measured: nothing to grade"]
      : graded.reasons,
    thresholds: graded.thresholds,
    invariants: run.invariants,
    measurements: run.measurements,
    recommendations: recommend(run.measurements, run.invariants),
    notes: [...run.notes, ...graded.skipped ?? []],
  };
}

/** Run-wide facts for {@link buildArtifact}. */
export interface RunFacts {
  /** The profile every scenario ran in. */
  profile: Profile;
  /** When the run started. */
  startedAt: Date;
  /** When the run ended, or now for a run still going. */
  endedAt: Date;
  /** Scenarios the run set out to run; default: those given. */
  planned?: number;
  /** The run is still going (more scenarios to come). */
  running?: boolean;
  /** The run was stopped (Ctrl-C, a signal) before it finished. */
  interrupted?: boolean;
  /** The shard this run was, when split (`--shard`). */
  shard?: Shard;
  /** The wall-clock start waited for (`--start-at`), and how late it began. */
  startAt?: { requested: string; skew_ms: number };
}

/**
 * Wraps scenario results into the artifact with run-wide facts. Only a
 * finished run says passed or failed: one still going says `running`, one
 * stopped or cut short says `interrupted`, and one that ran nothing has no
 * verdict.
 */
export function buildArtifact(
  scenarios: ScenarioResult[],
  run: RunFacts,
): Artifact {
  const grade = overallGrade(scenarios.map((s) => s.grade));
  const planned = run.planned ?? scenarios.length;
  const has = (status: ScenarioStatus) =>
    scenarios.some((s) => s.status === status);
  const status: ArtifactStatus = run.running
    ? "running"
    : has("error")
    ? "error"
    : run.interrupted || has("interrupted") || scenarios.length < planned
    ? "interrupted"
    : has("failed")
    ? "failed"
    : "passed";
  const verdict: Verdict = status === "running"
    ? "IN PROGRESS"
    : scenarios.every((s) => s.verdict === "NO MEASUREMENT")
    ? "NO MEASUREMENT"
    : status === "interrupted"
    ? "INTERRUPTED"
    : verdictOf(grade);
  return {
    schema: ARTIFACT_SCHEMA,
    tool: { name: "tensile", version: VERSION },
    runtime: { ...Deno.version },
    system: systemInfo(),
    profile: run.profile,
    started_at: run.startedAt.toISOString(),
    ended_at: run.endedAt.toISOString(),
    status,
    planned,
    grade,
    verdict,
    ...(run.shard
      ? { shard: { index: run.shard.index, count: run.shard.count } }
      : {}),
    ...(run.startAt ? { start_at: run.startAt } : {}),
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
