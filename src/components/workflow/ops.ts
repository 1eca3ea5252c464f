/**
 * The `workflow` target: registry + unit of work + state store under load.
 * `prepare()` creates and seeds one database file in the run directory;
 * every worker opens its own connection, registry and stores, and appends
 * each acknowledged commit to its own ack file there (`acks-w<N>.log`), so a
 * run killed mid-way can be checked afterwards.
 * @module
 */
import { z } from "zod";
import { BusyError, ValidationError } from "../../errors.ts";
import { type Check, checkEach, type CheckResult } from "../../invariants.ts";
import type {
  InvariantResult,
  Rng,
  RunInfo,
  Target,
  TargetInstance,
  WorkerInfo,
} from "../../target.ts";
import {
  defineMachine,
  type Machine,
  machineSchema,
  type MachineSpec,
  ORDER_LIFECYCLE,
  TransitionRegistry,
} from "../fsm/mod.ts";
import {
  checkIntegrity,
  CONNECTION_COUNTERS,
  CONNECTION_OPTIONS,
  CONNECTION_PEAK_COUNTERS,
  connectionCounters,
  connectionOptions,
  createRunDatabase,
  INTEGRITY_INVARIANT,
  openDatabase,
  seedInBatches,
} from "../uow/mod.ts";
import { type Ack, AckLog, readAckLog } from "./ack_log.ts";
import { checkAcks, checkPublished, checkTransitionLog } from "./checks.ts";
import { inboxConsumer, relayOutbox } from "./relay.ts";
import { type Commit, Workflow } from "./workflow.ts";
import { applyWithDefect, WORKFLOW_DEFECTS } from "./_defects.ts";

export type { WorkflowDefect } from "./_defects.ts";

/** Most orders `prepare()` seeds: every one is written before the load. */
const MAX_ORDERS = 1_000_000;

const optionsSchema = z.strictObject({
  orders: z.int().min(1).max(MAX_ORDERS, {
    error: (issue) =>
      `${issue.input} orders is more than ${
        MAX_ORDERS.toLocaleString("en-US")
      }: prepare() seeds every one before the load starts`,
  }).default(200),
  hot_orders: z.int().min(1).default(5),
  machine: machineSchema.prefault(ORDER_LIFECYCLE),
  ...CONNECTION_OPTIONS,
  ack_sync: z.boolean().optional(),
  defect: z.enum(WORKFLOW_DEFECTS).default("none"),
}).prefault({}).superRefine((o, ctx) => {
  if (o.hot_orders > o.orders) {
    ctx.addIssue({
      code: "custom",
      path: ["hot_orders"],
      message: `hot_orders (${o.hot_orders}) exceeds orders (${o.orders})`,
    });
  }
});

/** The `workflow` target's options, as parsed. */
export type WorkflowTargetOptions = z.infer<typeof optionsSchema>;

interface Shared {
  path: string;
}

const share = z.number().min(0).max(1);
const params = {
  apply_transition: z.strictObject({
    hot: share.default(0.2),
    fresh: share.default(0.3),
    abort: share.default(0),
    invalid: share.default(0),
  }).prefault({}),
  read_entity: z.strictObject({ hot: share.default(0.2) }).prefault({}),
  relay: z.strictObject({ batch: z.int().min(1).default(50) }).prefault({}),
  none: z.strictObject({}).prefault({}),
};

/** Consumer name of the relay's inbox. */
const CONSUMER = "projector";
/** New entities a worker keeps in mind for `fresh` transitions. */
const RECENT = 64;

/**
 * The workflow target. Ops: create_entity, apply_transition (optimistic:
 * conflicts on hot orders on purpose; `abort` throws inside the transaction
 * after its writes), read_entity, relay (outbox to a deduping consumer).
 *
 * @example
 * ```ts
 * import { workflowTarget } from "./ops.ts";
 * console.log(Object.keys(workflowTarget.invariants ?? {}));
 * ```
 */
