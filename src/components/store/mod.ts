/**
 * The state store: versioned, frozen FSM snapshots with compare-and-set,
 * bounded history, pub/sub with backpressure and per-subscriber metrics,
 * and JSON/binary codecs with an exact round trip.
 *
 * This is the folder's only public door, including the engine's adapter
 * (`storeTarget`, from `ops.ts`).
 *
 * @example
 * ```ts
 * import { StateStore } from "./mod.ts";
 *
 * using store = new StateStore({ initial: { state: "IDLE" } });
 * await using sub = store.subscribe({ capacity: 64, policy: "drop-oldest" });
 * await store.set({ state: "ACTIVE", reason: "start", context: { job: 7 } });
 * const { value } = await sub.next();
 * console.log(value?.version, value?.missed); // 1 0
 * ```
 * @module
 */
export {
  BACKPRESSURE_POLICIES,
  type BackpressurePolicy,
  type Context,
  type Delivery,
  type JsonValue,
  type Snapshot,
  type SnapshotInput,
  StateStore,
  type StateStoreOptions,
  type StoreMetrics,
  type SubscribeOptions,
  type SubscriberMetrics,
  type Subscription,
  SubscriptionOverflowError,
  type SubscriptionStatus,
  type TransitionOptions,
  type WriteOptions,
} from "./state_store.ts";
export { decodeBinary, decodeJson, encodeBinary, encodeJson } from "./codec.ts";
export { storeTarget } from "./ops.ts";
// The errors its methods throw, so callers need only this door.
export { ConflictError, TimeoutError, ValidationError } from "../../errors.ts";
