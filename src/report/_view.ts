/**
 * What a report shows, decided once from the artifact: which sections a
 * scenario has, which rows its tables hold, how many samples fit. Printers
 * (terminal, Markdown, and the ones to come) only lay this out, so they
 * cannot disagree about what a run found.
 *
 * Every string the tool did not make itself (names, descriptions, bounds,
 * messages, advice: anything a scenario file, a target or an artifact on disk
 * supplied) is a {@link UserText}, which a printer can only turn into text
 * through its escaper.
 * @module
 */
import {
  type Artifact,
  type ArtifactStatus,
  type ErrorSample,
  type Grade,
  type LatencySummary,
  measuredNothing,
  type Measurements,
  type Memory,
  type OutcomeCounts,
  type Profile,
  SCENARIO_STATUSES,
  type ScenarioResult,
  type ScenarioStatus,
  type ThresholdResult,
  type Verdict,
} from "../artifact/mod.ts";

/**
 * A string from outside the tool, which may hold control characters or
 * markup. A printer reads `raw` only to pass it to its escaper
 * (`_escape.ts`); using one as a string directly (`${text}`, `+`) throws, so
 * a forgotten escape fails the first test that renders it instead of
 * reaching a terminal or a report raw.
 */
export class UserText {
  /** The string as supplied: never print it as is. */
  readonly raw: string;
  /** Marks `raw` as supplied from outside the tool. */
  constructor(raw: string) {
    this.raw = raw;
  }
  /** Refuses to become a string unescaped. */
  [Symbol.toPrimitive](): never {
    throw new TypeError(
      "A string from outside the tool must go through the printer's escaper",
    );
  }
}

function user(raw: string): UserText {
  return new UserText(raw);
}

/** How much a printer shows: a terminal stays brief, a document is full. */
export type Detail = "brief" | "full";

/** How many distinct failure messages each level of detail shows. */
export const ERROR_SAMPLE_CAPS: Readonly<Record<Detail, number>> = {
  brief: 3,
  full: 5,
};

/** One row of the latency table: `all`, then each op when there are several. */
export interface LatencyRow {
  /** The op's name; absent for the `all` row. */
  op?: UserText;
  /** The row's figures, in milliseconds. */
  latency: LatencySummary;
}

/** What was measured, shown only when at least one op ran. */
export interface MeasuredView {
  /** Measured ops, the denominator of the outcome shares. */
  total: number;
  /** `all` first; per-op rows only when the mix has more than one op. */
  latency: LatencyRow[];
  /**
   * Open model only: service time (from each op's actual start), rows as
   * `latency` (which then counts from the intended start).
   */
  service?: LatencyRow[];
  /** Open model only: arrivals started and dropped, the largest lag. */
  arrivals?: { started: number; dropped: number; max_lag_ms: number };
  /** Ops counted by how they ended. */
  outcomes: OutcomeCounts;
  /** Memory over the run. */
  memory: Memory;
  /** Target counters, present only when the target reported any. */
  counters?: CounterView[];
  /** The sampling intervals (about a second each), oldest first. */
  timeseries: Measurements["timeseries"];
}

/** One target counter. */
export interface CounterView {
  /** The counter's name. */
  name: UserText;
  /** Its value over the measured load. */
  value: number;
}

/** A threshold as checked, its metric and bounds as the scenario wrote them. */
export interface ThresholdView extends
  Omit<
    ThresholdResult,
    "metric" | "optimal" | "warning" | "critical"
  > {
  /** The metric's name. */
  metric: UserText;
  /** The optimal bound. */
  optimal: UserText;
  /** The warning bound. */
  warning: UserText;
  /** The critical bound. */
  critical: UserText;
}

/** One invariant's result. */
export interface InvariantView {
  /** The invariant's name. */
  name: UserText;
  /** Whether it held. */
  ok: boolean;
  /** What was found. */
  detail: UserText;
}

/** A sampled failure message. */
export interface ErrorSampleView extends Omit<ErrorSample, "op" | "message"> {
  /** The op that failed. */
  op: UserText;
  /** What it threw. */
  message: UserText;
}

