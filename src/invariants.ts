/**
 * How a target turns its named correctness checks into the
 * {@link InvariantResult}s the engine merges, and a collector for what a
 * check found. Part of the shared kernel: it imports only the contract's
 * types, so every component uses it.
 *
 * @example
 * ```ts
 * import { checkEach, Problems } from "./invariants.ts";
 *
 * const lost = new Problems();
 * lost.add("version 7 missing");
 * const results = await checkEach(["lost_nothing", "counted"], {
 *   counted: () => ({ ok: true, detail: "12 writes counted" }),
 *   lost_nothing: () => lost.result("every version arrived"),
 * });
 * console.log(results.map((r) => `${r.name} ${r.ok}`)); // ["lost_nothing false", "counted true"]
 * ```
 * @module
 */
import type { InvariantResult } from "./target.ts";

/** What one check found: an {@link InvariantResult} before it is named. */
export type CheckResult = Omit<InvariantResult, "name">;

/** One named check. A synchronous one runs without giving up its turn. */
export type Check = () => CheckResult | Promise<CheckResult>;

/** How many problems a {@link Problems} keeps verbatim (it counts them all). */
const KEEP = 5;

/** Collects problems: the first few verbatim, and a total. */
export class Problems {
  /** The first problems recorded, verbatim. */
  readonly first: string[] = [];
  /** Every problem recorded, kept or not. */
  count = 0;

  /** Records one problem. */
  add(problem: string): void {
    if (this.first.length < KEEP) this.first.push(problem);
    this.count++;
  }

  /** Whether none was recorded. */
  get ok(): boolean {
    return this.count === 0;
  }

  /** One line: the first problems, and how many more. */
  summary(): string {
    const more = this.count - this.first.length;
    return this.first.join("; ") + (more > 0 ? `; and ${more} more` : "");
  }

  /** Held with `detail` when none was recorded, else failed with the summary. */
  result(detail: string): CheckResult {
    return this.ok
      ? { ok: true, detail }
      : { ok: false, detail: this.summary() };
  }
}

/**
 * Runs the checks that `names` asks for and returns their results in the
 * order of `names`. Checks run one at a time in the order of `checks`, so a
 * table puts first what must see the state untouched and last what tears
 * it down. A name without a check fails as `unknown invariant "<name>"`.
 */
export async function checkEach(
  names: readonly string[],
  checks: Readonly<Record<string, Check>>,
): Promise<InvariantResult[]> {
  const wanted = new Set(names);
  const results = new Map<string, CheckResult>();
  for (const [name, check] of Object.entries(checks)) {
    if (!wanted.has(name)) continue;
    const result = check();
    results.set(name, result instanceof Promise ? await result : result);
  }
  return names.map((name) => {
    const result = results.get(name);
    return result === undefined
      ? { name, ok: false, detail: `unknown invariant "${name}"` }
      : { name, ok: result.ok, detail: result.detail };
  });
}
