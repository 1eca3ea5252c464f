/**
 * The transitions the `fsm` target loads, mirroring seed 000's test
 * transitions, and the machine it walks when a scenario declares none.
 * Private to the folder.
 * @module
 */
import { z } from "zod";
import type { TransitionContext } from "./context.ts";
import { TransitionValidationError } from "./errors.ts";
import {
  defineTransition,
  type Transition,
  type TransitionSpec,
} from "./transition.ts";
import type { MachineSpec } from "./yaml_machine.ts";

/** The entity type of the seed's transitions. */
export const SEED_ENTITY = "test_entity";

/** Params of the seed's `PerformanceTestTransition`. */
export const performanceParams = z.object({
  operation_id: z.number().int(),
  data_size: z.number().int().default(1),
});

/** Parsed params of `performance_test`. */
export type PerformanceParams = z.output<typeof performanceParams>;

/** What `performance_test` returns. */
export interface PerformanceData {
  operation_id: number;
  data_size: number;
  processed_at: number;
  processing_time_ms: number;
}

/** The seed's `PerformanceTestTransition`: synchronous guard, validate, apply. */
export function performanceTransition(
  entity: string,
  name: string,
): Transition<PerformanceParams, PerformanceData> {
  return defineTransition({
    entity,
    name,
    from: "*",
    to: "processed",
    params: performanceParams,
    guard: () => true,
    validate: validateDataSize,
    apply: applyPerformance,
  });
}

function validateDataSize(_ctx: TransitionContext, params: PerformanceParams) {
  if (params.data_size < 0) {
    throw new TransitionValidationError(
      `Cannot validate "${SEED_ENTITY}.performance_test": data_size ${params.data_size} is negative`,
    );
  }
}

function applyPerformance(
  ctx: TransitionContext,
  params: PerformanceParams,
): PerformanceData {
  return {
    operation_id: params.operation_id,
    data_size: params.data_size,
    processed_at: ctx.timestamp,
    processing_time_ms: 1,
  };
}

/** Params of the seed's `ConcurrencyTestTransition`. */
export const concurrencyParams = z.object({
  thread_id: z.number().int().min(0),
  shared_counter: z.number().int().default(0),
});

/** Parsed params of `concurrency_test`. */
export type ConcurrencyParams = z.output<typeof concurrencyParams>;

/** What `concurrency_test` returns: what the execution saw after awaiting. */
export interface ConcurrencyData {
  thread_id: number;
  shared_counter: number;
  metadata: Readonly<Record<string, unknown>>;
}

/**
 * The seed's `ConcurrencyTestTransition`: its apply awaits `yields`
 * microtasks, then reports the metadata of the context it was given.
 */
export function concurrencyTransition(
  yields: number,
): Transition<ConcurrencyParams, ConcurrencyData> {
  return defineTransition({
    entity: SEED_ENTITY,
    name: "concurrency_test",
    from: "*",
    target: concurrencyTarget,
    params: concurrencyParams,
    guard: () => true,
    validate: () => {},
    apply: async (ctx, params) => {
      for (let i = 0; i < yields; i++) await undefined;
      return {
        thread_id: params.thread_id,
        shared_counter: params.shared_counter,
        metadata: ctx.metadata,
      };
    },
  });
}

/** `processed_by_thread_<id>`, as in the seed. */
export function concurrencyTarget(
  _ctx: TransitionContext,
  params: ConcurrencyParams,
): string {
  return `processed_by_thread_${params.thread_id}`;
}

/**
 * The same transition with `gate` run first as its guard (before any guard
 * of its own), so the `race` op can hold contenders after the registry's
 * up-front state check and before the commit.
 */
export function gatedTransition<P, D>(
  transition: Transition<P, D>,
  gate: (ctx: TransitionContext) => boolean | Promise<boolean>,
): Transition<P, D> {
  const own = transition.guard;
  const spec: TransitionSpec<P, D> = {
    entity: transition.entity,
    name: transition.name,
    from: transition.from,
    params: transition.params,
    guard: own === undefined
      ? gate
      : async (ctx, params) =>
        (await gate(ctx)) && (await own.call(transition, ctx, params)),
    apply: (ctx, params) => transition.apply(ctx, params),
  };
  if (transition.to !== undefined) spec.to = transition.to;
  else spec.target = (ctx, params) => transition.targetOf(ctx, params);
  if (transition.validate !== undefined) {
    spec.validate = (ctx, params) => transition.validate!(ctx, params);
  }
  return defineTransition(spec);
}

/** The machine `advance` and `race` walk when a scenario declares none. */
export const ORDER_MACHINE: MachineSpec = {
  entity: "order",
  initial: "created",
  states: ["created", "paid", "shipped", "delivered", "cancelled"],
  transitions: {
    pay: {
      from: "created",
      to: "paid",
      params: { amount: { type: "int", min: 1, max: 100_000 } },
    },
    cancel: {
      from: ["created", "paid"],
      to: "cancelled",
      params: {
        reason: { type: "string", enum: ["customer", "fraud", "stock"] },
      },
    },
    ship: {
      from: "paid",
      to: "shipped",
      params: { carrier: { type: "string", enum: ["ups", "dhl", "post"] } },
    },
    deliver: {
      from: "shipped",
      to: "delivered",
      params: { signed: { type: "boolean" } },
    },
  },
};
