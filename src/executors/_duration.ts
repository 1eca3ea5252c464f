/**
 * Durations as scenarios write them (`500ms`, `2s`, `1.5m`, `1h`), parsed
 * and checked in one place for every executor.
 * @module
 */
import { z } from "zod";

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Longest duration a scenario may ask for. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** Milliseconds in a duration string such as `500ms`, `2s`, `1m`, `1h`. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new SyntaxError(`Cannot parse duration "${text}"`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2]]!;
  return Math.round(Number(match[1]) * factor);
}

/** A duration from 1 ms to 24 h, such as `500ms`, `2s`, `1.5m`, `1h`. */
export const DurationSchema = z.string().regex(DURATION, {
  error: 'expected a duration like "500ms", "2s" or "1m"',
}).refine((text) => {
  const ms = parseDuration(text);
  return ms >= 1 && ms <= MAX_DURATION_MS;
}, { error: "expected a duration from 1ms to 24h" });
