/**
 * The transitions the `fsm` target loads besides its machine's, mirroring
 * seed 000's test transitions. Private to the folder.
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

/** The entity type of the seed's transitions. */
export const SEED_ENTITY = "test_entity";

/** Params of the seed's `PerformanceTestTransition`. */
export const performanceParams = z.object({
  operation_id: z.int(),
  data_size: z.int().default(1),
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
  thread_id: z.int().min(0),
  shared_counter: z.int().default(0),
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
    ...concurrencySpec((ctx, params) => reportAfter(yields, params, () => ctx)),
    guard: () => true,
    validate: () => {},
  });
}

/**
 * `concurrency_test` around `apply`, without guard or validate: from any
 * state to `processed_by_thread_<id>`.
 */
export function concurrencySpec(
  apply: (
    ctx: TransitionContext,
    params: ConcurrencyParams,
  ) => Promise<ConcurrencyData>,
): TransitionSpec<ConcurrencyParams, ConcurrencyData> {
  return {
    entity: SEED_ENTITY,
    name: "concurrency_test",
    from: "*",
    target: concurrencyTarget,
    params: concurrencyParams,
    apply,
  };
}

/**
 * What `concurrency_test` returns: after `yields` microtasks, its params and
 * the metadata of the context `read` gives then.
 */
export async function reportAfter(
  yields: number,
  params: ConcurrencyParams,
  read: () => TransitionContext,
): Promise<ConcurrencyData> {
  for (let i = 0; i < yields; i++) await undefined;
  return {
    thread_id: params.thread_id,
    shared_counter: params.shared_counter,
    metadata: read().metadata,
  };
}

/** `processed_by_thread_<id>`, as in the seed. */
export function concurrencyTarget(
  _ctx: TransitionContext,
  params: ConcurrencyParams,
): string {
  return `processed_by_thread_${params.thread_id}`;
}
