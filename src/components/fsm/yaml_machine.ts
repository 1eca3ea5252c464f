/**
 * State machines declared as data (in a scenario's YAML `options.machine`),
 * compiled into ordinary transitions, so users can stress their own FSM
 * without writing code.
 * @module
 */
import { z } from "zod";
import type { Rng } from "../../target.ts";
import type { TransitionContext } from "./context.ts";
import { defineTransition, type Transition } from "./transition.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const optional = z.boolean().default(false);

const intParam = z.strictObject({
  type: z.literal("int"),
  min: z.int().optional(),
  max: z.int().optional(),
  optional,
});

const numberParam = z.strictObject({
  type: z.literal("number"),
  min: z.number().optional(),
  max: z.number().optional(),
  optional,
});

const stringParam = z.strictObject({
  type: z.literal("string"),
  min_length: z.int().min(0).optional(),
  max_length: z.int().min(0).optional(),
  enum: z.array(z.string()).min(1).optional(),
  optional,
});

const booleanParam = z.strictObject({ type: z.literal("boolean"), optional });

/** Schema of one declared param: a type with optional bounds. */
export const paramSpecSchema = z.discriminatedUnion("type", [
  intParam,
  numberParam,
  stringParam,
  booleanParam,
]);

/** One declared param, as parsed. */
export type ParamSpec = z.output<typeof paramSpecSchema>;

const transitionSpecSchema = z.strictObject({
  from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  to: z.string().min(1),
  params: z.record(z.string().regex(NAME), paramSpecSchema).default({}),
});

/**
 * Schema of a declared machine: its entity type, states, initial state and
 * transitions (from, to, typed params with bounds).
 */
export const machineSchema = z.strictObject({
  entity: z.string().regex(NAME),
  initial: z.string().min(1),
  states: z.array(z.string().min(1)).min(1),
  transitions: z.record(z.string().regex(NAME), transitionSpecSchema),
}).superRefine((machine, ctx) => {
  const states = new Set(machine.states);
  if (states.size !== machine.states.length) {
    ctx.addIssue({
      code: "custom",
      path: ["states"],
      message: "states must be unique",
    });
  }
  if (!states.has(machine.initial)) {
    ctx.addIssue({
      code: "custom",
      path: ["initial"],
      message: `"${machine.initial}" is not a declared state`,
    });
  }
  const names = Object.keys(machine.transitions);
  if (names.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["transitions"],
      message: "declare at least one transition",
    });
  }
  for (const name of names) {
    const spec = machine.transitions[name];
    const from = typeof spec.from === "string" ? [spec.from] : spec.from;
    for (const state of from) {
      if (state !== "*" && !states.has(state)) {
        ctx.addIssue({
          code: "custom",
          path: ["transitions", name, "from"],
          message: `"${state}" is not a declared state`,
        });
      }
    }
    if (!states.has(spec.to)) {
      ctx.addIssue({
        code: "custom",
        path: ["transitions", name, "to"],
        message: `"${spec.to}" is not a declared state`,
      });
    }
    for (const [field, param] of Object.entries(spec.params)) {
      const [low, high] = param.type === "string"
        ? [param.min_length, param.max_length]
        : param.type === "boolean"
        ? [undefined, undefined]
        : [param.min, param.max];
      if (low !== undefined && high !== undefined && low > high) {
        ctx.addIssue({
          code: "custom",
          path: ["transitions", name, "params", field],
          message: `lower bound ${low} is above upper bound ${high}`,
        });
      }
    }
  }
});

/** A machine as written in YAML (defaults not yet applied). */
export type MachineSpec = z.input<typeof machineSchema>;

/** Params of a declared transition, after parsing. */
export type MachineParams = Record<string, unknown>;

/** Options of {@link defineMachine}. */
export interface MachineOptions {
  /**
   * Microtask yields inside each `apply`, so concurrent executions on one
   * entity interleave between the guard and the commit. Defaults to 0.
   */
  yields?: number;
}

/** Options of {@link Machine.sampleParams}. */
export interface SampleOptions {
  /** `false` makes one field the wrong type (or adds an unknown field). */
  valid?: boolean;
}

