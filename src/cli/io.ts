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
  /**
   * Calls `handler` on each request to stop (SIGINT, SIGTERM, SIGHUP, or the
   * parent process going away) until the returned function is called.
   */
  onSignal(handler: (stop: StopRequest) => void): () => void;
  /** Leaves at once (a second Ctrl-C). */
  exit(code: number): never;
}

/** Why a stop was requested. */
export type StopRequest = "SIGINT" | "SIGTERM" | "SIGHUP" | "parent-exit";

/** How often the tool looks whether its parent process is still there. */
const PARENT_POLL_MS = 500;

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
      // SIGHUP: the terminal closed or ssh dropped; a graceful stop too.
      const signals = Deno.build.os === "windows"
        ? ["SIGINT"] as const
        : ["SIGINT", "SIGTERM", "SIGHUP"] as const;
      const listeners = signals.map((signal) => {
        const listener = () => handler(signal);
        Deno.addSignalListener(signal, listener);
        return [signal, listener] as const;
      });
      // `deno task` killed outright leaves this process an orphan that would
      // finish and write results nobody waits for: notice and stop.
      const parent = Deno.build.os === "windows" ? undefined : Deno.ppid;
      const poll = parent === undefined ? undefined : setInterval(() => {
        if (Deno.ppid === parent) return;
        clearInterval(poll);
        handler("parent-exit");
      }, PARENT_POLL_MS);
      if (poll !== undefined) Deno.unrefTimer(poll);
      return () => {
        clearInterval(poll);
        for (const [signal, listener] of listeners) {
          Deno.removeSignalListener(signal, listener);
        }
      };
    },
    exit: (code) => Deno.exit(code),
  };
}

/**
 * Writes text to a stream. A stream that cannot be written (a reader that
 * went away with `| head`, `> /dev/full`, a closed descriptor) must not abort
 * a run: the run goes on, its artifact is still written and its exit code
 * stays what the results say, so later writes to that stream are dropped.
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
    } catch {
      closed = true;
    }
  };
}
