/**
 * The `uow` target: the engine's view of the SQLite unit of work. `prepare()`
 * creates and seeds one database file in the run directory; every worker
 * opens its own connection to it (WAL), so workers contend for the write lock
 * exactly like processes of a real service.
 * @module
 */
import { z } from "zod";
import { type Check, checkEach, type CheckResult } from "../../invariants.ts";
import {
  draw,
  type InvariantResult,
  type NumberOrRange,
  type Rng,
  type RunInfo,
  type Target,
  type TargetInstance,
  type WorkerInfo,
} from "../../target.ts";
import { parseAggregate, serializeAggregate } from "./aggregate.ts";
import {
  checkIntegrity,
  CONNECTION_COUNTERS,
  CONNECTION_OPTIONS,
  CONNECTION_PEAK_COUNTERS,
  connectionCounters,
  connectionOptions,
  createRunDatabase,
  INTEGRITY_INVARIANT,
} from "./sqlite_target.ts";
import {
  openConnections,
  openDatabase,
  type UnitOfWork,
  type UnitOfWorkStats,
} from "./unit_of_work.ts";
import {
  type CounterData,
  counterId,
  EPOCH,
  type ItemData,
  itemData,
  itemId,
  logIncrement,
  range1,
  seed,
  STEP,
} from "./_data.ts";
import { splitIncrement, splitTransfer, UOW_DEFECTS } from "./_defects.ts";

export type { UowDefect } from "./_defects.ts";

/**
 * Bounds on what `prepare()` seeds: every row is written before the load
 * starts, so a size the machine cannot hold is refused by `tensile
 * validate` rather than met by a run that exhausts memory or disk.
 */
const UOW_LIMITS = Object.freeze({
  accounts: 1_000_000,
  entities: 1_000_000,
  counters: 100_000,
  /** `entities × history`: log rows seeded. */
  historyRows: 10_000_000,
});

/** A count option: a whole number from `min` to `max`, saying why. */
function seeded(min: number, max: number, what: string) {
  return z.int().min(min).max(max, {
    error: (issue) =>
      `${issue.input} ${what} is more than ${
        max.toLocaleString("en-US")
      }: prepare() seeds every one before the load starts`,
  });
}

const optionsSchema = z.strictObject({
  accounts: seeded(2, UOW_LIMITS.accounts, "accounts").default(100),
  hot_accounts: z.int().min(2).default(5),
  initial_balance: z.int().min(0).default(1000),
  entities: seeded(1, UOW_LIMITS.entities, "entities").default(1000),
  hot_entities: z.int().min(1).default(5),
  history: z.int().min(0).max(100).default(4),
  counters: seeded(1, UOW_LIMITS.counters, "counters").default(8),
  ...CONNECTION_OPTIONS,
  defect: z.enum(UOW_DEFECTS).default("none"),
}).prefault({}).superRefine((o, ctx) => {
  if (o.hot_accounts > o.accounts) {
    ctx.addIssue({
      code: "custom",
      path: ["hot_accounts"],
      message:
        `hot_accounts (${o.hot_accounts}) exceeds accounts (${o.accounts})`,
    });
  }
  if (o.hot_entities > o.entities) {
    ctx.addIssue({
      code: "custom",
      path: ["hot_entities"],
      message:
        `hot_entities (${o.hot_entities}) exceeds entities (${o.entities})`,
    });
  }
  // The bank's total is checked exactly, and numbers are exact only below 2^53.
  const total = o.accounts * o.initial_balance;
  if (!Number.isSafeInteger(total)) {
    ctx.addIssue({
      code: "custom",
      path: ["initial_balance"],
      message:
        `initial_balance × accounts (${o.initial_balance} × ${o.accounts}) is above 2^53 − 1 (${Number.MAX_SAFE_INTEGER}), where the total balance stops being exact: at most ${
          Math.floor(Number.MAX_SAFE_INTEGER / o.accounts)
        } with ${o.accounts} accounts`,
    });
  }
  const rows = o.entities * o.history;
  if (rows > UOW_LIMITS.historyRows) {
    ctx.addIssue({
      code: "custom",
      path: ["history"],
      message: `entities × history (${o.entities} × ${o.history}) is ${
        rows.toLocaleString("en-US")
      } log rows, more than ${
        UOW_LIMITS.historyRows.toLocaleString("en-US")
      }: prepare() seeds every one before the load starts`,
    });
  }
});

