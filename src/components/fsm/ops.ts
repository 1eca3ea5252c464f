/**
 * The `fsm` target: how the engine loads the transition registry. Each
 * Worker opens its own instance (its own registry); the engine's tasks in one
 * worker interleave at the `await` points inside the ops.
 * @module
 */
import { z } from "zod";
import { type Check, checkEach, type CheckResult } from "../../invariants.ts";
import type {
  InvariantResult,
  Op,
  Rng,
  Target,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import type { Entity, UserRef } from "./context.ts";
import { TransitionValidationError } from "./errors.ts";
import { ORDER_LIFECYCLE } from "./order_lifecycle.ts";
import {
  type ExecuteOptions,
  TransitionRegistry,
  type ValidateResult,
} from "./registry.ts";
import type { Transition } from "./transition.ts";
import { defineMachine, type Machine, machineSchema } from "./yaml_machine.ts";
import {
  type ExecuteFn,
  FSM_DEFECTS,
  type FsmDefect,
  ignoreFrom,
  LossyRegistry,
  racyExecute,
  type RegistryPort,
  sharedContextTransition,
} from "./_defects.ts";
import { AuditedEntity, EdgeAudit } from "./_edge_audit.ts";
import { Races } from "./_race.ts";
import { Registrations } from "./_registrations.ts";
import {
  type ConcurrencyData,
  concurrencyTransition,
  performanceTransition,
  SEED_ENTITY,
} from "./_seed_transitions.ts";

export type { FsmDefect } from "./_defects.ts";

const optionsSchema = z.strictObject({
  /** Breaks one part on purpose, to watch an invariant fail. */
  defect: z.enum(FSM_DEFECTS).default("none"),
  /** The machine `advance` and `race` walk; defaults to the order lifecycle. */
  machine: machineSchema.prefault(ORDER_LIFECYCLE),
  /** Entities per worker that `advance` walks. */
  entities: z.int().min(1).max(1_000_000).default(64),
  /** Size of the metadata string `retain` attaches to each context. */
  metadata_bytes: z.int().min(0).max(1 << 20).default(1000),
  /**
   * How many `retain` results stay alive (a ring). Make it exceed warmup +
   * iterations, or the ring overwrites results and memory growth reads low
   * (counter `retain_evictions` says when it did).
   */
  retain: z.int().min(0).max(1_000_000).default(20_000),
  /** Microtask yields inside async applies, so executions interleave. */
  yields: z.int().min(0).max(1000).default(1),
  /**
   * Contenders per race; defaults to the worker's concurrency (at least 2).
   * Each contender is one task, so at most `load.concurrency`.
   */
  race_contenders: z.int().min(2).max(10_000).optional(),
}).superRefine((options, ctx) => {
  const machine = options.machine;
  const leaves = Object.values(machine.transitions).some((t) =>
    t.from === "*" || t.from === machine.initial ||
    (Array.isArray(t.from) && t.from.includes(machine.initial))
  );
  if (!leaves) {
    ctx.addIssue({
      code: "custom",
      path: ["machine", "initial"],
      message:
        `no transition starts from the initial state "${machine.initial}", so entities cannot advance`,
    });
  }
}).prefault({});

/** The `fsm` target's options, after defaults. */
export type FsmOptions = z.output<typeof optionsSchema>;

const noParams = z.strictObject({}).prefault({});
const executeParams = z.strictObject({
  transition: z.enum(["performance_test", "concurrency_test"]).default(
    "performance_test",
  ),
}).prefault({});
const lookupParams = z.strictObject({
  key: z.enum(["hot", "registered"]).default("hot"),
}).prefault({});
const advanceParams = z.strictObject({
  illegal_rate: z.number().min(0).max(1).default(0),
  invalid_rate: z.number().min(0).max(1).default(0),
}).prefault({});

type ExecuteParams = z.output<typeof executeParams>;
type LookupParams = z.output<typeof lookupParams>;
type AdvanceParams = z.output<typeof advanceParams>;

/** Invariant names the `fsm` target checks. */
export type FsmInvariant =
  | "context_isolated"
  | "registry_consistent"
  | "declared_edges_only"
  | "one_winner_per_race";

const INVARIANTS: Record<FsmInvariant, string> = {
  context_isolated:
    "every execution that awaited inside its hooks saw only its own context metadata (and at least one was checked)",
  registry_consistent:
    "every key registered during the run resolves, and the registry size equals the registrations",
  declared_edges_only: "entities moved only along edges the machine declares",
  one_winner_per_race:
    "each race on one entity from one state had exactly one winner, the others got a conflict, and at least one race overlapped",
};

/** Counter names the `fsm` target reports. */
export type FsmCounter =
  | "races"
  | "overlapped_races"
  | "late_contenders"
  | "create_tasks"
  | "retain_evictions";

const COUNTERS: Record<FsmCounter, string> = {
  races: "races that finished (every contender settled)",
  overlapped_races:
    "races in which every contender passed the up-front state check before any of them committed",
  late_contenders:
    "race contenders refused at the up-front state check because a winner had already committed (0 when races overlap)",
  create_tasks: "distinct engine tasks that ran `create`",
  retain_evictions:
    "`retain` results dropped from a full ring (memory growth reads low when > 0)",
};

/**
 * The `fsm` target: the transition registry under the seed's performance and
 * concurrency tests, plus a declared machine walked and raced on.
 *
 * @example
 * ```ts
 * import { fsmTarget } from "./ops.ts";
 * import { SeededRng } from "../../engine/rng.ts";
 *
 * const instance = await fsmTarget.open(fsmTarget.options!.parse({}), {
 *   index: 0, count: 1, concurrency: 1, seed: 1, runDir: ".", shared: null,
 * });
 * await instance.ops.execute({ transition: "performance_test" }, new SeededRng(1));
 * await instance.close();
 * ```
 */
export const fsmTarget: Target = {
  name: "fsm",
  description:
    "FSM transition registry: create, validate, execute, lookup, register, walk and race transitions",
  options: optionsSchema,
  ops: {
    create: {
      description:
        "creates a transition instance: parses valid params against its schema",
      params: noParams,
    },
    create_invalid: {
      description:
        "parses invalid params; ok when rejected with TransitionValidationError, a crash if accepted",
      params: noParams,
    },
    validate: {
      description: "checks state, params, guard and validate without applying",
      params: noParams,
    },
    execute: {
      description:
        "executes a transition: performance_test (sync hooks) or concurrency_test (async apply, checks its context)",
      params: executeParams,
    },
    lookup: {
      description:
        "looks a transition up by (entity, name): the hot key, or one registered during the run",
      params: lookupParams,
    },
    register: {
      description: "registers a new transition under a fresh key",
      params: noParams,
    },
    list: {
      description: "lists entity types and one entity's transitions",
      params: noParams,
    },
    advance: {
      description:
        "moves a random entity along a transition of the machine (conflict if another task moved it first)",
      params: advanceParams,
    },
    race: {
      description:
        "joins a race: race_contenders tasks fire transitions at one entity from its initial state, held until all passed the state check; one wins, the rest conflict",
      params: noParams,
    },
    retain: {
      description:
        "validates a transition with metadata_bytes of context metadata and keeps the result alive",
      params: noParams,
    },
  },
  invariants: INVARIANTS,
  counters: COUNTERS,
  open(options: unknown, worker: WorkerInfo): Promise<TargetInstance> {
    return Promise.resolve(
      new FsmInstance(optionsSchema.parse(options), worker),
    );
  },
};

const USER: UserRef = Object.freeze({ id: 123 });

class FsmInstance implements TargetInstance {
  readonly ops: Record<string, Op>;
  #options: FsmOptions;
  #registry: RegistryPort;
  #machine: Machine;
  #walk: ExecuteFn;
  #audit: EdgeAudit;
  #races: Races;
  #pool: AuditedEntity[] = [];
  #ids = 0;
  #seq = 0;
  /** Ops started; the race barrier's idle watch reads it. */
  #progress = 0;
  #registrations: Registrations;
  #perfEntity: Entity = { id: 0, type: SEED_ENTITY, state: "created" };
  #perfInput = { operation_id: 0, data_size: 0 };
  #perfOptions: ExecuteOptions = { params: this.#perfInput, user: USER };
  #invalidInput = Object.freeze({ operation_id: "invalid", data_size: -1 });
  // context_isolated
  #isolationChecks = 0;
  #leaks = 0;
  #firstLeak = "";
  // create
  #createTasks = new WeakSet<Rng>();
  #createTaskCount = 0;
  // retain
  #kept: ValidateResult[] = [];
  #keptAt = 0;
  #evictions = 0;
  #bulk: string;

  constructor(options: FsmOptions, worker: WorkerInfo) {
    this.#options = options;
    this.#machine = defineMachine(options.machine, { yields: options.yields });
    this.#audit = new EdgeAudit(this.#machine);
    this.#bulk = "x".repeat(options.metadata_bytes);

    const defect: FsmDefect = options.defect;
    const base = new TransitionRegistry();
    base.register(performanceTransition(SEED_ENTITY, "performance_test"));
    base.register(
      defect === "shared-context"
        ? sharedContextTransition(options.yields)
        : concurrencyTransition(options.yields),
    );
    for (const transition of this.#machine.transitions) {
      base.register(
        defect === "ignore-from" ? ignoreFrom(transition) : transition,
      );
    }
    const registry: RegistryPort = defect === "lossy-registry"
      ? new LossyRegistry(base)
      : base;
    this.#registry = registry;
    this.#registrations = new Registrations(registry);
    const walkOn = (on: RegistryPort): ExecuteFn =>
      defect === "racy-commit"
        ? racyExecute(on)
        : (entity, name, o) => on.execute(entity, name, o);
    this.#walk = walkOn(registry);
    // Races run on their own registry: the machine's transitions behind a
    // barrier guard.
    this.#races = new Races(this.#machine, {
      contenders: options.race_contenders ?? Math.max(2, worker.concurrency),
      user: USER,
      newEntity: () => this.#newEntity(),
      progress: () => this.#progress,
      walkOn,
    });

    for (let i = 0; i < options.entities; i++) {
      this.#pool.push(this.#newEntity());
    }

    this.ops = {
      create: (_params, rng) => {
        this.#progress++;
        return this.#create(rng);
      },
      create_invalid: () => {
        this.#progress++;
        return this.#createInvalid();
      },
      validate: (_params, rng) => {
        this.#progress++;
        return this.#validate(rng);
      },
      execute: (params, rng) => {
        this.#progress++;
        return this.#execute(params as ExecuteParams, rng);
      },
      lookup: (params, rng) => {
        this.#progress++;
        return this.#lookup(params as LookupParams, rng);
      },
      register: () => {
        this.#progress++;
        return this.#registrations.register();
      },
      list: () => {
        this.#progress++;
        return this.#list();
      },
      advance: (params, rng) => {
        this.#progress++;
        return this.#advance(params as AdvanceParams, rng);
      },
      race: (_params, rng) => {
        this.#progress++;
        return this.#races.join(rng);
      },
      retain: (_params, rng) => {
        this.#progress++;
        return this.#retain(rng);
      },
    };
  }

  #newEntity(): AuditedEntity {
    return new AuditedEntity(
      this.#machine.entity,
      ++this.#ids,
      this.#machine.initial,
      this.#audit,
    );
  }

  #fillPerfInput(rng: Rng): void {
    this.#perfInput.operation_id = rng.int(0, 1_000_000);
    this.#perfInput.data_size = rng.int(0, 10_000);
  }

  #create(rng: Rng): unknown {
    if (!this.#createTasks.has(rng)) {
      this.#createTasks.add(rng);
      this.#createTaskCount++;
    }
    this.#fillPerfInput(rng);
    return this.#registry.get(SEED_ENTITY, "performance_test").parse(
      this.#perfInput,
    );
  }

  #createInvalid(): void {
    try {
      this.#registry.get(SEED_ENTITY, "performance_test").parse(
        this.#invalidInput,
      );
    } catch (error) {
      if (
        error instanceof TransitionValidationError &&
        error.issues.some((issue) => issue.path === "operation_id")
      ) return;
      throw error;
    }
    throw new Error(
      `Invalid params were accepted by "${SEED_ENTITY}.performance_test"`,
    );
  }

  #validate(rng: Rng): Promise<unknown> {
    this.#fillPerfInput(rng);
    return this.#registry.validate(
      this.#perfEntity,
      "performance_test",
      this.#perfOptions,
    );
  }

  #execute(params: ExecuteParams, rng: Rng): Promise<unknown> {
    switch (params.transition) {
      case "performance_test":
        this.#fillPerfInput(rng);
        return this.#registry.execute(
          this.#perfEntity,
          "performance_test",
          this.#perfOptions,
        );
      case "concurrency_test":
        return this.#executeIsolated(rng);
      default: {
        const unreachable: never = params.transition;
        throw new TypeError(`Unknown transition ${unreachable}`);
      }
    }
  }

  async #executeIsolated(rng: Rng): Promise<void> {
    const tag = ++this.#seq;
    const metadata = { tag };
    const entity: Entity = { id: tag, type: SEED_ENTITY, state: "created" };
    const threadId = rng.int(0, 9);
    const result = await this.#registry.execute<ConcurrencyData>(
      entity,
      "concurrency_test",
      {
        params: { thread_id: threadId, shared_counter: tag },
        metadata,
        user: USER,
      },
    );
    this.#checkIsolation(tag, result.data.metadata.tag);
    if (
      result.data.thread_id !== threadId ||
      entity.state !== `processed_by_thread_${threadId}`
    ) {
      throw new Error(
        `Execution ${tag} of "${SEED_ENTITY}.concurrency_test" ended in "${entity.state}", not "processed_by_thread_${threadId}"`,
      );
    }
  }

  #checkIsolation(own: number, seen: unknown): void {
    this.#isolationChecks++;
    if (seen === own) return;
    if (this.#leaks === 0) {
      this.#firstLeak = `execution ${own} saw the metadata of ${String(seen)}`;
    }
    this.#leaks++;
    throw new Error(
      `Context leaked: execution ${own} saw the metadata of execution ${
        String(seen)
      }`,
    );
  }

  #lookup(params: LookupParams, rng: Rng): unknown {
    switch (params.key) {
      case "hot":
        return this.#registry.get(SEED_ENTITY, "performance_test");
      case "registered":
        return this.#registrations.empty
          ? this.#registry.get(SEED_ENTITY, "performance_test")
          : this.#registrations.lookup(rng);
      default: {
        const unreachable: never = params.key;
        throw new TypeError(`Unknown key ${unreachable}`);
      }
    }
  }

  #list(): number {
    const entities = this.#registry.listEntities();
    return entities.length +
      this.#registry.listTransitions(this.#machine.entity).length;
  }

  async #advance(params: AdvanceParams, rng: Rng): Promise<void> {
    const pool = this.#pool;
    const entity = pool[rng.int(0, pool.length - 1)];
    const machine = this.#machine;
    // The task that moved it to a final state restarts it once it resumes;
    // a task that gets here first does it instead.
    if (machine.available(entity.state).length === 0) {
      entity.restart(++this.#ids, machine.initial);
    }
    const state = entity.state;
    let transition: Transition;
    if (params.illegal_rate > 0 && rng.next() < params.illegal_rate) {
      const all = machine.transitions;
      transition = all[rng.int(0, all.length - 1)];
    } else {
      const choices = machine.available(state);
      transition = choices[rng.int(0, choices.length - 1)];
    }
    const valid = params.invalid_rate === 0 ||
      rng.next() >= params.invalid_rate;
    await this.#walk(entity, transition.name, {
      params: machine.sampleParams(transition.name, rng, { valid }),
      expect: state,
      user: USER,
    });
    if (machine.available(entity.state).length === 0) {
      entity.restart(++this.#ids, machine.initial);
    }
  }

  async #retain(rng: Rng): Promise<void> {
    const tag = ++this.#seq;
    // A flat, unshared copy: repeat() alone builds a rope that shares parts.
    const bulk = this.#bulk.length === 0 ? "" : `${tag}${this.#bulk}`;
    bulk.charCodeAt(bulk.length >> 1);
    const metadata = { tag, large_data: bulk };
    const result = await this.#registry.validate(
      this.#perfEntity,
      "performance_test",
      {
        params: { operation_id: tag, data_size: rng.int(0, 10_000) },
        metadata,
        user: USER,
      },
    );
    const limit = this.#options.retain;
    if (limit === 0) return;
    if (this.#kept.length < limit) this.#kept.push(result);
    else {
      this.#kept[this.#keptAt] = result;
      this.#evictions++;
    }
    this.#keptAt = (this.#keptAt + 1) % limit;
  }

  counters(): Record<FsmCounter, number> {
    return {
      ...this.#races.counters(),
      create_tasks: this.#createTaskCount,
      retain_evictions: this.#evictions,
    };
  }

  invariants(names: readonly string[]): Promise<InvariantResult[]> {
    const checks: Record<FsmInvariant, Check> = {
      context_isolated: () => this.#isolation(),
      registry_consistent: () => this.#registrations.result(),
      declared_edges_only: () => this.#audit.result(),
      one_winner_per_race: () => this.#races.result(),
    };
    return checkEach(names, checks);
  }

  /** `context_isolated`: no execution saw another's metadata. */
  #isolation(): CheckResult {
    return {
      ok: this.#leaks === 0 && this.#isolationChecks > 0,
      detail:
        `${this.#isolationChecks} executions checked, ${this.#leaks} saw another execution's metadata${
          this.#leaks === 0 ? "" : ` (first: ${this.#firstLeak})`
        }${
          this.#isolationChecks === 0
            ? " (nothing checked: add execute concurrency_test to the mix)"
            : ""
        }`,
    };
  }

  close(): Promise<void> {
    this.#kept = [];
    this.#pool = [];
    this.#races.close();
    return Promise.resolve();
  }
}