/** A compiled machine: its transitions plus what is declared about it. */
export interface Machine {
  /** The entity type. */
  readonly entity: string;
  /** The state a new entity starts in. */
  readonly initial: string;
  /** Declared states. */
  readonly states: readonly string[];
  /** Compiled transitions, ready to register; `apply` returns the params. */
  readonly transitions: readonly Transition<MachineParams, MachineParams>[];
  /** The transition with this name; throws `RangeError` if none. */
  transition(name: string): Transition<MachineParams, MachineParams>;
  /** Transitions that may start from `state` (empty for a final state). */
  available(state: string): readonly Transition<MachineParams, MachineParams>[];
  /** Whether `state` is declared. */
  isState(state: string): boolean;
  /** Whether some declared transition moves `from` → `to`. */
  isEdge(from: string, to: string): boolean;
  /** Random params for a transition, within (or, on request, outside) its spec. */
  sampleParams(name: string, rng: Rng, options?: SampleOptions): MachineParams;
}

type Sampler = (rng: Rng, valid: boolean) => MachineParams;

/**
 * Compiles a declared machine. Throws `TypeError` naming the path of the
 * first problem when the declaration is invalid.
 *
 * @example
 * ```ts
 * import { defineMachine, TransitionRegistry } from "./mod.ts";
 *
 * const machine = defineMachine({
 *   entity: "ticket",
 *   initial: "open",
 *   states: ["open", "closed"],
 *   transitions: {
 *     close: { from: "open", to: "closed", params: { note: { type: "string", max_length: 80 } } },
 *   },
 * });
 * const registry = new TransitionRegistry();
 * for (const transition of machine.transitions) registry.register(transition);
 * const ticket = { id: 7, type: "ticket", state: "open" };
 * await registry.execute(ticket, "close", { params: { note: "done" } });
 * console.log(ticket.state); // "closed"
 * ```
 */
export function defineMachine(
  spec: MachineSpec,
  options: MachineOptions = {},
): Machine {
  const parsed = machineSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join(".");
    const entity = (spec as { entity?: unknown } | null)?.entity;
    throw new TypeError(
      `Cannot define machine ${
        typeof entity === "string" ? `"${entity}"` : "(no entity)"
      }: ${path === "" ? "" : `${path}: `}${issue.message}`,
    );
  }
  return new CompiledMachine(parsed.data, options.yields ?? 0);
}

class CompiledMachine implements Machine {
  readonly entity: string;
  readonly initial: string;
  readonly states: readonly string[];
  readonly transitions: readonly Transition<MachineParams, MachineParams>[];
  #byName = new Map<string, Transition<MachineParams, MachineParams>>();
  #byState = new Map<string, Transition<MachineParams, MachineParams>[]>();
  #edges = new Map<string, Set<string>>();
  #anyTo = new Set<string>();
  #samplers = new Map<string, Sampler>();

  constructor(spec: z.output<typeof machineSchema>, yields: number) {
    this.entity = spec.entity;
    this.initial = spec.initial;
    this.states = Object.freeze([...spec.states]);
    for (const state of spec.states) {
      this.#byState.set(state, []);
      this.#edges.set(state, new Set());
    }
    const apply = yields > 0
      ? async (_ctx: TransitionContext, params: MachineParams) => {
        for (let i = 0; i < yields; i++) await undefined;
        return params;
      }
      : (_ctx: TransitionContext, params: MachineParams) => params;
    const transitions: Transition<MachineParams, MachineParams>[] = [];
    for (const [name, declared] of Object.entries(spec.transitions)) {
      const from = typeof declared.from === "string"
        ? [declared.from]
        : declared.from;
      const transition = defineTransition<MachineParams, MachineParams>({
        entity: spec.entity,
        name,
        from,
        to: declared.to,
        params: paramsSchema(declared.params),
        apply,
      });
      transitions.push(transition);
      this.#byName.set(name, transition);
      this.#samplers.set(name, sampler(declared.params));
      for (const state of spec.states) {
        if (transition.allows(state)) {
          this.#byState.get(state)!.push(transition);
        }
      }
      if (from.includes("*")) this.#anyTo.add(declared.to);
      else for (const state of from) this.#edges.get(state)!.add(declared.to);
    }
    this.transitions = Object.freeze(transitions);
  }

  transition(name: string): Transition<MachineParams, MachineParams> {
    const transition = this.#byName.get(name);
    if (transition === undefined) {
      throw new RangeError(
        `Cannot find transition "${this.entity}.${name}": the machine declares ${
          [...this.#byName.keys()].map((n) => `"${n}"`).join(", ")
        }`,
      );
    }
    return transition;
  }

