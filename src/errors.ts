/**
 * Typed errors an op throws to report a non-success. The engine counts
 * outcomes by their `outcome` field, so a conflict is never confused with a
 * crash. Any other thrown value counts as `error`.
 *
 * This module imports nothing: components and the harness both depend on it.
 * @module
 */

/** How a failed op ended, in report order. */
export const FAILURE_OUTCOMES = [
  "validation",
  "conflict",
  "busy",
  "timeout",
  "injected",
  "error",
] as const;

/** Every outcome, in report order. */
export const OUTCOMES = ["ok", ...FAILURE_OUTCOMES] as const;

/** How one op ended. `error` is anything not covered by a typed error. */
export type Outcome = typeof OUTCOMES[number];

/** How a failed op ended. */
export type FailureOutcome = typeof FAILURE_OUTCOMES[number];

/** Input rejected by the component (bad params, guard said no). */
export class ValidationError extends Error {
  /** Outcome class the engine counts this error under. */
  readonly outcome: Outcome = "validation";
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ValidationError";
  }
}

/** A concurrent writer got there first (stale version, lost race). */
export class ConflictError extends Error {
  /** Outcome class the engine counts this error under. */
  readonly outcome: Outcome = "conflict";
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConflictError";
  }
}

/** A shared resource stayed locked after bounded retries (SQLITE_BUSY). */
export class BusyError extends Error {
  /** Outcome class the engine counts this error under. */
  readonly outcome: Outcome = "busy";
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BusyError";
  }
}

/** An operation gave up waiting (a full queue under `block`, a deadline). */
export class TimeoutError extends Error {
  /** Outcome class the engine counts this error under. */
  readonly outcome: Outcome = "timeout";
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/** A failure the scenario asked for (`faults.error_rate`, calibration ops). */
export class InjectedFault extends Error {
  /** Outcome class the engine counts this error under. */
  readonly outcome: Outcome = "injected";
  /** Creates the error. */
  constructor(message = "injected fault", options?: ErrorOptions) {
    super(message, options);
    this.name = "InjectedFault";
  }
}

/** Maps a thrown value to its outcome class. */
export function outcomeOf(error: unknown): FailureOutcome {
  const outcome = (error as { outcome?: unknown } | null)?.outcome;
  return FAILURE_OUTCOMES.includes(outcome as FailureOutcome)
    ? outcome as FailureOutcome
    : "error";
}
