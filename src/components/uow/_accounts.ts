/**
 * The accounts repository: balances with optimistic versions, transfers
 * that move money atomically.
 * @module
 */
import { ConflictError, ValidationError } from "../../errors.ts";
import {
  conflictOr,
  type Row,
  type RowWriteOptions,
  type StatementSource,
} from "./_repository.ts";

/** A money account. */
export interface Account {
  /** Account number. */
  id: number;
  /** Balance in the smallest currency unit. */
  balance: number;
  /** Starts at 1; each write adds 1. */
  version: number;
}

/** A new account. */
export interface NewAccount {
  /** Account number. */
  id: number;
  /** Opening balance. */
  balance: number;
}

/** Sum, minimum and count of all balances. */
export interface AccountTotals {
  /** Number of accounts. */
  count: number;
  /** Sum of balances (0 without accounts). */
  sum: number;
  /** Smallest balance (0 without accounts). */
  min: number;
}

/** Both accounts after a transfer. */
export interface TransferResult {
  /** The debited account. */
  from: Account;
  /** The credited account. */
  to: Account;
}

/** Read-only view of {@link AccountRepository}. */
export type AccountReader = Pick<AccountRepository, "get" | "list" | "totals">;

/** Accounts of the transaction's database. */
export class AccountRepository {
  #sql: StatementSource;

  /** Internal: use `tx.accounts`. */
  constructor(sql: StatementSource) {
    this.#sql = sql;
  }

  /** The account, or undefined. */
  get(id: number): Account | undefined {
    const row = this.#sql.statement(
      "SELECT id, balance, version FROM accounts WHERE id = ?",
    ).get(id);
    return row === undefined ? undefined : toAccount(row);
  }

  /** Every account by id, at most `limit`. */
  list(limit = 1000): Account[] {
    return this.#sql.statement(
      "SELECT id, balance, version FROM accounts ORDER BY id LIMIT ?",
    ).all(limit).map(toAccount);
  }

  /** Count, sum and minimum of all balances. */
  totals(): AccountTotals {
    const row = this.#sql.statement(
      "SELECT count(*) AS count, coalesce(sum(balance), 0) AS sum, coalesce(min(balance), 0) AS min FROM accounts",
    ).get() as unknown as AccountTotals;
    return { count: row.count, sum: row.sum, min: row.min };
  }

  /** Opens an account; a taken id is a ConflictError. */
  insert(account: NewAccount): Account {
    this.insertMany([account]);
    return { id: account.id, balance: account.balance, version: 1 };
  }

  /** Opens many accounts with one prepared statement; returns the count. */
  insertMany(accounts: Iterable<NewAccount>): number {
    const statement = this.#sql.statement(
      "INSERT INTO accounts (id, balance, version) VALUES (?, ?, 1)",
    );
    let count = 0;
    let id = 0;
    try {
      for (const account of accounts) {
        id = account.id;
        statement.run(id, account.balance);
        count++;
      }
    } catch (error) {
      throw conflictOr(error, `account ${id}`);
    }
    return count;
  }

  /** Sets a balance; returns the new version. */
  setBalance(
    id: number,
    balance: number,
    options: RowWriteOptions = {},
  ): number {
    const row = this.#sql.statement(
      "UPDATE accounts SET balance = ?1, version = version + 1 WHERE id = ?2 AND (?3 IS NULL OR version = ?3) RETURNING version",
    ).get(balance, id, options.expectedVersion ?? null);
    if (row !== undefined) return row.version as number;
    const found = this.get(id);
    if (found === undefined) {
      throw new ValidationError(
        `Cannot update account ${id}: it does not exist`,
      );
    }
    throw new ConflictError(
      `Cannot update account ${id}: expected version ${options.expectedVersion}, found ${found.version}`,
    );
  }

  /**
   * Moves `amount` from one account to another: reads both, checks funds,
   * writes both. Bad input or missing funds is a ValidationError.
   */
  transfer(from: number, to: number, amount: number): TransferResult {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new ValidationError(
        `Cannot transfer ${amount}: the amount must be a whole number above 0`,
      );
    }
    if (from === to) {
      throw new ValidationError(
        `Cannot transfer from account ${from} to itself`,
      );
    }
    const source = this.#existing(from);
    const target = this.#existing(to);
    if (source.balance < amount) {
      throw new ValidationError(
        `Cannot transfer ${amount} from account ${from}: balance is ${source.balance}`,
      );
    }
    const debited = source.balance - amount;
    const credited = target.balance + amount;
    return {
      from: {
        id: from,
        balance: debited,
        version: this.setBalance(from, debited),
      },
      to: { id: to, balance: credited, version: this.setBalance(to, credited) },
    };
  }

  #existing(id: number): Account {
    const account = this.get(id);
    if (account === undefined) {
      throw new ValidationError(`Cannot use account ${id}: it does not exist`);
    }
    return account;
  }
}

function toAccount(row: Row): Account {
  return {
    id: row.id as number,
    balance: row.balance as number,
    version: row.version as number,
  };
}
