/**
 * Snapshot codecs with an exact round trip: JSON text for humans and HTTP,
 * and a compact binary form for the wire. Both refuse what they cannot
 * carry exactly (`ValidationError`), and decoding checks every byte, so a
 * truncated or corrupt input throws `ValidationError`, never a `RangeError`.
 *
 * JSON has no `-0`; the store turns every `-0` in a context into `0` when
 * it seals the context (see `sealContext`), so both forms round-trip every
 * snapshot the store holds exactly. Encoding a hand-made snapshot seals its
 * context the same way.
 *
 * Binary layout (all integers are unsigned LEB128 varints):
 * `"T" 0x01 version state reason at:f64le context` where a string is
 * `length utf8-bytes` and a value is a tag byte then its body:
 * 0 null, 1 false, 2 true, 3 integer (zigzag varint), 4 float64le,
 * 5 string, 6 array (`count value*`), 7 object (`count (string value)*`).
 * @module
 */
import { ValidationError } from "../../errors.ts";
import { type Context, isSealed, MAX_DEPTH, sealContext } from "./_json.ts";
import type { Snapshot } from "./state_store.ts";

const MAGIC = 0x54; // "T"
const FORMAT = 1;
const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_INT = 3;
const TAG_FLOAT = 4;
const TAG_STRING = 5;
const TAG_ARRAY = 6;
const TAG_OBJECT = 7;
/** Integers up to this magnitude use the zigzag varint form. */
const INT_LIMIT = 2 ** 52;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes a snapshot as JSON text (`version, state, reason, context, at`).
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 *
 * using store = new StateStore();
 * store.set({ state: "ACTIVE", context: { job: 7, zero: -0 } });
 * const text = encodeJson(store.get());
 * console.log(text); // {"version":1,"state":"ACTIVE",...,"context":{"job":7,"zero":0},...}
 * const back = decodeJson(text); // deep-equal to store.get(), frozen
 * console.log(back.context.job); // 7
 * ```
 */
export function encodeJson(snapshot: Snapshot): string {
  const s = checkSnapshot(snapshot);
  return JSON.stringify({
    version: s.version,
    state: s.state,
    reason: s.reason,
    context: s.context,
    at: s.at,
  });
}

/**
 * Decodes {@link encodeJson} output into a frozen snapshot. Throws
 * `ValidationError` for malformed text or a wrong shape.
 *
 * @example
 * ```ts
 * const s = decodeJson('{"version":1,"state":"IDLE","reason":"","context":{},"at":0}');
 * console.log(s.state, Object.isFrozen(s)); // IDLE true
 * ```
 */
export function decodeJson(text: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      `Cannot decode snapshot JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError(
      "Cannot decode snapshot JSON: expected an object",
    );
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 5) {
    throw new ValidationError(
      `Cannot decode snapshot JSON: expected keys version, state, reason, context, at, got ${
        keys.join(", ")
      }`,
    );
  }
  return makeSnapshot(o, "JSON");
}

/**
 * Encodes a snapshot in the compact binary form (see the module doc).
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 *
 * using store = new StateStore();
 * store.set({ state: "ACTIVE", context: { job: 7 } });
 * const bytes = encodeBinary(store.get());
 * console.log(bytes[0] === 0x54); // true: "T"
 * const back = decodeBinary(bytes); // deep-equal to store.get(), frozen
 * console.log(back.context.job); // 7
 * ```
 */
export function encodeBinary(snapshot: Snapshot): Uint8Array {
  const s = checkSnapshot(snapshot);
  const w = writer;
  w.pos = 0;
  w.ensure(16);
  w.buf[w.pos++] = MAGIC;
  w.buf[w.pos++] = FORMAT;
  w.varint(s.version);
  w.string(s.state);
  w.string(s.reason);
  w.ensure(8);
  w.view.setFloat64(w.pos, s.at, true);
  w.pos += 8;
  w.value(s.context);
  return w.buf.slice(0, w.pos);
}

