import type { Rng } from "../target.ts";

/**
 * sfc32, seeded through splitmix32: fast, small state, good statistics for
 * load generation (not for cryptography). Every task derives its own stream
 * from (seed, worker, task), so one seed always gives one op sequence.
 */
export class SeededRng implements Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Creates a stream from a seed and any number of stream ids. */
  constructor(seed: number, ...stream: number[]) {
    let s = seed >>> 0;
    for (const id of stream) s = mix32(s ^ Math.imul(id + 1, 0x9e3779b9));
    this.#a = s = mix32(s);
    this.#b = s = mix32(s);
    this.#c = s = mix32(s);
    this.#d = mix32(s) | 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