/** The `uow` target's options, as parsed (scenario keys are snake_case). */
export type UowOptions = z.infer<typeof optionsSchema>;

/** What `prepare()` hands every worker. */
interface UowShared {
  path: string;
  totalBalance: number;
}

const range = z.union([z.number(), z.tuple([z.number(), z.number()])]);
const share = z.number().min(0).max(1);
const none = z.strictObject({}).prefault({});
const params = {
  insert: z.strictObject({ lines: z.int().min(0).max(1000).default(3) })
    .prefault({}),
  read: z.strictObject({ hot: share.default(0) }).prefault({}),
  update: z.strictObject({ hot: share.default(1), think_ms: range.default(0) })
    .prefault({}),
  transfer: z.strictObject({
    amount: range.default([1, 100]),
    hot: share.default(0.5),
  })
    .prefault({}),
  batch_insert: z.strictObject({
    rows: z.int().min(1).max(100_000).default(1000),
  })
    .prefault({}),
  query: z.strictObject({
    span: z.int().min(1).default(100),
    limit: z.int().min(1).default(100),
  }).prefault({}),
  open_close: z.strictObject({ fail: share.default(0) }).prefault({}),
  increment: none,
};

/** Connections each live `uow` instance of this thread owns (its own one). */
let liveInstances = 0;

/**
 * The unit-of-work target. Ops: insert, read, update (optimistic, on hot
 * rows: conflicts on purpose), transfer, batch_insert, query, serialize,
 * deserialize, open_close, increment, rollback.
 *
 * @example
 * ```ts
 * import { uowTarget } from "./ops.ts";
 * console.log(Object.keys(uowTarget.ops));
 * ```
 */
export const uowTarget: Target = {
  name: "uow",
  description:
    "SQLite unit of work (node:sqlite, WAL): transactions, repositories, busy retry",
  options: optionsSchema,
  ops: {
    insert: {
      description: "insert one entity with `lines` JSON order lines",
      params: params.insert,
    },
    read: {
      description: "read one seeded entity (`hot`: share on hot rows)",
      params: params.read,
    },
    update: {
      description:
        "read, wait `think_ms`, write with a version check: ConflictError if another writer won",
      params: params.update,
    },
    transfer: {
      description:
        "move `amount` between two accounts in one transaction (`hot`: share between hot accounts)",
      params: params.transfer,
    },
    batch_insert: {
      description:
        "insert `rows` items in one transaction, dated into the seeded range so `query` reads them",
      params: params.batch_insert,
    },
    query: {
      description:
        "indexed range query by creation time over `span` seeded slots (seeded and batch rows), at most `limit` rows",
      params: params.query,
    },
    serialize: {
      description:
        "load a seeded item with its `history` log rows and serialize it as JSON",
      params: none,
    },
    deserialize: {
      description: "parse and validate a serialized aggregate with its history",
      params: none,
    },
    open_close: {
      description:
        "open a second connection, read one row, close it (`fail`: share whose transaction throws first)",
      params: params.open_close,
    },
    increment: {
      description:
        "add 1 to a counter and log the increment, in one transaction",
      params: params.increment,
    },
    rollback: {
      description:
        "insert, then throw inside the transaction; fails unless nothing was left behind",
      params: none,
    },
  },
  invariants: {
    total_balance_conserved:
      "the sum of all balances equals the seeded total and none is negative",
    no_lost_updates:
      "every counter equals its logged increments, and each worker's acknowledged increments are logged",
    ...INTEGRITY_INVARIANT,
    connections_released:
      "after the load every extra connection is closed (only each instance's own is open) and no transaction is left open",
  },
  counters: CONNECTION_COUNTERS,
  peakCounters: CONNECTION_PEAK_COUNTERS,
  prepare: prepareUow,
  open: openUow,
};

