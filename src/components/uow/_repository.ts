/**
 * What every repository shares: where statements come from, rows, and
 * turning a constraint failure into a ConflictError.
 * @module
 */
import type { StatementSync } from "node:sqlite";
import { ConflictError } from "../../errors.ts";

/** Where repositories get their (cached) prepared statements. */
export interface StatementSource {
  /** A prepared statement for `sql`; throws once the transaction ended. */
  statement(sql: string): StatementSync;
}

export type Row = Record<string, unknown>;

/** Optimistic concurrency for a write. */
export interface RowWriteOptions {
  /** Fail with a ConflictError unless the row still has this version. */
  expectedVersion?: number;
  /** The write time in ms since the epoch; default `Date.now()`. */
  at?: number;
}

/** A UNIQUE violation becomes a ConflictError; anything else passes. */
export function conflictOr(error: unknown, what: string): unknown {
  if (
    error instanceof Error && error.message.includes("UNIQUE constraint failed")
  ) {
    return new ConflictError(`Cannot insert ${what}: it already exists`, {
      cause: error,
    });
  }
  return error;
}
