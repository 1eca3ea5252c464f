/**
 * The names `tensile report --format` accepts, as a light constant: the CLI
 * parser offers them without loading every printer (`REPORTERS` imports them
 * all), so `tensile --version` and `validate` start fast.
 * @module
 */
import type { ReportFormat } from "../report/mod.ts";

/**
 * Every format of `REPORTERS`, in its order (the default first). A format
 * added there and not here fails to type-check ({@link MissingFormat}), and
 * `_formats_test.ts` checks the order.
 */
export const FORMAT_CHOICES = [
  "markdown",
  "terminal",
  "json",
  "github",
  "junit",
  "html",
] as const satisfies readonly ReportFormat[];

/** A `REPORTERS` format missing from {@link FORMAT_CHOICES}: must be `never`. */
export type MissingFormat = Exclude<
  ReportFormat,
  typeof FORMAT_CHOICES[number]
>;
const _everyFormat: [MissingFormat] extends [never] ? true : MissingFormat =
  true;