export const workflowTarget: Target = {
  name: "workflow",
  description:
    "FSM transitions committed atomically (state + log + outbox) on SQLite, then published to state stores",
  options: optionsSchema,
  ops: {
    create_entity: {
      description:
        "create an order: entity, log row and outbox row in one transaction",
      params: params.none,
    },
    apply_transition: {
      description:
        "read an order, apply a transition allowed from its state with a version check (`abort`: share thrown inside the transaction, `invalid`: share with bad params)",
      params: params.apply_transition,
    },
    read_entity: {
      description: "read one order",
      params: params.read_entity,
    },
    relay: {
      description:
        "relay one batch of the outbox to a consumer that dedupes by id",
      params: params.relay,
    },
  },
  invariants: {
    transition_log_consistent:
      "every committed transition has exactly one log row and one outbox row; rollbacks leave none",
    published_equals_committed:
      "each worker published one snapshot per transition it committed, and none for a rollback",
    acks_durable: "every commit a worker acknowledged is in the database",
    outbox_relayed:
      "after a final relay every outbox message is delivered and its consumer processed each id once",
    ...INTEGRITY_INVARIANT,
  },
  counters: CONNECTION_COUNTERS,
  peakCounters: CONNECTION_PEAK_COUNTERS,
  prepare: prepareWorkflow,
  open: openWorkflow,
};

function orderId(index: number): string {
  return `order-${index}`;
}

function ackPath(runDir: string, worker: number): string {
  return `${runDir}/acks-w${worker}.log`;
}

function compile(
  spec: MachineSpec,
): { registry: TransitionRegistry; machine: Machine } {
  const machine = defineMachine(spec);
  const registry = new TransitionRegistry();
  for (const transition of machine.transitions) registry.register(transition);
  return { registry, machine };
}

