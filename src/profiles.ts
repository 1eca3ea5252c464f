/**
 * Load profile names. Part of the shared kernel: imports nothing, so the
 * scenario loader (which scales load by profile) and the artifact (which
 * records the profile a run used) share one list.
 * @module
 */

/** Every load profile, lightest first: `ci` is a scenario as written. */
export const PROFILES = ["smoke", "ci", "full"] as const;

/** A load profile. */
export type Profile = typeof PROFILES[number];