/**
 * Decodes {@link encodeBinary} output into a frozen snapshot. Throws
 * `ValidationError` for truncated, corrupt or trailing bytes.
 *
 * @example
 * ```ts
 * import { StateStore } from "./state_store.ts";
 *
 * using store = new StateStore({ initial: { state: "IDLE" } });
 * const bytes = encodeBinary(store.get());
 * console.log(decodeBinary(bytes).version === store.get().version); // true
 * ```
 */
export function decodeBinary(bytes: Uint8Array): Snapshot {
  const r = new Reader(bytes);
  if (r.byte() !== MAGIC || r.byte() !== FORMAT) {
    throw new ValidationError(
      "Cannot decode binary snapshot: not a tensile snapshot (bad magic or format)",
    );
  }
  const version = r.varint();
  const state = r.string();
  const reason = r.string();
  const at = r.float();
  const context = r.value(0);
  if (r.pos !== bytes.length) {
    throw new ValidationError(
      `Cannot decode binary snapshot: ${
        bytes.length - r.pos
      } trailing bytes at offset ${r.pos}`,
    );
  }
  return makeSnapshot({ version, state, reason, context, at }, "binary");
}

function checkSnapshot(snapshot: Snapshot): Snapshot {
  const { version, state, reason, at, context } = snapshot;
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new ValidationError(
      `Cannot encode snapshot: version must be a safe integer >= 0, got ${version}`,
    );
  }
  if (typeof state !== "string" || typeof reason !== "string") {
    throw new ValidationError(
      "Cannot encode snapshot: state and reason must be strings",
    );
  }
  if (!state.isWellFormed() || !reason.isWellFormed()) {
    throw new ValidationError(
      "Cannot encode snapshot: state or reason has a lone surrogate",
    );
  }
  if (typeof at !== "number" || !Number.isFinite(at)) {
    throw new ValidationError(
      `Cannot encode snapshot: at must be a finite number, got ${at}`,
    );
  }
  if (!isSealed(context)) sealContext(context, `snapshot ${version}`);
  return snapshot;
}

/** Decoded, unchecked snapshot fields. */
interface RawSnapshot {
  version?: unknown;
  state?: unknown;
  reason?: unknown;
  context?: unknown;
  at?: unknown;
}

function makeSnapshot(raw: RawSnapshot, format: string): Snapshot {
  const { version, state, reason, context, at } = raw;
  const fail = (detail: string): never => {
    throw new ValidationError(`Cannot decode ${format} snapshot: ${detail}`);
  };
  if (typeof version !== "number" || !Number.isSafeInteger(version)) {
    fail(`version must be a safe integer, got ${version}`);
  }
  if ((version as number) < 0) fail(`version must be >= 0, got ${version}`);
  if (typeof state !== "string" || state.length === 0) {
    fail("state must be a non-empty string");
  }
  if (typeof reason !== "string") fail("reason must be a string");
  if (typeof at !== "number" || !Number.isFinite(at)) {
    fail(`at must be a finite number, got ${at}`);
  }
  let sealed: Context;
  try {
    sealed = sealContext(context, `decoded snapshot ${version}`);
  } catch (error) {
    return fail((error as Error).message);
  }
  return Object.freeze({
    version: version as number,
    state: state as string,
    reason: reason as string,
    context: sealed,
    at: (at as number) + 0, // as the store writes it: never -0
  });
}

