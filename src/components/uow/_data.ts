/**
 * The rows the `uow` target seeds and its ops write: money accounts, items
 * (entities with JSON order lines and a logged history, one `STEP` apart in
 * creation time so range queries find them) and counters. Private to the
 * folder.
 * @module
 */
import type { NewEntity } from "./repositories.ts";
import { SEED_BATCH, seedInBatches } from "./sqlite_target.ts";
import type { Transaction, UnitOfWork } from "./unit_of_work.ts";

/** Seeded items are created one STEP apart from EPOCH, for range queries. */
export const EPOCH = Date.UTC(2024, 0, 1);
/** Milliseconds between two seeded items. */
export const STEP = 1000;

/** What `prepare()` seeds: the `uow` target's options that size it. */
export interface SeedOptions {
  /** Money accounts, ids 1..accounts. */
  accounts: number;
  /** Balance of every account. */
  initial_balance: number;
  /** Seeded items. */
  entities: number;
  /** Log rows of every seeded item. */
  history: number;
  /** Counters. */
  counters: number;
}

/** An item's JSON data. */
export interface ItemData {
  /** Shown name. */
  name: string;
  /** Labels. */
  tags: string[];
  /** Order lines. */
  lines: { sku: string; qty: number; price: number }[];
  /** How often `update` touched it. */
  touched?: number;
}

/** A counter's JSON data. */
export interface CounterData {
  /** Increments so far. */
  value: number;
}

/** The id of seeded item `index`. */
export function itemId(index: number): string {
  return `item-${index}`;
}

/** The id of counter `index`. */
export function counterId(index: number): string {
  return `counter-${index}`;
}

/** How `prepare()` seeds: what, and the run's signal (a stop ends it). */
export interface SeedRun extends SeedOptions {
  /** The run's signal: checked between batches. */
  signal: AbortSignal;
}

/**
 * Seeds accounts, items with their history, and counters, in transactions
 * of bounded size (see {@link seedInBatches}): a stop ends it between two.
 */
export async function seed(uow: UnitOfWork, o: SeedRun): Promise<void> {
  const { signal } = o;
  await seedInBatches(uow, {
    count: o.accounts,
    signal,
    write: (tx, from, to) =>
      tx.accounts.insertMany(
        indexes(from, to, (i) => ({ id: i + 1, balance: o.initial_balance })),
      ),
  });
  await seedInBatches(uow, {
    count: o.entities,
    signal,
    // Each item writes its history rows too.
    batch: SEED_BATCH / (1 + o.history),
    write: (tx, from, to) => {
      tx.entities.insertMany(indexes(from, to, seededItem));
      seedHistory(tx, { history: o.history, from, to });
    },
  });
  await seedInBatches(uow, {
    count: o.counters,
    signal,
    write: (tx, from, to) =>
      tx.entities.insertMany(indexes(from, to, (i) => ({
        id: counterId(i),
        kind: "counter",
        state: "active",
        data: { value: 0 },
        createdAt: EPOCH,
      }))),
  });
}

/** `make(i)` for i in `from..to-1`, made as they are consumed. */
function* indexes<T>(
  from: number,
  to: number,
  make: (index: number) => T,
): Generator<T> {
  for (let i = from; i < to; i++) yield make(i);
}

/** Logs one increment of counter `id`, which made it `version`. */
export function logIncrement(
  tx: Transaction,
  increment: { id: string; version: number; actor: string },
): void {
  tx.transitions.append({
    entityId: increment.id,
    name: "increment",
    from: "active",
    to: "active",
    version: increment.version,
    actor: increment.actor,
  });
}

/**
 * Gives seeded items `from..to-1` `history` log rows (a creation, then
 * revisions) and the version they lead to, so serialized aggregates carry a
 * history.
 */
function seedHistory(
  tx: Transaction,
  o: { history: number; from: number; to: number },
): void {
  if (o.history === 0) return;
  for (let index = o.from; index < o.to; index++) {
    const entityId = itemId(index);
    const at = EPOCH + index * STEP;
    tx.transitions.append({
      entityId,
      name: "create",
      from: null,
      to: "new",
      version: 1,
      actor: "prepare",
      params: { lines: 3 },
      at,
    });
    for (let version = 2; version <= o.history; version++) {
      tx.transitions.append({
        entityId,
        name: "revise",
        from: "new",
        to: "new",
        version,
        actor: "prepare",
        params: { sku: `sku-${(index + version) % 997}`, price: 100 + version },
        at: at + version,
      });
    }
  }
  // The batch's items, by the (kind, created_at) index.
  tx.statement(
    "UPDATE entities SET version = ? WHERE kind = 'item' AND created_at BETWEEN ? AND ?",
  ).run(o.history, EPOCH + o.from * STEP, EPOCH + (o.to - 1) * STEP);
}

function seededItem(index: number): NewEntity<ItemData> {
  return {
    id: itemId(index),
    kind: "item",
    state: "new",
    data: itemData(index, 3),
    createdAt: EPOCH + index * STEP,
  };
}

/** The data of item `n`, with `lines` order lines. */
export function itemData(n: number, lines: number): ItemData {
  return {
    name: `item ${n}`,
    tags: ["seeded", `group-${n % 10}`],
    lines: range1(lines, (i) => ({
      sku: `sku-${(n + i) % 997}`,
      qty: 1 + (n + i) % 5,
      price: 100 + (n * 31 + i) % 900,
    })),
  };
}

/** `count` values made from the indexes 0..count-1. */
export function range1<T>(
  count: number,
  make: (index: number) => T,
): T[] {
  return Array.from({ length: count }, (_, i) => make(i));
}