async function prepareWorkflow(
  options: unknown,
  run: RunInfo,
): Promise<Shared> {
  const o = optionsSchema.parse(options);
  await using uow = await createRunDatabase(run, {
    file: "workflow.db",
    options: o,
  });
  for (let worker = 0; worker < run.workers; worker++) {
    await Deno.remove(ackPath(run.runDir, worker)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const { registry, machine } = compile(o.machine);
  using workflow = new Workflow({ uow, registry, actor: "prepare" });
  // Each order writes an entity, a log row and an outbox row.
  await seedInBatches(uow, {
    count: o.orders,
    signal: run.signal,
    write: (tx, from, to) => {
      for (let i = from; i < to; i++) {
        workflow.stageCreate(tx, orderId(i), {
          kind: machine.entity,
          state: machine.initial,
        });
      }
    },
  });
  return { path: uow.path };
}

async function openWorkflow(
  options: unknown,
  worker: WorkerInfo,
): Promise<TargetInstance> {
  const o = optionsSchema.parse(options);
  const { path } = worker.shared as Shared;
  const { registry, machine } = compile(o.machine);
  const uow = await openDatabase(path, connectionOptions(o));
  const actor = `workflow-w${worker.index}`;
  const workflow = new Workflow({ uow, registry, actor });
  const acks = ackPath(worker.runDir, worker.index);
  const ackLog = AckLog.open(acks, {
    sync: o.ack_sync ?? (o.synchronous === "full" || o.synchronous === "extra"),
  });
  const recent: string[] = [];
  let seq = 0;
  let duplicates = 0;
  const consumer = inboxConsumer(uow, {
    consumer: CONSUMER,
    handle: () => {},
    onDuplicate: () => duplicates++,
  });

  const acknowledge = (commit: Commit) => {
    const ack: Ack = {
      e: commit.entityId,
      v: commit.version,
      t: commit.transitionId,
      m: commit.messageId,
    };
    ackLog.append(ack);
  };

  const pick = (rng: Rng, hot: number, fresh: number): string => {
    if (recent.length > 0 && rng.next() < fresh) {
      return recent[rng.int(0, recent.length - 1)];
    }
    return orderId(
      rng.next() < hot
        ? rng.int(0, o.hot_orders - 1)
        : rng.int(0, o.orders - 1),
    );
  };

  const ops = {
    create_entity: async () => {
      const id = `order-w${worker.index}-${++seq}`;
      const commit = await workflow.create(id, {
        kind: machine.entity,
        state: machine.initial,
      });
      acknowledge(commit);
      if (recent.length < RECENT) recent.push(id);
      else recent[seq % RECENT] = id;
    },
    apply_transition: async (p: unknown, rng: Rng) => {
      const { hot, fresh, abort, invalid } = p as z.infer<
        typeof params.apply_transition
      >;
      const id = pick(rng, hot, fresh);
      const seen = await uow.read((tx) => tx.entities.get(id));
      if (seen === undefined) throw new Error(`Order "${id}" is missing`);
      const available = machine.available(seen.state);
      if (available.length === 0) {
        throw new ValidationError(
          `Cannot move order "${id}": "${seen.state}" is a final state`,
        );
      }
      const transition = available[rng.int(0, available.length - 1)];
      const name = transition.name;
      const request = {
        name,
        params: machine.sampleParams(name, rng, {
          valid: rng.next() >= invalid,
        }),
        expectedVersion: seen.version,
      };
      const aborting = rng.next() < abort;
      const commit = await applyWithDefect(workflow, uow, {
        defect: o.defect,
        entityId: id,
        request,
        aborting,
        intended: {
          entityId: id,
          kind: seen.kind,
          name,
          from: seen.state,
          to: transition.to ?? seen.state,
          version: seen.version + 1,
          transitionId: 0,
          messageId: 0,
          actor,
          at: Date.now(),
        },
      });
      acknowledge(commit);
    },
    read_entity: async (p: unknown, rng: Rng) => {
      const { hot } = p as z.infer<typeof params.read_entity>;
      const id = pick(rng, hot, 0);
      const entity = await uow.read((tx) => tx.entities.get(id));
      if (entity === undefined) throw new Error(`Order "${id}" is missing`);
    },
    relay: async (p: unknown) => {
      const { batch } = p as z.infer<typeof params.relay>;
      await relayOutbox(uow, {
        deliver: consumer,
        batchSize: batch,
        maxBatches: 1,
      });
    },
  };

  // Each check runs again when another worker's final relay holds the lock.
  const checks: Record<string, Check> = {
    transition_log_consistent: retryingBusy(() => checkTransitionLog(uow)),
    published_equals_committed: retryingBusy(() =>
      checkPublished(uow, workflow)
    ),
    acks_durable: retryingBusy(async () => {
      const { acks } = readAckLog(ackPath(worker.runDir, worker.index));
      const result = await checkAcks(uow, acks);
      return { ok: result.ok, detail: `${actor}: ${result.detail}` };
    }),
    outbox_relayed: retryingBusy(async () => {
      const relayed = await relayOutbox(uow, { deliver: consumer });
      const counts = await uow.read((tx) => ({
        pending: tx.outbox.count({ delivered: false }),
        total: tx.outbox.count(),
        processed: tx.inbox.count(CONSUMER),
      }));
      return {
        ok: counts.pending === 0 && counts.processed === counts.total,
        detail:
          `${counts.total} messages, ${counts.pending} pending, ${counts.processed} processed by "${CONSUMER}" (${actor} relayed ${relayed.delivered} at the end, ${duplicates} duplicates dropped)`,
      };
    }),
    integrity: retryingBusy(() => checkIntegrity(uow)),
  };

  let closing: Promise<void> | undefined;
  return {
    ops,
    invariants: (names: readonly string[]): Promise<InvariantResult[]> =>
      checkEach(names, checks),
    counters: () => connectionCounters([uow.stats]),
    close: () =>
      closing ??= (async () => {
        workflow.close();
        ackLog.close();
        await uow.close();
      })(),
  };
}

/** Times a check runs when it keeps ending in a BusyError. */
const CHECK_ATTEMPTS = 5;

/**
 * `check`, run again when it ends in a BusyError. Every worker checks at
 * once, and `outbox_relayed` writes (one transaction per message, each
 * fsync'd with `synchronous: full`), so one worker's relay can hold the lock
 * through another's whole busy policy; a lost race there says nothing about
 * the invariant. Checks are idempotent.
 */
function retryingBusy(check: () => Promise<CheckResult>): Check {
  return async () => {
    for (let attempt = 1;; attempt++) {
      try {
        return await check();
      } catch (error) {
        if (!(error instanceof BusyError) || attempt >= CHECK_ATTEMPTS) {
          throw error;
        }
      }
    }
  };
}