/** A growable output buffer, reused across encodes (they are synchronous). */
class Writer {
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(n: number): void {
    this.ensure(8);
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.pos++] = n;
  }

  string(s: string): void {
    const n = s.length;
    this.ensure(n * 3 + 8);
    const buf = this.buf;
    if (n <= 64) {
      // Short ASCII fast path: bytes == chars, so the prefix is known.
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    // Reserve the largest prefix a string this long can need, then shift.
    const room = varintSize(n * 3);
    const { written } = ENCODER.encodeInto(s, buf.subarray(this.pos + room));
    const size = varintSize(written);
    if (size < room) {
      buf.copyWithin(
        this.pos + size,
        this.pos + room,
        this.pos + room + written,
      );
    }
    this.varint(written);
    this.pos += written;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "boolean":
        this.ensure(1);
        this.buf[this.pos++] = v ? TAG_TRUE : TAG_FALSE;
        return;
      case "number":
        if (
          Number.isInteger(v) && Math.abs(v) < INT_LIMIT && !Object.is(v, -0)
        ) {
          this.ensure(1);
          this.buf[this.pos++] = TAG_INT;
          this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
          return;
        }
        this.ensure(9);
        this.buf[this.pos++] = TAG_FLOAT;
        this.view.setFloat64(this.pos, v, true);
        this.pos += 8;
        return;
      case "string":
        this.ensure(1);
        this.buf[this.pos++] = TAG_STRING;
        this.string(v);
        return;
      case "object": {
        if (v === null) {
          this.ensure(1);
          this.buf[this.pos++] = TAG_NULL;
          return;
        }
        if (Array.isArray(v)) {
          this.ensure(1);
          this.buf[this.pos++] = TAG_ARRAY;
          this.varint(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          return;
        }
        const keys = Object.keys(v);
        this.ensure(1);
        this.buf[this.pos++] = TAG_OBJECT;
        this.varint(keys.length);
        for (const key of keys) {
          this.string(key);
          this.value((v as Record<string, unknown>)[key]);
        }
        return;
      }
      default:
        // Unreachable for sealed contexts.
        throw new ValidationError(
          `Cannot encode snapshot: ${typeof v} is not a JSON value`,
        );
    }
  }
}

const writer = new Writer();

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) {
      throw new ValidationError(
        "Cannot decode binary snapshot: expected a Uint8Array",
      );
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(detail: string): never {
    throw new ValidationError(
      `Cannot decode binary snapshot: ${detail} at offset ${this.pos}`,
    );
  }

  byte(): number {
    if (this.pos >= this.bytes.length) this.fail("unexpected end");
    return this.bytes[this.pos++];
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(n)) this.fail("varint out of safe range");
        if (i > 0 && b === 0) this.fail("overlong varint");
        return n;
      }
      scale *= 0x80;
    }
    return this.fail("varint longer than 8 bytes");
  }

  float(): number {
    if (this.pos + 8 > this.bytes.length) this.fail("unexpected end");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.varint();
    const start = this.pos;
    if (n > this.bytes.length - start) this.fail("string past the end");
    const bytes = this.bytes;
    this.pos = start + n;
    if (n <= 16) {
      // Short ASCII strings are cheaper to build than to decode.
      let s = "";
      let i = 0;
      for (; i < n; i++) {
        const c = bytes[start + i];
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === n) return s;
    }
    try {
      return DECODER.decode(bytes.subarray(start, start + n));
    } catch {
      this.pos = start;
      return this.fail("invalid UTF-8 in string");
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const tag = this.byte();
    switch (tag) {
      case TAG_NULL:
        return null;
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_INT: {
        const z = this.varint();
        const v = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        if (Math.abs(v) >= INT_LIMIT) this.fail("integer out of range");
        return v;
      }
      case TAG_FLOAT: {
        const v = this.float();
        if (!Number.isFinite(v)) this.fail("non-finite number");
        return v;
      }
      case TAG_STRING:
        return this.string();
      case TAG_ARRAY: {
        const n = this.varint();
        if (n > this.bytes.length - this.pos) this.fail("array past the end");
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case TAG_OBJECT: {
        const n = this.varint();
        if (n > this.bytes.length - this.pos) this.fail("object past the end");
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = this.string();
          if (Object.hasOwn(out, key)) this.fail(`duplicate key "${key}"`);
          const v = this.value(depth + 1);
          if (key === "__proto__") {
            Object.defineProperty(out, key, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          } else {
            out[key] = v;
          }
        }
        return out;
      }
      default:
        return this.fail(`unknown value tag ${tag}`);
    }
  }
}
