/**
 * What a report shows, decided once from the artifact: which sections a
 * scenario has, which rows its tables hold, how many samples fit. Printers
 * (terminal, Markdown, and the ones to come) only lay this out, so they
 * cannot disagree about what a run found.
 * @module
 */
import {
  type Artifact,
  type ErrorSample,
  type Grade,
  type InvariantResult,
  type LatencySummary,
  measuredNothing,
  type Memory,
  type OutcomeCounts,
  type Profile,
  SCENARIO_STATUSES,
  type ScenarioResult,
  type ScenarioStatus,
  type ThresholdResult,
  type Verdict,
} from "../artifact/mod.ts";

/** How much a printer shows: a terminal stays brief, a document is full. */
export type Detail = "brief" | "full";

/** How many distinct failure messages each level of detail shows. */
export const ERROR_SAMPLE_CAPS: Readonly<Record<Detail, number>> = {
  brief: 3,
  full: 5,
};

/** One row of the latency table: `all`, then each op when there are several. */
export interface LatencyRow {
  /** `all`, or the op's name. */
  label: string;
  /** The row's figures, in milliseconds. */
  latency: LatencySummary;
}

/** What was measured, shown only when at least one op ran. */
export interface MeasuredView {
  /** Measured ops, the denominator of the outcome shares. */
  total: number;
  /** `all` first; per-op rows only when the mix has more than one op. */
  latency: LatencyRow[];
  /** Ops counted by how they ended. */
  outcomes: OutcomeCounts;
  /** Memory over the run. */
  memory: Memory;
  /** Target counters, present only when the target reported any. */
  counters?: Record<string, number>;
}

/** One scenario, as every printer shows it. */
export interface ScenarioView {
  /** Scenario name. */
  name: string;
  /** What it loads and why; absent when the scenario has none. */
  description?: string;
  /** The target it loaded. */
  target: string;
  /** The profile it ran under. */
  profile: Profile;
  /** The load's shape. */
  load: { executor: string; workers: number; concurrency: number };
  /** Its grade. */
  grade: Grade;
  /** What the grade means for a release. */
  verdict: Verdict;
  /** How it ended. */
  status: ScenarioStatus;
  /** Why the run itself failed, when it did. */
  error?: string;
  /** Measured ops, seconds of load, ops per second and p99 (ms), always. */
  totals: { ops: number; seconds: number; throughput: number; p99: number };
  /** Every threshold, checked; empty when none were declared (no table). */
  thresholds: ThresholdResult[];
  /** Latency, outcomes, memory and counters; absent when no op ran. */
  measured?: MeasuredView;
  /** Every invariant checked, in order. */
  invariants: InvariantResult[];
  /** The first failure messages, capped by the level of detail. */
  errorSamples: ErrorSample[];
  /** Why the grade is not A+. */
  reasons: string[];
  /** What the engine noticed on the way. */
  notes: string[];
  /** Advice, most important first. */
  recommendations: string[];
}

/** How many scenarios ended in one status. */
export interface TallyEntry {
  /** The status, or `not run` for scenarios a stopped run never reached. */
  status: ScenarioStatus | "not run";
  /** How many scenarios ended in it. */
  count: number;
}

/** The run as a whole. */
export interface OverallView {
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** The tensile version that ran it. */
  version: string;
  /** The Deno version it ran on. */
  deno: string;
  /** The machine it ran on. */
  system: { os: string; arch: string; cpus: number };
  /** The worst scenario's grade. */
  grade: Grade;
  /** What the grade means for a release. */
  verdict: Verdict;
  /** The profile the run used. */
  profile: Profile;
  /** Scenarios in the run. */
  scenarios: number;
  /** Passed and failed always, interrupted and error only when any. */
  tally: TallyEntry[];
  /**
   * The scenarios whose grade is the overall one; absent when there is
   * nothing to explain (a single scenario, or an A+).
   */
  decidedBy?: string[];
  /** Why the run has no final verdict yet, if it has none. */
  incomplete?: string;
}

/** Everything a printer shows about a run. */
export interface View {
  /** Each scenario, in run order. */
  scenarios: ScenarioView[];
  /** The overall grade and tally. */
  overall: OverallView;
}

/** Decides what a report of the whole artifact shows. */
export function buildView(artifact: Artifact, detail: Detail): View {
  return {
    scenarios: artifact.scenarios.map((s) => scenarioView(s, detail)),
    overall: overallView(artifact),
  };
}

/** Decides what a report shows of one scenario. */
export function scenarioView(
  result: ScenarioResult,
  detail: Detail,
): ScenarioView {
  const m = result.measurements;
  return {
    name: result.name,
    ...(result.description ? { description: result.description } : {}),
    target: result.target,
    profile: result.profile,
    load: result.load,
    grade: result.grade,
    verdict: result.verdict,
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    totals: {
      ops: m.total,
      seconds: m.duration_s,
      throughput: m.throughput,
      p99: m.latency.p99,
    },
    thresholds: result.thresholds,
    ...(m.total > 0 ? { measured: measuredView(m) } : {}),
    invariants: result.invariants,
    errorSamples: m.error_samples.slice(0, ERROR_SAMPLE_CAPS[detail]),
    reasons: result.reasons,
    notes: result.notes,
    recommendations: result.recommendations,
  };
}

function measuredView(m: ScenarioResult["measurements"]): MeasuredView {
  const ops = Object.entries(m.ops);
  return {
    total: m.total,
    latency: [
      { label: "all", latency: m.latency },
      ...(ops.length > 1
        ? ops.map(([label, op]) => ({ label, latency: op.latency }))
        : []),
    ],
    outcomes: m.outcomes,
    memory: m.memory,
    ...(Object.keys(m.counters).length > 0 ? { counters: m.counters } : {}),
  };
}

/** Decides what a report shows of the run as a whole. */
export function overallView(artifact: Artifact): OverallView {
  const { scenarios } = artifact;
  const tally = SCENARIO_STATUSES
    .map((status) => ({
      status,
      count: scenarios.filter((s) => s.status === status).length,
    }))
    .filter(({ status, count }) =>
      status === "passed" || status === "failed" || count > 0
    );
  const notRun = (artifact.planned ?? scenarios.length) - scenarios.length;
  const counted: TallyEntry[] = notRun > 0
    ? [...tally, { status: "not run", count: notRun }]
    : tally;
  const explain = scenarios.length > 1 && artifact.grade !== "A+";
  const { os, arch, cpus } = artifact.system;
  return {
    startedAt: artifact.started_at,
    version: artifact.tool.version,
    deno: artifact.runtime.deno,
    system: { os, arch, cpus },
    grade: artifact.grade,
    verdict: measuredNothing(artifact) ? "NO MEASUREMENT" : artifact.verdict,
    profile: artifact.profile,
    scenarios: artifact.planned ?? scenarios.length,
    tally: counted,
    ...(artifact.status === "running"
      ? {
        incomplete:
          `Still running, or stopped without a word: ${scenarios.length} of ${
            artifact.planned ?? "?"
          } scenarios done`,
      }
      : notRun > 0
      ? {
        incomplete:
          `Interrupted: ${notRun} of ${artifact.planned} scenarios did not run`,
      }
      : measuredNothing(artifact)
      ? { incomplete: "No op was measured: there is nothing to grade" }
      : {}),
    ...(explain
      ? {
        decidedBy: scenarios
          .filter((s) => s.grade === artifact.grade)
          .map((s) => s.name),
      }
      : {}),
  };
}