function parseOptions(options: unknown): UowOptions {
  return optionsSchema.parse(options);
}

async function prepareUow(options: unknown, run: RunInfo): Promise<UowShared> {
  const o = parseOptions(options);
  await using uow = await createRunDatabase(run, {
    file: "uow.db",
    options: o,
  });
  await seed(uow, { ...o, signal: run.signal });
  return { path: uow.path, totalBalance: o.accounts * o.initial_balance };
}

async function openUow(
  options: unknown,
  worker: WorkerInfo,
): Promise<TargetInstance> {
  const o = parseOptions(options);
  const shared = worker.shared as UowShared;
  const connection = connectionOptions(o);
  const uow = await openDatabase(shared.path, connection);
  liveInstances++;
  const actor = `uow-w${worker.index}`;
  const acked = new Map<string, number>();
  let seq = 0;
  let documents: string[] | undefined;
  /** Stats of the extra connections `open_close` opened and closed. */
  const closed: UnitOfWorkStats[] = [];
  /** `leak-connections`: connections left open, closed only at close(). */
  const leaked: UnitOfWork[] = [];
  /** `unbounded-cache`: every entity an op built or loaded, never evicted. */
  const retained: unknown[] = [];
  const cache = o.defect === "unbounded-cache"
    ? (value: unknown) => void retained.push(value)
    : undefined;

  const pick = (rng: Rng, hot: number, count: number, hotCount: number) =>
    rng.next() < hot ? rng.int(0, hotCount - 1) : rng.int(0, count - 1);

  const ops = {
    insert: async (p: unknown, rng: Rng) => {
      const { lines } = p as z.infer<typeof params.insert>;
      const id = `${actor}-${++seq}`;
      const data = itemData(rng.int(0, 1_000_000), lines);
      await uow.run((tx) =>
        tx.entities.insert({ id, kind: "item", state: "new", data })
      );
      cache?.(data);
    },
    read: async (p: unknown, rng: Rng) => {
      const { hot } = p as z.infer<typeof params.read>;
      const id = itemId(pick(rng, hot, o.entities, o.hot_entities));
      const entity = await uow.read((tx) => tx.entities.get(id));
      if (entity === undefined) {
        throw new Error(`Seeded entity "${id}" is missing`);
      }
    },
    update: async (p: unknown, rng: Rng) => {
      const { hot, think_ms } = p as z.infer<typeof params.update>;
      const id = itemId(pick(rng, hot, o.entities, o.hot_entities));
      const seen = await uow.read((tx) => tx.entities.get<ItemData>(id));
      if (seen === undefined) {
        throw new Error(`Seeded entity "${id}" is missing`);
      }
      await think(draw(think_ms as NumberOrRange, rng));
      const data = { ...seen.data, touched: (seen.data.touched ?? 0) + 1 };
      await uow.run((tx) =>
        tx.entities.update(id, { data }, { expectedVersion: seen.version })
      );
    },
    transfer: async (p: unknown, rng: Rng) => {
      const { amount, hot } = p as z.infer<typeof params.transfer>;
      const hotPair = rng.next() < hot;
      const span = hotPair ? o.hot_accounts : o.accounts;
      const from = rng.int(1, span);
      const to = 1 + (from + rng.int(0, span - 2)) % span; // never `from`
      const value = draw(amount as NumberOrRange, rng);
      if (o.defect === "split-transfer") {
        await splitTransfer(uow, { from, to, amount: value });
      } else {
        await uow.run((tx) => tx.accounts.transfer(from, to, value));
      }
    },
    batch_insert: async (p: unknown, rng: Rng) => {
      const { rows } = p as z.infer<typeof params.batch_insert>;
      const batch = `${actor}-b${++seq}`;
      const base = rng.int(0, 1_000_000);
      // Consecutive seeded slots from a random one, between two seeded items,
      // so range queries over the seeded items read batch rows too.
      const slot = rng.int(0, o.entities - 1);
      const offset = 1 + seq % (STEP - 1);
      await uow.run((tx) =>
        tx.entities.insertMany(
          range1(rows, (i) => ({
            id: `${batch}-${i}`,
            kind: "item",
            state: "new",
            data: itemData(base + i, 1),
            createdAt: EPOCH + ((slot + i) % o.entities) * STEP + offset,
          })),
        )
      );
    },
    query: async (p: unknown, rng: Rng) => {
      const { span, limit } = p as z.infer<typeof params.query>;
      const start = rng.int(0, Math.max(0, o.entities - span));
      const from = EPOCH + start * STEP;
      const rows = await uow.read((tx) =>
        tx.entities.list({
          kind: "item",
          from,
          to: from + (span - 1) * STEP,
          limit,
        })
      );
      if (rows.length === 0) {
        throw new Error(`Range query from item ${start} found no rows`);
      }
      cache?.(rows);
    },
    serialize: async (_p: unknown, rng: Rng) => {
      const id = itemId(rng.int(0, o.entities - 1));
      const json = await loadDocument(uow, id);
      if (json.length === 0) throw new Error(`Serialized "${id}" is empty`);
      cache?.(json);
    },
    deserialize: async (_p: unknown, rng: Rng) => {
      documents ??= await Promise.all(
        range1(Math.min(16, o.entities), (i) => loadDocument(uow, itemId(i))),
      );
      const aggregate = parseAggregate(
        documents[rng.int(0, documents.length - 1)],
      );
      const { id, kind } = aggregate.entity;
      if (kind !== "item") {
        throw new Error(
          `Cannot deserialize "${id}": kind is "${kind}", expected "item"`,
        );
      }
      if (aggregate.history.length !== o.history) {
        throw new Error(
          `Cannot deserialize "${id}": history has ${aggregate.history.length} rows, expected ${o.history}`,
        );
      }
      cache?.(aggregate);
    },
    open_close: async (p: unknown, rng: Rng) => {
      const { fail } = p as z.infer<typeof params.open_close>;
      const second = await openDatabase(shared.path, connection);
      let released = false;
      try {
        if (rng.next() < fail) {
          // A transaction that throws: the connection must still be closed.
          await second.run((tx) => {
            tx.entities.insert({
              id: `${actor}-oc${++seq}`,
              kind: "probe",
              state: "new",
              data: {},
            });
            throw new RollbackProbe();
          }).catch((error) => {
            if (!(error instanceof RollbackProbe)) throw error;
          });
          if (o.defect === "leak-connections") {
            leaked.push(second); // the bug: the error path forgets close()
            released = true;
            return;
          }
        }
        const account = await second.read((tx) => tx.accounts.get(1));
        if (account === undefined) throw new Error("Account 1 is missing");
      } finally {
        if (!released) {
          await second.close();
          closed.push(second.stats);
        }
      }
    },
    increment: async (_p: unknown, rng: Rng) => {
      const id = counterId(rng.int(0, o.counters - 1));
      if (o.defect === "split-increment") {
        await splitIncrement(uow, { id, actor });
      } else {
        await uow.run((tx) => {
          const counter = tx.entities.get<CounterData>(id);
          if (counter === undefined) {
            throw new Error(`Counter "${id}" is missing`);
          }
          const version = tx.entities.update(
            id,
            { data: { value: counter.data.value + 1 } },
            { expectedVersion: counter.version },
          );
          logIncrement(tx, { id, version, actor });
        });
      }
      acked.set(id, (acked.get(id) ?? 0) + 1);
    },
    rollback: async () => {
      const id = `${actor}-rb${++seq}`;
      try {
        await uow.run((tx) => {
          tx.entities.insert({ id, kind: "probe", state: "new", data: {} });
          throw new RollbackProbe();
        });
      } catch (error) {
        if (!(error instanceof RollbackProbe)) throw error;
      }
      const left = await uow.read((tx) => tx.entities.get(id));
      if (left !== undefined) throw new Error(`Rollback left "${id}" behind`);
    },
  };

  let closing: Promise<void> | undefined;
  return {
    ops,
    invariants: (names: readonly string[]): Promise<InvariantResult[]> =>
      checkEach(names, uowChecks(uow, { shared, actor, acked })),
    counters: () => connectionCounters([uow.stats, ...closed]),
    close: () =>
      closing ??= (async () => {
        retained.length = 0;
        for (const connection of leaked.splice(0)) await connection.close();
        await uow.close();
        liveInstances--;
      })(),
  };
}

