/**
 * The `register` op of the `fsm` target, its lookups of registered keys,
 * and its `registry_consistent` invariant: every key registered during the
 * run still resolves, and the registry grew by exactly the registrations.
 * Private to the folder.
 * @module
 */
import type { CheckResult } from "../../invariants.ts";
import type { Rng } from "../../target.ts";
import { UnknownTransitionError } from "./errors.ts";
import type { RegistryPort } from "./_defects.ts";
import { performanceTransition } from "./_seed_transitions.ts";
import type { Transition } from "./transition.ts";

/** Registrations on one registry, and lookups of what they registered. */
export class Registrations {
  readonly #registry: RegistryPort;
  readonly #baseline: number;
  readonly #registered: Transition[] = [];
  #count = 0;
  #lookups = 0;
  #misses = 0;

  /** Watches `registry`, which holds its initial transitions now. */
  constructor(registry: RegistryPort) {
    this.#registry = registry;
    this.#baseline = registry.size;
  }

  /** Whether a transition has been registered yet. */
  get empty(): boolean {
    return this.#registered.length === 0;
  }

  /** The `register` op: a new transition under a fresh key. */
  register(): void | Promise<void> {
    const n = ++this.#count;
    const transition = performanceTransition(
      `entity_${n % 100}`,
      `transition_${n}`,
    );
    const done = this.#registry.register(transition);
    if (done instanceof Promise) {
      return done.then(() => {
        this.#registered.push(transition);
      });
    }
    this.#registered.push(transition);
  }

  /**
   * Looks up a key some task registered (call only when not
   * {@link empty}); a miss fails the op and the invariant.
   */
  lookup(rng: Rng): Transition {
    const registered = this.#registered;
    const wanted = registered[rng.int(0, registered.length - 1)];
    this.#lookups++;
    try {
      return this.#registry.get(wanted.entity, wanted.name);
    } catch (error) {
      if (!(error instanceof UnknownTransitionError)) throw error;
      this.#misses++;
      throw new Error(
        `Registered transition "${wanted.key}" did not resolve`,
        { cause: error },
      );
    }
  }

  /** `registry_consistent`: every key registered in the run resolves. */
  result(): CheckResult {
    const registry = this.#registry;
    let unresolved = 0;
    let first = "";
    for (const transition of this.#registered) {
      if (!registry.has(transition.entity, transition.name)) {
        if (unresolved === 0) first = ` (first: "${transition.key}")`;
        unresolved++;
      }
    }
    const expected = this.#baseline + this.#registered.length;
    return {
      ok: unresolved === 0 && registry.size === expected &&
        this.#misses === 0,
      detail:
        `${this.#registered.length} registered during the run, ${unresolved} no longer resolve${first}; size ${registry.size}, expected ${expected}; ${this.#misses} of ${this.#lookups} lookups of registered keys missed`,
    };
  }
}
