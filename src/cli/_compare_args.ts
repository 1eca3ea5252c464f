/**
 * What the parser of `tensile compare` needs, as light code: the formats
 * and the `--noise` reader, so `tensile --help` loads no comparison.
 * @module
 */

/** The formats `tensile compare --format` accepts, the default first. */
export const COMPARE_FORMATS = [
  "terminal",
  "markdown",
  "github",
  "json",
  "html",
] as const;
/** A format of `tensile compare`. */
export type CompareFormat = typeof COMPARE_FORMATS[number];

/**
 * Reads `--noise`: a percentage (`5%`) or a fraction (`0.05`), from 0 up
 * to below 100%.
 * @throws {RangeError} saying what was expected
 */
export function parseNoise(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] === "%" ? 100 : 1) : NaN;
  if (!(value >= 0 && value < 1)) {
    throw new RangeError(
      `expected a minimum effect like "5%" or "0.05" (from 0 to below 100%), got "${text}"`,
    );
  }
  return value;
}
