import * as hdr from "hdr-histogram-js";
import type { LatencySummary } from "./measurements.ts";

/** An HDR histogram of latencies in nanoseconds (WebAssembly-backed). */
export type Histogram = hdr.Histogram;

/** Largest recordable latency: one hour, in nanoseconds. Larger values clamp. */
export const HIGHEST_NS = 3_600_000_000_000;

let ready: Promise<void> | undefined;

/** Loads the WebAssembly module once; call before creating histograms. */
export function initHistograms(): Promise<void> {
  ready ??= hdr.initWebAssembly();
  return ready;
}

/** Histograms of this thread created or decoded here and not yet destroyed. */
let live = 0;

/**
 * How many histograms this thread (module instance) holds: created by
 * {@link createHistogram} or {@link decodeHistogram} and not yet destroyed.
 * A check that memory follows what is recorded, and for leaks.
 *
 * @example
 * ```ts
 * import { createHistogram, initHistograms, liveHistograms } from "./histogram.ts";
 * await initHistograms();
 * const before = liveHistograms();
 * const h = createHistogram();
 * console.log(liveHistograms() - before); // 1
 * h.destroy();
 * console.log(liveHistograms() - before); // 0
 * ```
 */
export function liveHistograms(): number {
  return live;
}

/** Counts `histogram` as live until its (now idempotent) `destroy()`. */
function tracked(histogram: Histogram): Histogram {
  live++;
  const destroy = histogram.destroy.bind(histogram);
  let destroyed = false;
  histogram.destroy = () => {
    if (destroyed) return;
    destroyed = true;
    live--;
    destroy();
  };
  return histogram;
}

/**
 * A histogram recording nanoseconds from 1 ns up to one hour with 3
 * significant digits (0.1% relative error). It starts with the smallest
 * range (about 2.4 KB) and grows its range by doubling as larger values
 * arrive, so its memory follows what was recorded: about 12 KB up to 1 ms,
 * 34 KB for the full hour. Growing allocates, at most once per doubling in
 * the histogram's life (`reset()` keeps the range). Call `destroy()` when
 * done: WASM memory is not garbage collected.
 */
export function createHistogram(): Histogram {
  return tracked(hdr.build({
    useWebAssembly: true,
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
  }));
}

/** Records one latency given in milliseconds (as from `performance.now()`). */
export function recordMs(histogram: Histogram, ms: number): void {
  const ns = Math.round(ms * 1e6);
  histogram.recordValue(ns < 1 ? 1 : ns > HIGHEST_NS ? HIGHEST_NS : ns);
}

/** Encodes a histogram losslessly (HDR compressed base64) for transfer. */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/**
 * Decodes what {@link encodeHistogram} produced, into a new WASM histogram
 * with the range of the one encoded (it does not grow: add it to one from
 * {@link createHistogram}, which does).
 */
export function decodeHistogram(encoded: string): Histogram {
  return tracked(hdr.decodeFromCompressedBase64(encoded, 32, true));
}

/** Summarizes a histogram; all figures in milliseconds. */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) {
    return {
      count: 0,
      min: 0,
      mean: 0,
      stdev: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      p99_9: 0,
      max: 0,
    };
  }
  const ms = (ns: number) => ns / 1e6;
  return {
    count,
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    stdev: ms(histogram.stdDeviation),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p99_9: ms(histogram.getValueAtPercentile(99.9)),
    // The bucket's highest equivalent value, not the raw maximum, so a
    // histogram that crossed a thread (encoded) reports the same max.
    max: ms(histogram.getValueAtPercentile(100)),
  };
}