/** What a worker knows when it checks an invariant. */
interface InvariantContext {
  shared: UowShared;
  actor: string;
  acked: ReadonlyMap<string, number>;
}

/** The `uow` invariants, checked against the database. */
function uowChecks(
  uow: UnitOfWork,
  context: InvariantContext,
): Record<string, Check> {
  return {
    total_balance_conserved: async () => {
      const totals = await uow.read((tx) => tx.accounts.totals());
      const total = context.shared.totalBalance;
      return {
        ok: totals.sum === total && totals.min >= 0,
        detail:
          `sum of ${totals.count} balances is ${totals.sum} (seeded ${total}), lowest ${totals.min}`,
      };
    },
    no_lost_updates: () => checkLostUpdates(uow, context),
    integrity: () => checkIntegrity(uow),
    connections_released: () => {
      const open = openConnections();
      return {
        ok: open === liveInstances && !uow.inTransaction,
        detail: `${context.actor}: ${open} connections open in this worker, ${
          open - liveInstances
        } beyond the instance's own${
          uow.inTransaction ? "; a transaction is still open" : ""
        }`,
      };
    },
  };
}

async function checkLostUpdates(
  uow: UnitOfWork,
  context: InvariantContext,
): Promise<CheckResult> {
  const { actor, acked } = context;
  const rows = await uow.read((tx) =>
    tx.statement(
      `SELECT e.id AS id, json_extract(e.data, '$.value') AS value,
        (SELECT count(*) FROM transitions t WHERE t.entity_id = e.id AND t.name = 'increment') AS logged,
        (SELECT count(*) FROM transitions t WHERE t.entity_id = e.id AND t.name = 'increment' AND t.actor = ?) AS mine
       FROM entities e WHERE e.kind = 'counter' ORDER BY e.id`,
    ).all(actor)
  );
  const lost: string[] = [];
  let value = 0;
  let logged = 0;
  let mine = 0;
  let acknowledged = 0;
  for (const row of rows) {
    const id = row.id as string;
    value += row.value as number;
    logged += row.logged as number;
    mine += row.mine as number;
    acknowledged += acked.get(id) ?? 0;
    if (row.value !== row.logged) {
      lost.push(`"${id}" holds ${row.value} but ${row.logged} were logged`);
    }
    if ((acked.get(id) ?? 0) !== row.mine) {
      lost.push(
        `"${id}" has ${row.mine} increments by ${actor} logged but ${
          acked.get(id) ?? 0
        } acknowledged`,
      );
    }
  }
  const summary =
    `${rows.length} counters hold ${value}, ${logged} increments logged; ${actor} acknowledged ${acknowledged}, ${mine} logged`;
  return {
    ok: lost.length === 0,
    detail: lost.length === 0
      ? summary
      : `${summary}: ${lost.slice(0, 3).join("; ")}`,
  };
}

class RollbackProbe extends Error {
  constructor() {
    super("rollback probe");
  }
}

function think(ms: number): Promise<void> | undefined {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
}

async function loadDocument(uow: UnitOfWork, id: string): Promise<string> {
  const aggregate = await uow.read((tx) => {
    const entity = tx.entities.get(id);
    return entity && { entity, history: tx.transitions.forEntity(id) };
  });
  if (aggregate === undefined) throw new Error(`Entity "${id}" is missing`);
  return serializeAggregate(aggregate);
}
