/**
 * Durations as scenarios write them (`500ms`, `2s`, `1.5m`, `1h`), parsed
 * and checked in one place for every executor.
 * @module
 */
import { z } from "zod";
import { quote } from "../suggest.ts";

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const FACTORS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Longest duration a scenario may ask for. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** What a duration looks like, for messages. */
const FORMS =
  'write a number and a unit (ms, s, m or h), like "500ms", "2s" or "1.5m"';

/** Milliseconds in a duration such as `500ms`, or undefined if it is none. */
function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Math.round(Number(match[1]) * FACTORS[match[2]]) : undefined;
}

/**
 * Milliseconds in a duration string such as `500ms`, `2s`, `1m`, `1h`.
 * @throws {SyntaxError} when `text` is not one
 */
export function parseDuration(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined) {
    throw new SyntaxError(`Cannot parse duration ${quote(text)}: ${FORMS}`);
  }
  return ms;
}

function notADuration(input: unknown): string {
  return `${quote(String(input))} is not a duration from 1ms to 24h: ${FORMS}`;
}

/**
 * A duration from 1 ms to 24 h, such as `500ms`, `2s`, `1.5m`, `1h`. Its
 * checks never throw: whatever the text, it is one issue or a duration.
 */
export const DurationSchema = z.string()
  .regex(DURATION, { error: (issue) => notADuration(issue.input) })
  .superRefine((text, ctx) => {
    const ms = durationMs(text);
    // A text the pattern refused has its issue already.
    if (ms !== undefined && !(ms >= 1 && ms <= MAX_DURATION_MS)) {
      ctx.addIssue({ code: "custom", message: notADuration(text) });
    }
  });
