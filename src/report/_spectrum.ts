/**
 * Percentiles past the artifact's summaries (which stop at p99.9), read from
 * the encoded HDR histogram the artifact keeps beside them. Decoded with
 * hdr-histogram-js's JavaScript implementation: synchronous, with no
 * WebAssembly to load first, so a printer stays a pure function (about a
 * millisecond per histogram). The parameters match `stats/histogram.ts`.
 * @module
 */
import * as hdr from "hdr-histogram-js";

/**
 * The value at `percentile` (0–100) of an encoded histogram of nanoseconds,
 * in milliseconds; undefined when the text does not decode (an artifact
 * edited by hand) or holds no value, so a report shows what it has.
 */
export function percentileOf(
  encoded: string,
  percentile: number,
): number | undefined {
  let histogram: hdr.Histogram | undefined;
  try {
    histogram = hdr.decodeFromCompressedBase64(encoded, 32, false);
    if (histogram.totalCount === 0) return undefined;
    return histogram.getValueAtPercentile(percentile) / 1e6;
  } catch {
    return undefined;
  } finally {
    histogram?.destroy();
  }
}
