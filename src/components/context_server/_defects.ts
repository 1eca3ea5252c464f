/**
 * The context server's deliberate defects, so the load suite (and the tests)
 * can watch each of its invariants fail. Never active unless asked for
 * (`serve({ defect })`, `tensile serve --defect NAME`).
 * @module
 */

/**
 * A deliberate defect of the context server. `"none"` breaks nothing.
 *
 * - `lost_write`: about 1% of writes (every 100th PUT) are acknowledged with
 *   the version they would have had, but never stored.
 * - `stale_version`: every 25th PUT of an existing key answers with the
 *   key's previous version (the write itself is stored), so the versions a
 *   client sees do not increase.
 * - `dump_skips_key`: a dump leaves one key out of its file (the response
 *   still counts it).
 * - `metrics_undercount`: every 10th request is missing from
 *   `tensile_requests_total`.
 */
export type ContextDefect =
  | "none"
  | "lost_write"
  | "stale_version"
  | "dump_skips_key"
  | "metrics_undercount";

/** Every {@link ContextDefect}. */
export const CONTEXT_DEFECTS: readonly ContextDefect[] = [
  "none",
  "lost_write",
  "stale_version",
  "dump_skips_key",
  "metrics_undercount",
];

/** `lost_write` drops one PUT in this many. */
export const LOST_WRITE_EVERY = 100;
/** `stale_version` answers one PUT of an existing key in this many. */
export const STALE_VERSION_EVERY = 25;
/** `metrics_undercount` leaves out one request in this many. */
export const UNDERCOUNT_EVERY = 10;
