/**
 * The FSM transition registry: declarative transitions (`from` states, a
 * target state, zod-typed params, guard, validate, apply), a registry keyed
 * by `(entity, name)` that executes them, a per-execution
 * {@link TransitionContext}, and machines declared as data.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineTransition, TransitionRegistry } from "./mod.ts";
 *
 * const registry = new TransitionRegistry();
 * registry.register(defineTransition({
 *   entity: "order",
 *   name: "ship",
 *   from: ["paid"],
 *   to: "shipped",
 *   params: z.object({ carrier: z.enum(["ups", "dhl"]) }),
 *   apply: (_ctx, params) => ({ carrier: params.carrier }),
 * }));
 * const order = { id: "o-1", type: "order", state: "paid" };
 * const { from, to } = await registry.execute(order, "ship", { params: { carrier: "ups" } });
 * console.log(from, to); // "paid" "shipped"
 * ```
 * @module
 */
export {
  type ContextOptions,
  createContext,
  type Entity,
  type Metadata,
  NO_METADATA,
  type TransitionContext,
  type UserRef,
} from "./context.ts";
export {
  type FieldIssue,
  IllegalTransitionError,
  type IllegalTransitionErrorOptions,
  TransitionValidationError,
  type TransitionValidationErrorOptions,
  UnknownTransitionError,
  type UnknownTransitionErrorOptions,
} from "./errors.ts";
export {
  type ExecuteOptions,
  type ExecuteResult,
  type RegisterOptions,
  type RegistryOptions,
  TransitionRegistry,
  type ValidateResult,
} from "./registry.ts";
export {
  defineTransition,
  type FromStates,
  type Transition,
  type TransitionSpec,
} from "./transition.ts";
export {
  defineMachine,
  type Machine,
  type MachineOptions,
  type MachineParams,
  machineSchema,
  type MachineSpec,
  type ParamSpec,
  paramSpecSchema,
  type SampleOptions,
} from "./yaml_machine.ts";
export { ORDER_LIFECYCLE } from "./order_lifecycle.ts";
export {
  type FsmCounter,
  type FsmDefect,
  type FsmInvariant,
  type FsmOptions,
  fsmTarget,
} from "./ops.ts";
