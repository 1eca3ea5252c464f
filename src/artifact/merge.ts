/**
 * Merging the artifacts of a split run's shards (`tensile run --shard i/n`)
 * into one artifact of the whole plan: refused unless they are the shards
 * 0..n−1 of one plan, each once, written by one tool version; then each
 * scenario's measurements merge exactly (`stats/merge.ts`) and are graded
 * again, against the thresholds in the scenario's own config, through the
 * path a run takes (`gradeRun`).
 * @module
 */
import type { RunResult } from "../engine/mod.ts";
import { readThreshold, type Threshold } from "../grade/mod.ts";
import { initHistograms, mergeMeasurements } from "../stats/mod.ts";
import type { InvariantResult } from "../target.ts";
import { buildArtifact, gradeRun } from "./build.ts";
import type { Artifact, ScenarioResult } from "./schema.ts";

/** Shards' artifacts that cannot be merged; the message says which and why. */
export class MergeError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "MergeError";
  }
}

/** One artifact to merge, and the file it was read from (for messages). */
export interface MergeInput {
  file: string;
  artifact: Artifact;
}

/** How to merge. */
export interface MergeArtifactsOptions {
  /** A target's peak counters (high-water marks): merged by max, not sum. */
  peakCounters?: (target: string) => readonly string[];
}

/**
 * The artifact of the whole plan from its shards' artifacts, graded again.
 * @throws {MergeError} when the files are not exactly the shards 0..n−1 of
 * one plan and one tool version, each once, each finished
 */
export async function mergeArtifacts(
  inputs: readonly MergeInput[],
  options: MergeArtifactsOptions = {},
): Promise<Artifact> {
  const shards = checkShards(inputs);
  await initHistograms();
  const first = shards[0].artifact;
  const scenarios = first.scenarios.map((scenario) =>
    mergeScenario(
      shards.map(({ file, artifact }) => ({
        file,
        index: artifact.shard!.index,
        scenario: artifact.scenarios.find((s) => s.name === scenario.name)!,
      })),
      options,
    )
  );
  const starts = shards.map((s) => Date.parse(s.artifact.started_at));
  const ends = shards.map((s) => Date.parse(s.artifact.ended_at));
  const merged = buildArtifact(scenarios, {
    profile: first.profile,
    startedAt: new Date(Math.min(...starts)),
    endedAt: new Date(Math.max(...ends)),
    planned: first.planned ?? first.scenarios.length,
    interrupted: shards.some((s) => s.artifact.status === "interrupted"),
  });
  return {
    ...merged,
    // What measured: the shards' tool, runtime and (first shard's) system.
    tool: first.tool,
    runtime: first.runtime,
    system: first.system,
    merged: {
      count: shards.length,
      shards: shards.map(({ file, artifact }) => ({
        index: artifact.shard!.index,
        count: artifact.shard!.count,
        file,
        started_at: artifact.started_at,
        ...(artifact.start_at
          ? { start_skew_ms: artifact.start_at.skew_ms }
          : {}),
      })),
    },
  };
}

