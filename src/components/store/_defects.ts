/**
 * The `store` target's deliberate defects, so a test (or a scenario) can
 * watch each invariant fail. Private to the folder; never used unless asked
 * for.
 * @module
 */
import type { Snapshot, StateStoreDefect } from "./state_store.ts";

/**
 * A deliberate defect. The store's own ({@link StateStoreDefect}:
 * `leak-in-store`, `block-drops`, `reuse-version`, `lossy-cas`,
 * `stuck-waiter`) are planted inside the `StateStore`; the rest break the
 * harness around it: consumers that silently lose or repeat deliveries, a
 * target that keeps every subscription alive, a decoder that forgets the
 * `reason` field.
 */
export type StoreDefect =
  | StateStoreDefect
  | "lossy-delivery"
  | "duplicate-delivery"
  | "leak-subscribers"
  | "lossy-codec";

/** Every {@link StoreDefect}. */
export const STORE_DEFECTS: readonly StoreDefect[] = [
  "none",
  "lossy-delivery",
  "duplicate-delivery",
  "leak-subscribers",
  "leak-in-store",
  "block-drops",
  "reuse-version",
  "lossy-cas",
  "stuck-waiter",
  "lossy-codec",
];

/** `lossy-delivery` and `duplicate-delivery` act on every this many. */
export const DEFECT_EVERY = 50;

/** Whether `defect` is planted inside the store (`"none"` counts). */
export function isStateStoreDefect(
  defect: StoreDefect,
): defect is StateStoreDefect {
  switch (defect) {
    case "none":
    case "leak-in-store":
    case "block-drops":
    case "reuse-version":
    case "lossy-cas":
    case "stuck-waiter":
      return true;
    case "lossy-delivery":
    case "duplicate-delivery":
    case "leak-subscribers":
    case "lossy-codec":
      return false;
    default: {
      const never: never = defect;
      throw new TypeError(`Unknown defect "${never}"`);
    }
  }
}

/**
 * The `lossy-codec` defect: a decoder that forgets a field (the seed's DTO
 * converters' classic bug), so `reason` always reads back empty.
 */
export function forgetReason(snapshot: Snapshot): Snapshot {
  return Object.freeze({ ...snapshot, reason: "" });
}
