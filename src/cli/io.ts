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
  /** Whether each stream wants colors (a terminal, and NO_COLOR unset). */
  color: { out: boolean; err: boolean };
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
  const noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  return {
    out: writer(Deno.stdout),
    err: writer(Deno.stderr),
    isTty,
    color: {
      out: Deno.stdout.isTerminal() && !noColor,
      err: isTty && !noColor,
    },
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

/**
 * Writes text to a stream. A reader that went away (`| head`) must not abort
 * a run: the run goes on and its artifact is still written, so later writes
 * to that stream are dropped.
 */
function writer(
  stream: { writeSync(p: Uint8Array): number },
): (text: string) => void {
  let closed = false;
  return (text) => {
    if (closed) return;
    const bytes = encoder.encode(text);
    try {
      let offset = 0;
      while (offset < bytes.length) {
        offset += stream.writeSync(bytes.subarray(offset));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      closed = true;
    }
  };
}
