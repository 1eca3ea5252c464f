/**
 * The contexts the `store` target's `set` op writes: `keys` keys, each value
 * a fresh string of `bytes` bytes, so a scenario sets how much memory every
 * snapshot really holds. Private to the folder.
 * @module
 */
import type { Context, JsonValue } from "./state_store.ts";

/** Makes one new context per call, numbered from 0. */
export class ContextMaker {
  /** Context values are built from it, fresh for every write. */
  readonly #base: string;
  readonly #keys: string[];
  #seq = 0;

  /** Contexts of `keys` keys of `bytes` bytes each, their text from `seed`. */
  constructor(keys: number, bytes: number, seed: number) {
    this.#keys = Array.from({ length: keys }, (_, i) => `key_${i}`);
    this.#base = makeBase(bytes, seed);
  }

  /** How many contexts were made. */
  get made(): number {
    return this.#seq;
  }

  /**
   * A new context (or `undefined` for 0 keys), each value its own copy, so
   * the memory is really used.
   */
  next(): Context | undefined {
    const keys = this.#keys;
    if (keys.length === 0) return undefined;
    const seq = this.#seq++;
    const head = `${seq}.`;
    const base = this.#base;
    const bytes = base.length;
    const context: Record<string, JsonValue> = {};
    for (let k = 0; k < keys.length; k++) {
      // Slicing a concatenation copies it into one new flat string.
      context[keys[k]] = (head + keys[k] + base).slice(0, bytes);
    }
    context.seq = seq;
    return context;
  }
}

/** A flat string of `bytes` pseudo-random characters from `seed`. */
function makeBase(bytes: number, seed: number): string {
  const alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let s = "";
  for (let b = 0; b < bytes; b++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) & 63];
  }
  return s;
}
