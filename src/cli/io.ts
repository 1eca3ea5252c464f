/**
 * The CLI's seams to the outside world (streams, TTY, env, signals, clock), so
 * tests can drive commands without global mocks.
 * @module
 */

/** What a command may touch. */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard error is an interactive terminal (progress line). */
  isTty: boolean;
  /** Whether colors are wanted (TTY and NO_COLOR unset). */
  color: boolean;
  /** Current time. */
  now(): Date;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  onSignal(handler: () => void): () => void;
  /** Leaves at once (a second Ctrl-C). */
  exit(code: number): never;
}

const encoder = new TextEncoder();

/** The real process. */
export function denoIo(): Io {
  const isTty = Deno.stderr.isTerminal();
  const noColor = Deno.env.get("NO_COLOR") !== undefined &&
    Deno.env.get("NO_COLOR") !== "";
  return {
    out: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    err: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    isTty,
    color: isTty && !noColor,
    now: () => new Date(),
    onSignal(handler) {
      const signals: Deno.Signal[] = Deno.build.os === "windows"
        ? ["SIGINT"]
        : ["SIGINT", "SIGTERM"];
      for (const signal of signals) Deno.addSignalListener(signal, handler);
      return () => {
        for (const signal of signals) {
          Deno.removeSignalListener(signal, handler);
        }
      };
    },
    exit: (code) => Deno.exit(code),
  };
}

function writeAll(
  stream: { writeSync(p: Uint8Array): number },
  bytes: Uint8Array,
): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += stream.writeSync(bytes.subarray(offset));
  }
}
