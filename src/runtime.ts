/**
 * The few runtime facilities both the engine and components need, found in
 * one place. Part of the shared kernel: components may import it.
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * The full garbage collection `--expose-gc` provides, or `undefined` without
 * the flag (then memory figures are taken without a forced GC).
 */
export function findGc(): (() => void) | undefined {
  return (globalThis as { gc?: () => void }).gc;
}

/**
 * Gives the event loop one full turn, timers included, after every queued
 * microtask. `setImmediate` runs after the timer phase in about 4–10 µs;
 * `setTimeout(0)` costs a millisecond or more (a tenth of the engine's time
 * at one yield per 20 ms); and in Deno 2.9 a MessageChannel round trip was
 * seen to starve timers and `for await` consumers (a writer resumed before a
 * consumer took more than a few deliveries: 3,364 of 32,000 taken).
 */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
