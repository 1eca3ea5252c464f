/**
 * An aggregate (an entity with its transition history) as a JSON document,
 * checked on the way back in.
 * @module
 */
import { z } from "zod";
import { ValidationError } from "../../errors.ts";
import type { StoredEntity, TransitionRecord } from "./repositories.ts";

/** An entity and its transition log, oldest first. */
export interface Aggregate<T = unknown> {
  /** The entity as stored. */
  entity: StoredEntity<T>;
  /** Its transition log. */
  history: TransitionRecord[];
}

/** The `format` tag of a serialized aggregate. */
export const AGGREGATE_FORMAT = "tensile/aggregate@1";

const entitySchema = z.strictObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  state: z.string().min(1),
  version: z.int().min(1),
  data: z.unknown(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const transitionSchema = z.strictObject({
  id: z.int(),
  entityId: z.string().min(1),
  name: z.string().min(1),
  from: z.string().nullable(),
  to: z.string().min(1),
  version: z.int().min(1),
  actor: z.string().nullable(),
  params: z.unknown(),
  at: z.number(),
});

const documentSchema = z.strictObject({
  format: z.literal(AGGREGATE_FORMAT),
  entity: entitySchema,
  history: z.array(transitionSchema),
});

/**
 * Serializes an aggregate as a tagged JSON document.
 *
 * @example
 * ```ts
 * import { serializeAggregate } from "./aggregate.ts";
 * const json = serializeAggregate({
 *   entity: { id: "o-1", kind: "order", state: "new", version: 1, data: {}, createdAt: 0, updatedAt: 0 },
 *   history: [],
 * });
 * ```
 */
export function serializeAggregate<T>(aggregate: Aggregate<T>): string {
  return JSON.stringify({
    format: AGGREGATE_FORMAT,
    entity: aggregate.entity,
    history: aggregate.history,
  });
}

/**
 * Parses a document made by {@link serializeAggregate}; malformed JSON or a
 * wrong shape is a ValidationError naming the first bad field.
 *
 * @example
 * ```ts
 * import { parseAggregate, serializeAggregate } from "./aggregate.ts";
 * const entity = { id: "o-1", kind: "order", state: "new", version: 1, data: {}, createdAt: 0, updatedAt: 0 };
 * console.log(parseAggregate(serializeAggregate({ entity, history: [] })).entity.id); // "o-1"
 * ```
 */
export function parseAggregate<T = unknown>(json: string): Aggregate<T> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ValidationError(
      `Cannot parse aggregate: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = documentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `Cannot parse aggregate: ${issue.message} at "${issue.path.join(".")}"`,
    );
  }
  const { entity, history } = parsed.data;
  return {
    entity: entity as StoredEntity<T>,
    history: history as TransitionRecord[],
  };
}
