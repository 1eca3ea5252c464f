/**
 * The rows the `uow` target seeds and its ops write: money accounts, items
 * (entities with JSON order lines and a logged history, one `STEP` apart in
 * creation time so range queries find them) and counters. Private to the
 * folder.
 * @module
 */
import type { NewEntity } from "./repositories.ts";
import type { Transaction } from "./unit_of_work.ts";

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

/** Seeds accounts, items with their history, and counters. */
export function seed(tx: Transaction, o: SeedOptions): void {
  tx.accounts.insertMany(
    range1(o.accounts, (i) => ({ id: i + 1, balance: o.initial_balance })),
  );
  tx.entities.insertMany(range1(o.entities, seededItem));
  seedHistory(tx, o);
  tx.entities.insertMany(
    range1(o.counters, (i) => ({
      id: counterId(i),
      kind: "counter",
      state: "active",
      data: { value: 0 },
      createdAt: EPOCH,
    })),
  );
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
 * Gives every seeded item `history` log rows (a creation, then revisions)
 * and the version they lead to, so serialized aggregates carry a history.
 */
function seedHistory(tx: Transaction, o: SeedOptions): void {
  if (o.history === 0) return;
  for (let index = 0; index < o.entities; index++) {
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
  tx.statement("UPDATE entities SET version = ? WHERE kind = 'item'").run(
    o.history,
  );
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
