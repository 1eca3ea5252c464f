/**
 * Request templates: a path or a JSON body with variables in braces, drawn
 * per request from the task's seeded random numbers, so a run repeats.
 *
 * - `{key:1..1000}` draws an integer in [1, 1000] (both inclusive) and names
 *   it `key`; a later `{key}` in the same request (path or body) reuses it.
 * - `{seq}` is a sequence number, unique over the run's workers
 *   (`index + count * n`).
 * - `{worker}` is the worker's index.
 *
 * In a body, a string that is only one variable (`"{seq}"`) becomes a JSON
 * number; elsewhere the value is spliced into the text.
 * @module
 */
import type { Rng } from "../../target.ts";

/** Per-request values that are not drawn: the sequence and the worker. */
export interface TemplateContext {
  /** The next sequence number (the caller advances it per request). */
  seq: number;
  /** The worker's index. */
  worker: number;
}

type Part =
  | { kind: "text"; text: string }
  | { kind: "range"; slot: number; min: number; max: number; bare: boolean }
  | { kind: "ref"; slot: number; bare: boolean }
  | { kind: "seq"; bare: boolean }
  | { kind: "worker"; bare: boolean };

const VARIABLE = /\{([a-z_][a-z0-9_]*)(?::(-?\d+)\.\.(-?\d+))?\}/g;
const MALFORMED = /\{[a-z_][a-z0-9_]*:[^}]*\}/;

/** A compiled template. `expand()` fills it; `slots` are the drawn values. */
export class Template {
  readonly #parts: Part[];
  /** The text as written. */
  readonly source: string;
  /** Whether the text has no variable. */
  readonly constant: boolean;

  private constructor(source: string, parts: Part[]) {
    this.source = source;
    this.#parts = parts;
    this.constant = parts.every((part) => part.kind === "text");
  }

  /**
   * Compiles `source`; `names` maps variable names to slots and is shared
   * by the templates of one request, so path and body see the same draw.
   * `json` marks a body: a quoted lone variable becomes a bare number.
   * Throws a `SyntaxError` naming the problem.
   */
  static compile(
    source: string,
    names: Map<string, number>,
    json = false,
  ): Template {
    const parts: Part[] = [];
    let last = 0;
    for (const match of source.matchAll(VARIABLE)) {
      const [whole, name, min, max] = match;
      let start = match.index;
      let end = start + whole.length;
      const bare = json && source[start - 1] === '"' && source[end] === '"';
      if (bare) {
        start--;
        end++;
      }
      if (start > last) {
        parts.push({ kind: "text", text: source.slice(last, start) });
      }
      last = end;
      if (min !== undefined) {
        const lo = Number(min);
        const hi = Number(max);
        if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
          throw new SyntaxError(
            `bad range in "${whole}": expected {name:min..max} with integers min <= max`,
          );
        }
        if (name === "seq" || name === "worker") {
          throw new SyntaxError(
            `"${whole}": "${name}" is built in and takes no range`,
          );
        }
        if (names.has(name)) {
          throw new SyntaxError(
            `"${whole}": variable "${name}" has a range already (write {${name}} to reuse its value)`,
          );
        }
        const slot = names.size;
        names.set(name, slot);
        parts.push({ kind: "range", slot, min: lo, max: hi, bare });
      } else if (name === "seq" || name === "worker") {
        parts.push({ kind: name, bare });
      } else {
        const slot = names.get(name);
        if (slot === undefined) {
          throw new SyntaxError(
            `unknown variable "{${name}}": define it with a range first, such as {${name}:1..100}, or use {seq} or {worker}`,
          );
        }
        parts.push({ kind: "ref", slot, bare });
      }
    }
    if (last < source.length) {
      parts.push({ kind: "text", text: source.slice(last) });
    }
    // A variable with a colon that is not a whole range ({key:1..}) would
    // otherwise go out as literal text.
    for (const part of parts) {
      const bad = part.kind === "text" ? MALFORMED.exec(part.text) : null;
      if (bad) {
        throw new SyntaxError(
          `bad range in "${
            bad[0]
          }": expected {name:min..max} with integers min <= max`,
        );
      }
    }
    return new Template(source, parts);
  }

  /**
   * Fills the template. Ranges draw from `rng` into `values` (by slot);
   * references read them, so call the request's templates in source order.
   */
  expand(rng: Rng, values: number[], context: TemplateContext): string {
    const parts = this.#parts;
    if (parts.length === 1 && parts[0].kind === "text") return parts[0].text;
    let out = "";
    for (const part of parts) {
      switch (part.kind) {
        case "text":
          out += part.text;
          break;
        case "range": {
          const value = rng.int(part.min, part.max);
          values[part.slot] = value;
          out += value;
          break;
        }
        case "ref":
          out += values[part.slot];
          break;
        case "seq":
          out += context.seq;
          break;
        case "worker":
          out += context.worker;
          break;
        default: {
          const never: never = part;
          throw new TypeError(`Unknown part ${JSON.stringify(never)}`);
        }
      }
    }
    return out;
  }
}
