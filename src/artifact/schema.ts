/**
 * The result artifact (`tensile/result@1`): the single source of truth that
 * every report is made from. Defined in zod so the shipped JSON Schema and the
 * TypeScript types cannot drift apart.
 * @module
 */
import { z } from "zod";
import { GRADES, ThresholdResultSchema, VERDICTS } from "../grade/mod.ts";
import { PROFILES } from "../profiles.ts";
import { MeasurementsSchema } from "../stats/mod.ts";
import type { InvariantResult } from "../target.ts";

/** Artifact format identifier; bump on breaking change. */
export const ARTIFACT_SCHEMA = "tensile/result@1";

/** How a scenario (or a whole run) ended after grading, best first. */
export const SCENARIO_STATUSES = [
  "passed",
  "failed",
  "interrupted",
  "error",
] as const;
/** How a scenario ended after grading. */
export const ScenarioStatusSchema = z.enum(SCENARIO_STATUSES);
/** How a scenario ended after grading. */
export type ScenarioStatus = typeof SCENARIO_STATUSES[number];

/**
 * How a whole run stands: `running` while scenarios are still to run (what a
 * crash or kill leaves on disk), then the worst scenario status.
 */
export const ARTIFACT_STATUSES = ["running", ...SCENARIO_STATUSES] as const;
/** How a whole run stands. */
export type ArtifactStatus = typeof ARTIFACT_STATUSES[number];

const GradeSchema = z.enum(GRADES);
const VerdictSchema = z.enum(VERDICTS);
const ProfileSchema = z.enum(PROFILES);

/** One invariant's result, merged over workers (the kernel's type). */
const InvariantResultSchema: z.ZodType<InvariantResult> = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});

/** The load as run, after the profile and CLI overrides. */
export const LoadRecordSchema = z.object({
  executor: z.string(),
  workers: z.int(),
  concurrency: z.int(),
  iterations: z.int(),
  duration_ms: z.number(),
  warmup: z.int(),
  seed: z.int(),
  max_duration_ms: z.number(),
  /** Ramping and arrival-rate executors only (absent for the others). */
  time_unit_ms: z.number().optional(),
  rate: z.number().optional(),
  start_rate: z.number().optional(),
  start_tasks: z.number().optional(),
  stages: z.array(z.object({ duration_ms: z.number(), target: z.number() }))
    .optional(),
});

/** Which shard of a run: `index` (from 0) of `count`. */
export const ShardSchema = z.object({
  index: z.int().min(0),
  count: z.int().min(1),
});

/** One scenario's graded result. */
export const ScenarioResultSchema = z.object({
  name: z.string(),
  suite: z.string().optional(),
  file: z.string(),
  /**
   * The line of `file` its name is written on (absent in artifacts before
   * 0.2).
   */
  line: z.int().min(1).optional(),
  description: z.string(),
  target: z.string(),
  profile: ProfileSchema,
  /** The scenario as written, suite defaults merged in. */
  config: z.record(z.string(), z.unknown()),
  /** The load as run, after the profile and CLI overrides. */
  load: LoadRecordSchema,
  /**
   * A stable hash of the whole (unsharded) plan and the tool's version:
   * shards of one plan share it (absent in artifacts before 0.2).
   */
  fingerprint: z.string().optional(),
  /**
   * Set when this result is one shard's part of the plan: which shard, and
   * the whole plan's load (`load` is the shard's).
   */
  shard: ShardSchema.extend({ whole: LoadRecordSchema }).optional(),
  status: ScenarioStatusSchema,
  error: z.string().optional(),
  started_at: z.string(),
  ended_at: z.string(),
  grade: GradeSchema,
  verdict: VerdictSchema,
  reasons: z.array(z.string()),
  thresholds: z.array(ThresholdResultSchema),
  invariants: z.array(InvariantResultSchema),
  measurements: MeasurementsSchema,
  recommendations: z.array(z.string()),
  notes: z.array(z.string()),
});
/** One scenario's graded result. */
export type ScenarioResult = z.infer<typeof ScenarioResultSchema>;

/** A whole run: one or more scenarios. */
export const ArtifactSchema = z.object({
  schema: z.literal(ARTIFACT_SCHEMA),
  tool: z.object({ name: z.literal("tensile"), version: z.string() }),
  runtime: z.object({
    deno: z.string(),
    v8: z.string(),
    typescript: z.string(),
  }),
  system: z.object({
    os: z.string(),
    arch: z.string(),
    cpus: z.int(),
    cpu_model: z.string(),
    memory_bytes: z.number(),
  }),
  profile: ProfileSchema,
  started_at: z.string(),
  ended_at: z.string(),
  status: z.enum(ARTIFACT_STATUSES),
  /** Scenarios the run set out to run (absent in artifacts before 0.2). */
  planned: z.int().min(0).optional(),
  grade: GradeSchema,
  verdict: VerdictSchema,
  /** Set when this run was one shard of a split run (`--shard i/n`). */
  shard: ShardSchema.optional(),
  /**
   * Set when the run waited for a wall-clock start (`--start-at`): the time
   * asked for, and how late the load actually started, in ms.
   */
  start_at: z.object({ requested: z.string(), skew_ms: z.number() })
    .optional(),
  /** Set on a merge of shards' artifacts (`tensile merge`): each shard's. */
  merged: z.object({
    count: z.int().min(1),
    shards: z.array(ShardSchema.extend({
      file: z.string(),
      started_at: z.string(),
      start_skew_ms: z.number().optional(),
    })),
  }).optional(),
  scenarios: z.array(ScenarioResultSchema),
});
/** A whole run: one or more scenarios. */
export type Artifact = z.infer<typeof ArtifactSchema>;

/** The JSON Schema of result artifacts. */
export function artifactJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ArtifactSchema, { io: "output" }),
    $id: "https://tensile.dev/schema/result.schema.json",
    title: "tensile result artifact (tensile/result@1)",
  };
}
