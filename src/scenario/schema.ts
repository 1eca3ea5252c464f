/**
 * The scenario file schema (zod). `tensile schema` emits it as JSON Schema,
 * and a checked-in copy lets editors autocomplete scenario files.
 * Target-specific parts (options, op params, invariant and metric names) are
 * checked after this, against the target named in the file; `load:` is the
 * executors' (see `src/executors/`).
 * @module
 */
import { z } from "zod";
import { LoadSchema } from "../executors/mod.ts";

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

const MixEntrySchema = z.strictObject({
  op: z.string().min(1),
  weight: z.number().positive().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

const RangeSchema = z.union([
  z.number().min(0),
  z.tuple([z.number().min(0), z.number().min(0)]).refine(
    ([min, max]) => min <= max,
    { error: "expected [min, max] with min <= max" },
  ),
]);

const FaultsSchema = z.strictObject({
  error_rate: z.number().min(0).max(1).optional(),
  latency: z.strictObject({
    rate: z.number().min(0).max(1),
    ms: RangeSchema,
  }).optional(),
});

/** Three tiers, or one bound as a plain string (pass/fail). */
const BoundsSchema = z.union([
  z.string(),
  z.strictObject({
    optimal: z.string().optional(),
    warning: z.string().optional(),
    critical: z.string().optional(),
  }),
]);

const OverridesSchema = z.strictObject({
  load: LoadSchema.partial().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** One scenario, as written (after suite defaults are merged in). */
export const ScenarioSchema = z.strictObject({
  name: z.string().regex(NAME, {
    error: "expected a lowercase name of letters, digits, '.', '_' or '-'",
  }),
  description: z.string().optional(),
  target: z.string().min(1),
  options: z.record(z.string(), z.unknown()).optional(),
  load: LoadSchema,
  mix: z.array(MixEntrySchema).min(1),
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
  suite: z.string().regex(NAME),
  description: z.string().optional(),
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