/** The inputs sorted by shard index, once each checked; or why not. */
function checkShards(inputs: readonly MergeInput[]): MergeInput[] {
  if (inputs.length === 0) throw new MergeError("Cannot merge: no artifacts");
  const name = (input: MergeInput) => JSON.stringify(input.file);
  for (const input of inputs) {
    if (!input.artifact.shard) {
      throw new MergeError(
        `Cannot merge ${
          name(input)
        }: it is not a shard's result (it was not run with --shard i/n), so there is nothing to merge it with`,
      );
    }
    if (input.artifact.status === "running") {
      throw new MergeError(
        `Cannot merge ${
          name(input)
        }: its run never finished (status "running": it crashed or is still going); run that shard again`,
      );
    }
  }
  const [first] = inputs;
  for (const input of inputs) {
    if (input.artifact.tool.version !== first.artifact.tool.version) {
      throw new MergeError(
        `Cannot merge shards of different tool versions: ${
          name(first)
        } was written by tensile ${first.artifact.tool.version}, ${
          name(input)
        } by ${input.artifact.tool.version}; run every shard with one version`,
      );
    }
    if (input.artifact.shard!.count !== first.artifact.shard!.count) {
      throw new MergeError(
        `Cannot merge shards of different splits: ${name(first)} is shard ${
          first.artifact.shard!.index
        }/${first.artifact.shard!.count}, ${name(input)} is shard ${
          input.artifact.shard!.index
        }/${input.artifact.shard!.count}`,
      );
    }
  }
  const count = first.artifact.shard!.count;
  const byIndex = new Map<number, MergeInput[]>();
  for (const input of inputs) {
    const index = input.artifact.shard!.index;
    byIndex.set(index, [...byIndex.get(index) ?? [], input]);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) =>
    !byIndex.has(i)
  );
  const twice = [...byIndex.entries()].filter(([, files]) => files.length > 1)
    .sort(([a], [b]) => a - b);
  if (missing.length > 0 || twice.length > 0) {
    const problems = [
      ...(missing.length > 0
        ? [
          `shard${missing.length > 1 ? "s" : ""} ${
            missing.join(", ")
          } of ${count} missing`,
        ]
        : []),
      ...twice.map(([index, files]) =>
        `shard ${index}/${count} given twice (${files.map(name).join(", ")})`
      ),
    ];
    throw new MergeError(
      `Cannot merge: the files must be shards 0 to ${
        count - 1
      } of one run, each once: ${problems.join("; ")}`,
    );
  }
  const sorted = [...inputs].sort((a, b) =>
    a.artifact.shard!.index - b.artifact.shard!.index
  );
  checkPlans(sorted);
  return sorted;
}

/** Every shard ran the same scenarios of the same plan (fingerprints). */
function checkPlans(shards: readonly MergeInput[]): void {
  const [first] = shards;
  const names = (input: MergeInput) =>
    input.artifact.scenarios.map((s) => s.name);
  const quote = (input: MergeInput) => JSON.stringify(input.file);
  for (const input of shards.slice(1)) {
    const a = names(first);
    const b = names(input);
    const onlyA = a.filter((n) => !b.includes(n));
    const onlyB = b.filter((n) => !a.includes(n));
    if (onlyA.length > 0 || onlyB.length > 0) {
      throw new MergeError(
        `Cannot merge shards that ran different scenarios: ${
          onlyA.length > 0
            ? `${JSON.stringify(onlyA)} only in ${quote(first)}`
            : ""
        }${onlyA.length > 0 && onlyB.length > 0 ? ", " : ""}${
          onlyB.length > 0
            ? `${JSON.stringify(onlyB)} only in ${quote(input)}`
            : ""
        } (a shard stopped early, or the runs differ)`,
      );
    }
  }
  for (const scenario of first.artifact.scenarios) {
    for (const input of shards) {
      const other = input.artifact.scenarios.find((s) =>
        s.name === scenario.name
      )!;
      if (!other.fingerprint || !other.shard) {
        throw new MergeError(
          `Cannot merge ${quote(input)}: scenario ${
            JSON.stringify(scenario.name)
          } has no plan fingerprint or shard record`,
        );
      }
      if (other.fingerprint !== scenario.fingerprint) {
        throw new MergeError(
          `Cannot merge shards of different plans: scenario ${
            JSON.stringify(scenario.name)
          } is ${scenario.fingerprint} in ${
            quote(first)
          } but ${other.fingerprint} in ${
            quote(input)
          } (another scenario file, profile, seed, --workers or tool version); run every shard with the same arguments`,
        );
      }
    }
  }
}

/** One shard's result of a scenario. */
interface Part {
  file: string;
  index: number;
  scenario: ScenarioResult;
}

/** Reads an artifact's absolute measurement start, when it records one. */
function startOf(scenario: ScenarioResult): number | undefined {
  const start = (scenario.measurements as { start_epoch_ms?: unknown })
    .start_epoch_ms;
  return typeof start === "number" ? start : undefined;
}

