/**
 * Splitting a plan over processes or machines: shard `i` of `n` runs its
 * part of the declared load, and the `n` shards together run exactly the
 * single-process plan (they split it, they never multiply it). Each
 * executor says how its load splits (`ExecutorSpec.shard`); this file turns
 * a `Plan` into a shard's `Plan`, names the whole plan by a fingerprint,
 * and reads `--shard` and `--start-at`. Pure, apart from the hash.
 * @module
 */
import { loadRecord, type Shard, shardLoad } from "../executors/mod.ts";
import type { Plan } from "./plan.ts";

export type { Shard } from "../executors/mod.ts";

/** Most shards a run may be split into. */
export const MAX_SHARDS = 1024;

/**
 * Reads `--shard i/n`: shard `i` (from 0, as Kubernetes'
 * `JOB_COMPLETION_INDEX`) of `n`.
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * console.log(parseShard("2/3")); // { index: 2, count: 3 }
 * ```
 * @throws {RangeError} when it is not `i/n` with 0 ≤ i < n ≤ 1024
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const hint =
    `shards are numbered from 0, as Kubernetes' JOB_COMPLETION_INDEX: --shard 0/3, 1/3 and 2/3 split a run in three`;
  if (!match) {
    throw new RangeError(
      `Cannot read --shard ${
        JSON.stringify(text)
      }: expected "i/n", the shard index and the shard count (${hint})`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) {
    throw new RangeError(
      `Cannot read --shard ${
        JSON.stringify(text)
      }: the shard count must be from 1 to ${MAX_SHARDS}, got ${count}`,
    );
  }
  if (index >= count) {
    throw new RangeError(
      `Cannot read --shard ${
        JSON.stringify(text)
      }: the index must be from 0 to ${count - 1} (${hint})`,
    );
  }
  return { index, count };
}

/**
 * The plan shard `shard` runs: its executor's split of the load, with the
 * global index of each worker (seeds) and the whole load kept for the
 * record. Shard 0 of 1 is the plan itself.
 * @throws {RangeError} when the load cannot be split into that many shards
 */
export function shardPlan(plan: Plan, shard: Shard): Plan {
  const split = shardLoad(plan.load, shard);
  if (typeof split === "string") {
    throw new RangeError(
      `Cannot run scenario ${
        JSON.stringify(plan.name)
      } as shard ${shard.index}/${shard.count}: ${split}`,
    );
  }
  return {
    ...plan,
    load: split.load,
    shard: { ...shard, workers: split.workers, whole: plan.load },
  };
}

/**
 * A stable hash of the whole, unsharded plan: the scenario as resolved, the
 * profile, the load as it runs (seed and overrides included) and the tool's
 * version. Shards of one plan share it; merge refuses results that do not.
 * The file's path is left out: shards may read it from different places.
 */
export async function planFingerprint(
  plan: Plan,
  version: string,
): Promise<string> {
  const whole = plan.shard?.whole ?? plan.load;
  const text = canonicalJson({
    tool: version,
    name: plan.name,
    profile: plan.profile,
    config: plan.config,
    load: loadRecord(whole),
  });
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return `sha256:${
    Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
      .join("")
  }`;
}

/** JSON with every object's keys sorted, so equal values hash alike. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
          Object.keys(v).sort().map((
            k,
          ) => [k, (v as Record<string, unknown>)[k]]),
        )
        : v,
  );
}

/** How far ahead `--start-at` may be: an hour. */
export const MAX_START_AHEAD_MS = 3_600_000;
/** How far in the past `--start-at` may be: a late pod still starts now. */
export const MAX_START_BEHIND_MS = 5_000;

/**
 * Reads `--start-at`: an ISO time (`2026-11-26T15:30:00Z`) or `+Ns` from
 * `now` (`+30s`). Every shard given the same time starts its load at the
 * same wall-clock instant.
 *
 * @example
 * ```ts
 * import { parseStartAt } from "./shard.ts";
 * const now = new Date("2026-01-01T00:00:00Z");
 * console.log(parseStartAt("+30s", now).toISOString()); // 2026-01-01T00:00:30.000Z
 * ```
 * @throws {RangeError} when it is neither, more than an hour ahead, or
 * more than a few seconds in the past
 */
export function parseStartAt(text: string, now: Date): Date {
  const relative = /^\+(\d+(?:\.\d+)?)s$/.exec(text.trim());
  const at = relative
    ? new Date(now.getTime() + Number(relative[1]) * 1000)
    : /^\d{4}-\d{2}-\d{2}T/.test(text.trim())
    ? new Date(text.trim())
    : new Date(NaN);
  const quoted = JSON.stringify(text);
  if (Number.isNaN(at.getTime())) {
    throw new RangeError(
      `Cannot read --start-at ${quoted}: expected an ISO time like "2026-11-26T15:30:00Z" or a delay like "+30s"`,
    );
  }
  const ahead = at.getTime() - now.getTime();
  if (ahead > MAX_START_AHEAD_MS) {
    throw new RangeError(
      `Cannot wait for --start-at ${quoted}: it is ${
        Math.round(ahead / 1000)
      } s away, more than the hour a run may wait (is the time zone right? ISO times without "Z" are local)`,
    );
  }
  if (ahead < -MAX_START_BEHIND_MS) {
    throw new RangeError(
      `Cannot start at --start-at ${quoted}: it passed ${
        Math.round(-ahead / 1000)
      } s ago (${now.toISOString()} now), more than the ${
        MAX_START_BEHIND_MS / 1000
      } s a late shard may start behind: give every shard a later time`,
    );
  }
  return at;
}
