/**
 * The `uow` target's deliberate defects, so a test (or a scenario) can
 * watch each invariant fail. Private to the folder; never used unless asked
 * for.
 * @module
 */
import { ValidationError } from "../../errors.ts";
import { type CounterData, logIncrement } from "./_data.ts";
import type { UnitOfWork } from "./unit_of_work.ts";

/** A deliberate bug the `uow` target can run with, to prove a check fails. */
export type UowDefect =
  | "none"
  | "split-transfer"
  | "split-increment"
  | "leak-connections"
  | "unbounded-cache";

/** Every {@link UowDefect}. */
export const UOW_DEFECTS = [
  "none",
  "split-transfer",
  "split-increment",
  "leak-connections",
  "unbounded-cache",
] as const satisfies readonly UowDefect[];

/** The `split-transfer` defect: read and write in separate transactions. */
export async function splitTransfer(
  uow: UnitOfWork,
  move: { from: number; to: number; amount: number },
): Promise<void> {
  const { from, to, amount } = move;
  const [source, target] = await uow.read((tx) => [
    tx.accounts.get(from),
    tx.accounts.get(to),
  ]);
  if (source === undefined || target === undefined) {
    throw new ValidationError(
      `Cannot transfer: account ${from} or ${to} is missing`,
    );
  }
  if (source.balance < amount) {
    throw new ValidationError(
      `Cannot transfer ${amount} from account ${from}: balance is ${source.balance}`,
    );
  }
  await uow.run((tx) => {
    tx.accounts.setBalance(from, source.balance - amount);
    tx.accounts.setBalance(to, target.balance + amount);
  });
}

/** The `split-increment` defect: read, then write without a version check. */
export async function splitIncrement(
  uow: UnitOfWork,
  counter: { id: string; actor: string },
): Promise<void> {
  const { id, actor } = counter;
  const seen = await uow.read((tx) => tx.entities.get<CounterData>(id));
  if (seen === undefined) throw new Error(`Counter "${id}" is missing`);
  await uow.run((tx) => {
    const version = tx.entities.update(id, {
      data: { value: seen.data.value + 1 },
    });
    logIncrement(tx, { id, version, actor });
  });
}