/** One scenario, as every printer shows it. */
export interface ScenarioView {
  /** Scenario name. */
  name: UserText;
  /** What it loads and why; absent when the scenario has none. */
  description?: UserText;
  /** The scenario file it came from. */
  file: UserText;
  /** The line of `file` its name is on; absent in older artifacts. */
  line?: number;
  /** When it started (ISO 8601), as the artifact says. */
  startedAt: UserText;
  /** The target it loaded. */
  target: UserText;
  /** The profile it ran under. */
  profile: Profile;
  /**
   * The load's shape; the rate fields for the open model only, where
   * `concurrency` is the most ops in flight per worker.
   */
  load: {
    executor: UserText;
    workers: number;
    concurrency: number;
    /** The seed its random choices came from. */
    seed: number;
    time_unit_ms?: number;
    rate?: number;
    start_rate?: number;
    stages?: { target: number }[];
  };
  /** Its grade. */
  grade: Grade;
  /** What the grade means for a release. */
  verdict: Verdict;
  /** How it ended. */
  status: ScenarioStatus;
  /** Why the run itself failed, when it did. */
  error?: UserText;
  /** Measured ops, seconds of load, ops per second and p99 (ms), always. */
  totals: { ops: number; seconds: number; throughput: number; p99: number };
  /** Every threshold, checked; empty when none were declared (no table). */
  thresholds: ThresholdView[];
  /** Latency, outcomes, memory and counters; absent when no op ran. */
  measured?: MeasuredView;
  /** Every invariant checked, in order. */
  invariants: InvariantView[];
  /** The first failure messages, capped by the level of detail. */
  errorSamples: ErrorSampleView[];
  /** Why the grade is not A+ (the bounds in it come from the scenario). */
  reasons: UserText[];
  /** What the engine noticed on the way. */
  notes: UserText[];
  /** Advice, most important first (quoting error messages). */
  recommendations: UserText[];
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
  /** When the run started (ISO 8601), as the artifact says. */
  startedAt: UserText;
  /** The tensile version that ran it. */
  version: UserText;
  /** The Deno version it ran on. */
  deno: UserText;
  /** The machine it ran on. */
  system: {
    os: UserText;
    arch: UserText;
    cpus: number;
    /** The CPU's model name. */
    cpuModel: UserText;
    /** Physical memory, in bytes. */
    memoryBytes: number;
  };
  /** When the run ended (ISO 8601), as the artifact says. */
  endedAt: UserText;
  /** The V8 and TypeScript versions Deno ran it with. */
  engines: { v8: UserText; typescript: UserText };
  /** The worst scenario's grade. */
  grade: Grade;
  /** What the grade means for a release. */
  verdict: Verdict;
  /** How the run stands: running, or the worst scenario status. */
  status: ArtifactStatus;
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
  decidedBy?: UserText[];
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
  const { load } = result;
  return {
    name: user(result.name),
    ...(result.description ? { description: user(result.description) } : {}),
    file: user(result.file),
    ...(result.line === undefined ? {} : { line: result.line }),
    startedAt: user(result.started_at),
    target: user(result.target),
    profile: result.profile,
    load: {
      executor: user(load.executor),
      workers: load.workers,
      concurrency: load.concurrency,
      seed: load.seed,
      ...(load.time_unit_ms !== undefined
        ? {
          time_unit_ms: load.time_unit_ms,
          ...(load.rate !== undefined ? { rate: load.rate } : {}),
          ...(load.start_rate !== undefined
            ? { start_rate: load.start_rate }
            : {}),
          ...(load.stages !== undefined ? { stages: load.stages } : {}),
        }
        : {}),
    },
    grade: result.grade,
    verdict: result.verdict,
    status: result.status,
    ...(result.error ? { error: user(result.error) } : {}),
    totals: {
      ops: m.total,
      seconds: m.duration_s,
      throughput: m.throughput,
      p99: m.latency.p99,
    },
    thresholds: result.thresholds.map((t) => ({
      ...t,
      metric: user(t.metric),
      optimal: user(t.optimal),
      warning: user(t.warning),
      critical: user(t.critical),
    })),
    ...(m.total > 0 ? { measured: measuredView(m) } : {}),
    invariants: result.invariants.map((i) => ({
      name: user(i.name),
      ok: i.ok,
      detail: user(i.detail),
    })),
    errorSamples: m.error_samples.slice(0, ERROR_SAMPLE_CAPS[detail])
      .map((s) => ({ ...s, op: user(s.op), message: user(s.message) })),
    reasons: result.reasons.map(user),
    notes: result.notes.map(user),
    recommendations: result.recommendations.map(user),
  };
}

function measuredView(m: ScenarioResult["measurements"]): MeasuredView {
  const ops = Object.entries(m.ops);
  return {
    total: m.total,
    latency: [
      { latency: m.latency },
      ...(ops.length > 1
        ? ops.map(([name, op]) => ({ op: user(name), latency: op.latency }))
        : []),
    ],
    ...(m.service_time
      ? {
        service: [
          { latency: m.service_time },
          ...(ops.length > 1
            ? ops.flatMap(([name, op]) =>
              op.service_time
                ? [{ op: user(name), latency: op.service_time }]
                : []
            )
            : []),
        ],
      }
      : {}),
    ...(m.dropped !== undefined
      ? {
        arrivals: {
          started: m.total,
          dropped: m.dropped,
          max_lag_ms: m.max_lag_ms ?? 0,
        },
      }
      : {}),
    outcomes: m.outcomes,
    memory: m.memory,
    timeseries: m.timeseries,
    ...(Object.keys(m.counters).length > 0
      ? {
        counters: Object.entries(m.counters).map(([name, value]) => ({
          name: user(name),
          value,
        })),
      }
      : {}),
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
  const { os, arch, cpus, cpu_model, memory_bytes } = artifact.system;
  return {
    startedAt: user(artifact.started_at),
    version: user(artifact.tool.version),
    deno: user(artifact.runtime.deno),
    system: {
      os: user(os),
      arch: user(arch),
      cpus,
      cpuModel: user(cpu_model),
      memoryBytes: memory_bytes,
    },
    endedAt: user(artifact.ended_at),
    engines: {
      v8: user(artifact.runtime.v8),
      typescript: user(artifact.runtime.typescript),
    },
    grade: artifact.grade,
    verdict: measuredNothing(artifact) ? "NO MEASUREMENT" : artifact.verdict,
    status: artifact.status,
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
          .map((s) => user(s.name)),
      }
      : {}),
  };
}
