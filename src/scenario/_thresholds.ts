/**
 * Checking a scenario's `thresholds:` one by one: the metric exists (with a
 * did-you-mean), every tier's bound can be met, and the counter or op it
 * names is the target's or the mix's. Each problem at its place.
 * @module
 */
import {
  METRIC_NAMES,
  metricCounter,
  metricKind,
  metricOp,
  readThreshold,
  type Threshold,
} from "../grade/mod.ts";
import { didYouMean, quote } from "../suggest.ts";
import type { Target } from "../target.ts";
import type { Report } from "./_schema_issues.ts";
import { mapping } from "./_source.ts";
import { BoundsSchema } from "./schema.ts";
/** What a threshold's names are checked against. */
export interface ThresholdContext {
  /** The target, when it is known. */
  target?: Target;
  /** The ops of the mix, when the mix holds. */
  mixOps?: ReadonlySet<string>;
  /** The line a path's key is written on. */
  line: (path: readonly PropertyKey[]) => number;
  report: Report;
}

/**
 * Checks each threshold that holds on its own: its metric, every tier's
 * bound (each problem at its tier), and the counter or op it names. Metric
 * names are read as the file wrote them.
 */
export function checkThresholds(
  raw: Record<string, unknown>,
  context: ThresholdContext,
): Threshold[] {
  const { target, mixOps, line, report } = context;
  // Metric names as written; each one's bounds as the schema reads them.
  const entries = Object.entries(mapping(raw.thresholds) ?? {}).flatMap(
    ([metric, written]) => {
      const bounds = BoundsSchema.safeParse(written);
      return bounds.success ? [{ metric, bounds: bounds.data }] : [];
    },
  );
  return entries.flatMap(({ metric, bounds }) => {
    const path = ["thresholds", metric];
    if (!metricKind(metric)) {
      report(
        path,
        `unknown metric ${quote(metric)} in thresholds${
          didYouMean(metric, METRIC_SUGGESTIONS)
        }: see docs/scenarios.md#thresholds`,
        "key",
      );
      return [];
    }
    // `latency.p95: "<5ms"` is shorthand for a single pass/fail bound.
    const tiers = typeof bounds === "string" ? { critical: bounds } : bounds;
    const reading = readThreshold(metric, tiers);
    if (!reading.ok) {
      for (const problem of reading.problems) {
        report(
          problem.level && typeof bounds !== "string"
            ? [...path, problem.level]
            : path,
          problem.message.replace(/^./, (first) => first.toLowerCase()),
        );
      }
    }
    let named = true;
    const counter = metricCounter(metric);
    const counters = Object.keys(target?.counters ?? {});
    if (target && counter !== undefined && !counters.includes(counter)) {
      report(
        path,
        `unknown counter ${quote(counter)} in threshold ${
          quote(metric)
        }: target ${quote(target.name)} reports ${
          counters.join(", ") || "none"
        }${didYouMean(counter, counters)}`,
        "key",
      );
      named = false;
    }
    const op = metricOp(metric);
    if (op !== undefined && mixOps && !mixOps.has(op)) {
      report(
        path,
        `unknown op ${quote(op)} in threshold ${
          quote(metric)
        }: it is not in the mix${didYouMean(op, mixOps)}`,
        "key",
      );
      named = false;
    } else if (
      op !== undefined && target && !Object.hasOwn(target.ops, op) &&
      !writtenNames(raw).has(op)
    ) {
      const ops = Object.keys(target.ops);
      report(
        path,
        `unknown op ${quote(op)} in threshold ${quote(metric)}: target ${
          quote(target.name)
        } has ${ops.join(", ")}${didYouMean(op, ops)}`,
        "key",
      );
      named = false;
    }
    return reading.ok && named
      ? [{ ...reading.threshold, line: line(path) }]
      : [];
  });
}

const METRIC_SUGGESTIONS = METRIC_NAMES.filter((name) => !name.includes("<"));

/** The `name:`s written in a mix that did not validate whole. */
function writtenNames(raw: unknown): Set<string> {
  const mix = (raw as { mix?: unknown } | null)?.mix;
  if (!Array.isArray(mix)) return new Set();
  return new Set(
    mix.flatMap((entry) => {
      const name = (entry as { name?: unknown } | null)?.name;
      return typeof name === "string" ? [name] : [];
    }),
  );
}
