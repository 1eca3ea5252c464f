import type { ScenarioStatus } from "../artifact/mod.ts";

/** Every exit code tensile uses; the CLI is the only place that exits. */
export const EXIT = {
  /** Every scenario passed. */
  ok: 0,
  /** A threshold's critical bound was missed or an invariant broke. */
  failed: 1,
  /** Bad usage or an invalid scenario file. */
  usage: 2,
  /** The run itself failed (a worker crashed, a target could not open). */
  runtime: 3,
  /** `tensile compare --fail-on-regression` found a regression. */
  regression: 4,
  /** Stopped by SIGINT/SIGTERM; a partial artifact was written. */
  interrupted: 130,
} as const;

/** An exit code. */
export type ExitCode = typeof EXIT[keyof typeof EXIT];

/** The exit code of a finished run that ended in `status`. */
export function exitCodeOf(status: ScenarioStatus): ExitCode {
  switch (status) {
    case "passed":
      return EXIT.ok;
    case "failed":
      return EXIT.failed;
    case "interrupted":
      return EXIT.interrupted;
    case "error":
      return EXIT.runtime;
    default: {
      const never: never = status;
      throw new TypeError(`Unknown status "${never}"`);
    }
  }
}
