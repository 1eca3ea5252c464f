/**
 * The `store` target's `encode` and `decode` ops and its `codec_round_trip`
 * invariant: every decoded snapshot must equal the one encoded. Private to
 * the folder.
 * @module
 */
import { type CheckResult, Problems } from "../../invariants.ts";
import { decodeBinary, decodeJson, encodeBinary, encodeJson } from "./codec.ts";
import { forgetReason } from "./_defects.ts";
import { sameValue } from "./_invariants.ts";
import type { Snapshot } from "./state_store.ts";

/** The encodings the ops exercise. */
export type Format = "json" | "binary";

/** Every {@link Format}. */
export const FORMATS: readonly Format[] = ["json", "binary"];

/** Encodes and decodes snapshots, checking each round trip. */
export class RoundTrips {
  readonly #lossy: boolean;
  readonly #problems = new Problems();
  #decodes = 0;
  /** The newest snapshot's encodings, so `decode` measures decoding only. */
  #encoded: { version: number; json?: string; binary?: Uint8Array } = {
    version: -1,
  };

  /** `lossy`: the `lossy-codec` defect (a decoder that forgets `reason`). */
  constructor(lossy: boolean) {
    this.#lossy = lossy;
  }

  /** The `encode` op: the size of `snapshot`'s encoding. */
  encode(snapshot: Snapshot, format: Format): number {
    switch (format) {
      case "json":
        return encodeJson(snapshot).length;
      case "binary":
        return encodeBinary(snapshot).length;
      default: {
        const never: never = format;
        throw new TypeError(`Unknown format "${never}"`);
      }
    }
  }

  /**
   * The `decode` op: decodes `original`'s encoding (made once per version)
   * and, with `verify`, checks it equals `original`.
   */
  decode(original: Snapshot, format: Format, verify: boolean): Snapshot {
    const cache = this.#encoded.version === original.version
      ? this.#encoded
      : (this.#encoded = { version: original.version });
    let decoded: Snapshot;
    switch (format) {
      case "json":
        decoded = decodeJson(cache.json ??= encodeJson(original));
        break;
      case "binary":
        decoded = decodeBinary(cache.binary ??= encodeBinary(original));
        break;
      default: {
        const never: never = format;
        throw new TypeError(`Unknown format "${never}"`);
      }
    }
    if (this.#lossy) decoded = forgetReason(decoded);
    this.#decodes++;
    if (verify && !sameValue(decoded, original)) {
      this.#problems.add(
        `${format} round trip of version ${original.version} changed it`,
      );
    }
    return decoded;
  }

  /** `codec_round_trip`: every decoded snapshot equalled its original. */
  result(): CheckResult {
    return this.#problems.result(
      `${this.#decodes} decodes equalled their original`,
    );
  }

  /** Lets go of the encodings it keeps. */
  release(): void {
    this.#encoded = { version: -1 };
  }
}