function mergeScenario(
  parts: Part[],
  options: MergeArtifactsOptions,
): ScenarioResult {
  const base = parts[0].scenario;
  const starts = parts.map((p) => startOf(p.scenario));
  const measurements = mergeMeasurements(
    parts.map((p, i) => ({
      measurements: p.scenario.measurements,
      ...(starts[i] !== undefined ? { startMs: starts[i] } : {}),
    })),
    { peakCounters: options.peakCounters?.(base.target) ?? [] },
  );
  if (starts.every((s) => s !== undefined)) {
    (measurements as { start_epoch_ms?: number }).start_epoch_ms = Math.min(
      ...(starts as number[]),
    );
  }
  const statuses = parts.map((p) => p.scenario.status);
  const failed = parts.find((p) => p.scenario.status === "error");
  const run: RunResult = {
    status: failed
      ? "error"
      : statuses.includes("interrupted")
      ? "interrupted"
      : "completed",
    ...(failed
      ? { error: `shard ${failed.index}: ${failed.scenario.error ?? "failed"}` }
      : {}),
    started_at: new Date(
      Math.min(...parts.map((p) => Date.parse(p.scenario.started_at))),
    ).toISOString(),
    ended_at: new Date(
      Math.max(...parts.map((p) => Date.parse(p.scenario.ended_at))),
    ).toISOString(),
    measurements,
    invariants: mergeInvariants(parts),
    notes: parts.flatMap((p) =>
      p.scenario.notes.map((note) => `shard ${p.index}: ${note}`)
    ),
  };
  return {
    name: base.name,
    ...(base.suite !== undefined ? { suite: base.suite } : {}),
    file: base.file,
    ...(base.line !== undefined ? { line: base.line } : {}),
    description: base.description,
    target: base.target,
    profile: base.profile,
    config: base.config,
    load: base.shard!.whole,
    ...(base.fingerprint ? { fingerprint: base.fingerprint } : {}),
    ...gradeRun(thresholdsOf(base), run),
  };
}

/**
 * The scenario's thresholds, read again from its config as the scenario
 * file wrote them (lines from the shard's results, for reports).
 * @throws {MergeError} when one no longer reads (a newer tool's metric)
 */
export function thresholdsOf(scenario: ScenarioResult): Threshold[] {
  const written = scenario.config.thresholds;
  if (written === undefined) return [];
  if (typeof written !== "object" || written === null) {
    throw new MergeError(
      `Cannot grade scenario ${
        JSON.stringify(scenario.name)
      }: its config's "thresholds" is not a mapping`,
    );
  }
  return Object.entries(written).map(([metric, bounds]) => {
    const tiers = typeof bounds === "string" ? { critical: bounds } : bounds;
    const reading = readThreshold(
      metric,
      (tiers ?? {}) as Record<string, string>,
    );
    if (!reading.ok) {
      throw new MergeError(
        `Cannot grade scenario ${JSON.stringify(scenario.name)}: threshold ${
          JSON.stringify(metric)
        } does not read: ${reading.problems[0]?.message}`,
      );
    }
    const line = scenario.thresholds.find((t) => t.metric === metric)?.line;
    return { ...reading.threshold, ...(line !== undefined ? { line } : {}) };
  });
}

/** An invariant holds only if it held in every shard. */
function mergeInvariants(parts: Part[]): InvariantResult[] {
  const names = [
    ...new Set(parts.flatMap((p) => p.scenario.invariants.map((i) => i.name))),
  ];
  return names.map((name) => {
    const results = parts.flatMap((p) =>
      p.scenario.invariants.filter((i) => i.name === name).map((i) => ({
        ...i,
        index: p.index,
      }))
    );
    const failed = results.filter((r) => !r.ok);
    const missing = parts.length - results.length;
    const shown = failed.length > 0 ? failed : results.slice(0, 1);
    const detail = shown.slice(0, 4).map((r) => `shard ${r.index}: ${r.detail}`)
      .join("; ") +
      (shown.length > 4 ? `; and ${shown.length - 4} more shards failed` : "") +
      (missing > 0 ? `; ${missing} shards did not report it` : "");
    return { name, ok: failed.length === 0 && missing === 0, detail };
  });
}