  available(
    state: string,
  ): readonly Transition<MachineParams, MachineParams>[] {
    return this.#byState.get(state) ?? [];
  }

  isState(state: string): boolean {
    return this.#byState.has(state);
  }

  isEdge(from: string, to: string): boolean {
    return this.#anyTo.has(to) || (this.#edges.get(from)?.has(to) ?? false);
  }

  sampleParams(
    name: string,
    rng: Rng,
    options?: SampleOptions,
  ): MachineParams {
    const sample = this.#samplers.get(name);
    if (sample === undefined) this.transition(name);
    return sample!(rng, options?.valid ?? true);
  }
}

function paramsSchema(
  params: Record<string, ParamSpec>,
): z.ZodType<MachineParams> {
  const shape: Record<string, z.ZodType> = {};
  for (const [field, spec] of Object.entries(params)) {
    let schema: z.ZodType;
    switch (spec.type) {
      case "int":
      case "number": {
        let n = spec.type === "int" ? z.int() : z.number();
        if (spec.min !== undefined) n = n.min(spec.min);
        if (spec.max !== undefined) n = n.max(spec.max);
        schema = n;
        break;
      }
      case "string": {
        if (spec.enum !== undefined) {
          schema = z.enum(spec.enum as [string, ...string[]]);
          break;
        }
        let s = z.string();
        if (spec.min_length !== undefined) s = s.min(spec.min_length);
        if (spec.max_length !== undefined) s = s.max(spec.max_length);
        schema = s;
        break;
      }
      case "boolean":
        schema = z.boolean();
        break;
      default: {
        const unreachable: never = spec;
        throw new TypeError(
          `Unknown param type ${JSON.stringify(unreachable)}`,
        );
      }
    }
    shape[field] = spec.optional ? schema.optional() : schema;
  }
  return z.strictObject(shape) as unknown as z.ZodType<MachineParams>;
}

type FieldSampler = (rng: Rng) => unknown;

function sampler(params: Record<string, ParamSpec>): Sampler {
  const fields = Object.entries(params).map(
    ([name, spec]) =>
      [name, spec.optional, valueSampler(spec), wrongValue(spec)] as const,
  );
  return (rng, valid) => {
    const out: MachineParams = {};
    const broken = valid || fields.length === 0
      ? -1
      : rng.int(0, fields.length - 1);
    for (let i = 0; i < fields.length; i++) {
      const [name, isOptional, draw, wrong] = fields[i];
      if (i === broken) out[name] = wrong;
      else if (!isOptional || rng.next() < 0.5) out[name] = draw(rng);
    }
    if (!valid && fields.length === 0) out.unexpected = true;
    return out;
  };
}

function valueSampler(spec: ParamSpec): FieldSampler {
  switch (spec.type) {
    case "int": {
      const low = spec.min ?? (spec.max !== undefined ? spec.max - 1000 : 0);
      const high = spec.max ?? low + 1000;
      return (rng) => rng.int(low, high);
    }
    case "number": {
      const low = spec.min ?? (spec.max !== undefined ? spec.max - 1000 : 0);
      const high = spec.max ?? low + 1000;
      return (rng) => low + rng.next() * (high - low);
    }
    case "string": {
      const choices = spec.enum;
      if (choices !== undefined) {
        return (rng) => choices[rng.int(0, choices.length - 1)];
      }
      const low = spec.min_length ?? 0;
      const high = Math.min(spec.max_length ?? low + 16, low + 16);
      const text = "abcdefghijklmnopqrstuvwxyz".repeat(
        Math.ceil(high / 26) + 1,
      );
      return (rng) => text.slice(0, rng.int(low, high));
    }
    case "boolean":
      return (rng) => rng.next() < 0.5;
    default: {
      const unreachable: never = spec;
      throw new TypeError(`Unknown param type ${JSON.stringify(unreachable)}`);
    }
  }
}

function wrongValue(spec: ParamSpec): unknown {
  switch (spec.type) {
    case "int":
    case "number":
    case "boolean":
      return "invalid";
    case "string":
      return 42;
    default: {
      const unreachable: never = spec;
      throw new TypeError(`Unknown param type ${JSON.stringify(unreachable)}`);
    }
  }
}
