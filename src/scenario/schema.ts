/**
 * The scenario file schema (zod). `tensile schema` emits it as JSON Schema,
 * and a checked-in copy lets editors autocomplete scenario files.
 * Target-specific parts (options, op params, invariant and metric names) are
 * checked after this, against the target named in the file; `load:` is the
 * executors' (see `src/executors/`). Sizes are capped where a valid value
 * could still make a run blow up or a message run long (see LIMITS).
 * @module
 */
import { z } from "zod";
import { LoadSchema } from "../executors/mod.ts";

/** Caps on what a scenario file may ask for, each with its reason. */
export const LIMITS = {
  /** Characters in a scenario or suite name: it names folders and report rows. */
  name: 64,
  /** Characters in a description: reports show it whole. */
  description: 1000,
  /** Entries in a mix: each keeps its own latency histogram in every worker. */
  mix: 1000,
  /** Milliseconds a latency fault may add: a stopped run waits 10 s for ops. */
  faultMs: 10_000,
} as const;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

const NameSchema = z.string()
  .regex(NAME, {
    error: "expected a lowercase name of letters, digits, '.', '_' or '-'",
  })
  .max(LIMITS.name, {
    error:
      `expected at most ${LIMITS.name} characters: a name labels folders and report rows`,
  });

const DescriptionSchema = z.string().max(LIMITS.description, {
  error:
    `expected at most ${LIMITS.description} characters: put longer notes in a YAML comment`,
});

/** One entry of `mix:`. */
export const MixEntrySchema = z.strictObject({
  op: z.string().min(1),
  /**
   * What reports and thresholds call this entry (`ops.<name>.…`); default
   * the op's name. Entries without a name that share an op share its
   * figures; a name given must be the only entry with that name.
   */
  name: NameSchema.optional(),
  weight: z.number().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

const FaultMs = z.number().min(0).max(LIMITS.faultMs, {
  error:
    `expected at most ${LIMITS.faultMs} ms: an op still waiting 10 s after a stop fails the run`,
});
const RangeSchema = z.union([
  FaultMs,
  z.tuple([FaultMs, FaultMs]).refine(
    ([min, max]) => min <= max,
    { error: "expected [min, max] with min <= max" },
  ),
], { error: "expected milliseconds: a number, or [min, max]" });

const FaultsSchema = z.strictObject({
  error_rate: z.number().min(0).max(1).optional(),
  latency: z.strictObject({
    rate: z.number().min(0).max(1),
    ms: RangeSchema,
  }).optional(),
});

/** Three tiers, or one bound as a plain string (pass/fail). */
export const BoundsSchema = z.union([
  z.string(),
  z.strictObject({
    optimal: z.string().optional(),
    warning: z.string().optional(),
    critical: z.string().optional(),
  }),
], {
  error:
    'expected a bound like "<5ms", or a mapping of optimal, warning and critical bounds',
});

const OverridesSchema = z.strictObject({
  load: LoadSchema.partial().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** One scenario, as written (after suite defaults are merged in). */
export const ScenarioSchema = z.strictObject({
  name: NameSchema,
  description: DescriptionSchema.optional(),
  target: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
  load: LoadSchema,
  mix: z.array(MixEntrySchema).min(1).max(LIMITS.mix, {
    error:
      `expected at most ${LIMITS.mix} entries: each entry keeps its own latency histogram in every worker`,
  }),
  faults: FaultsSchema.optional(),
  invariants: z.array(z.string()).optional(),
  thresholds: z.record(z.string(), BoundsSchema).optional(),
  profiles: z.strictObject({
    smoke: OverridesSchema.optional(),
    ci: OverridesSchema.optional(),
    full: OverridesSchema.optional(),
  }).optional(),
});
/** One scenario as written. */
export type ScenarioInput = z.infer<typeof ScenarioSchema>;

/** The top level of a suite file; each scenario is checked after merging. */
export const SuiteSchema = z.strictObject({
  suite: NameSchema,
  description: DescriptionSchema.optional(),
  defaults: z.record(z.string(), z.unknown()).optional(),
  scenarios: z.array(z.record(z.string(), z.unknown())).min(1),
});

/** The JSON Schema of scenario files: one scenario, or a suite. */
export function scenarioJsonSchema(): Record<string, unknown> {
  // In a suite, any key may come from `defaults`, down to load.executor.
  const partial = ScenarioSchema.partial().extend({
    load: LoadSchema.partial().optional(),
  });
  const suite = SuiteSchema.extend({
    defaults: partial.optional(),
    scenarios: z.array(partial).min(1),
  });
  const schema = z.toJSONSchema(z.union([ScenarioSchema, suite]), {
    io: "input",
    unrepresentable: "any",
  });
  return {
    ...schema,
    $id: "https://tensile.dev/schema/scenario.schema.json",
    title: "tensile scenario file",
  };
}
