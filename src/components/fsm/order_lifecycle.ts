/**
 * The one order machine: the `fsm` target walks and races on it, and the
 * `workflow` target commits it, when a scenario declares no machine of its
 * own.
 * @module
 */
import type { MachineSpec } from "./yaml_machine.ts";

/**
 * An order's life, with loops back to `created` so entities keep moving
 * under long runs.
 *
 * @example
 * ```ts
 * import { defineMachine } from "./yaml_machine.ts";
 * import { ORDER_LIFECYCLE } from "./order_lifecycle.ts";
 * console.log(defineMachine(ORDER_LIFECYCLE).available("paid").map((t) => t.name)); // ["pack", "cancel"]
 * ```
 */
export const ORDER_LIFECYCLE: MachineSpec = {
  entity: "order",
  initial: "created",
  states: [
    "created",
    "paid",
    "packed",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
  ],
  transitions: {
    pay: {
      from: "created",
      to: "paid",
      params: { amount: { type: "int", min: 1, max: 100_000 } },
    },
    pack: {
      from: "paid",
      to: "packed",
      params: { boxes: { type: "int", min: 1, max: 5 } },
    },
    ship: {
      from: "packed",
      to: "shipped",
      params: { carrier: { type: "string", enum: ["ups", "dhl", "post"] } },
    },
    deliver: {
      from: "shipped",
      to: "delivered",
      params: { signed: { type: "boolean" } },
    },
    cancel: {
      from: ["created", "paid", "packed"],
      to: "cancelled",
      params: {
        reason: { type: "string", enum: ["customer", "fraud", "stock"] },
      },
    },
    return: {
      from: "delivered",
      to: "returned",
      params: { reason: { type: "string", max_length: 80 } },
    },
    reopen: { from: ["cancelled", "returned"], to: "created" },
  },
};
