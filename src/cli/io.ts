/**
 * The CLI's seams to the outside world (streams, TTY, env, signals, clock), so
 * tests can drive commands without global mocks.
 * @module
 */
import { plainReason } from "../files.ts";
import type { ReportAppend } from "../report/mod.ts";
import { quote } from "../suggest.ts";
import { terminalText } from "../terminal_text.ts";

/** What a command may touch. */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard error is an interactive terminal (progress line). */
  isTty: boolean;
  /**
   * Whether each stream wants colors: a terminal, NO_COLOR unset, and TERM
   * not `dumb`.
   */
  color: { out: boolean; err: boolean };
  /**
   * Whether the terminal can move its cursor (TERM is not `dumb`): only then
   * does the progress line redraw itself in place.
   */
  cursor: boolean;
  /**
   * Whether the locale's charset is UTF-8, so box drawing, emoji and `µs`
   * show; false for a C/POSIX or other locale, which gets ASCII.
   */
  unicode: boolean;
  /**
   * Each stream's terminal width in columns, read when asked (a terminal
   * can be resized); undefined when the stream is not a terminal.
   */
  columns: { readonly out?: number; readonly err?: number };
  /** An environment variable; undefined when it is unset or empty. */
  env(name: string): string | undefined;
  /** Appends text to a file, creating it when it is missing. */
  appendFile(path: string, text: string): Promise<void>;
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

/** What the environment says about the terminal. */
export interface TerminalEnv {
  /** NO_COLOR is set to something. */
  noColor: boolean;
  /** TERM is `dumb`: no colors, no cursor movement. */
  dumb: boolean;
  /** The locale's charset is UTF-8. */
  unicode: boolean;
}

/**
 * Reads NO_COLOR, TERM and the locale (LC_ALL, else LC_CTYPE, else LANG, as
 * POSIX orders them). A locale is UTF-8 when its charset says so
 * (`en_US.UTF-8`, `C.utf8`); `C`, `POSIX`, `en_US` or `de_DE.ISO-8859-1` are
 * not. With no locale set at all (Windows, many containers) the terminal
 * keeps its default, UTF-8.
 */
export function terminalEnv(
  env: (name: string) => string | undefined,
): TerminalEnv {
  const locale = ["LC_ALL", "LC_CTYPE", "LANG"]
    .map((name) => env(name) ?? "")
    .find((value) => value !== "");
  const charset = locale?.split("@")[0].split(".")[1] ?? "";
  return {
    noColor: (env("NO_COLOR") ?? "") !== "",
    dumb: env("TERM") === "dumb",
    unicode: locale === undefined || /^utf-?8$/i.test(charset),
  };
}

/** The real process. */
export function denoIo(): Io {
  const isTty = Deno.stderr.isTerminal();
  const { noColor, dumb, unicode } = terminalEnv((name) => Deno.env.get(name));
  const stdoutTty = Deno.stdout.isTerminal();
  return {
    out: writer(Deno.stdout),
    err: writer(Deno.stderr),
    isTty,
    color: {
      out: stdoutTty && !noColor && !dumb,
      err: isTty && !noColor && !dumb,
    },
    cursor: !dumb,
    unicode,
    columns: {
      get out() {
        return stdoutTty ? consoleColumns() : undefined;
      },
      get err() {
        return isTty ? consoleColumns() : undefined;
      },
    },
    env: (name) => Deno.env.get(name) || undefined,
    appendFile: (path, text) =>
      Deno.writeTextFile(path, text, { append: true, create: true }),
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

/** The terminal's width; undefined when it does not say (a size of 0). */
function consoleColumns(): number | undefined {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : undefined;
  } catch {
    return undefined;
  }
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

/**
 * Text that quotes the user (an error naming a file, a key, a value) made
 * safe for `io`'s terminal: each line's control and invisible characters
 * shown as escapes, the line breaks the tool wrote kept.
 */
export function quotedText(text: string, io: Pick<Io, "unicode">): string {
  return text.split("\n").map((line) =>
    terminalText(line, { unicode: io.unicode })
  ).join("\n");
}

/**
 * Appends what a format adds to the files GitHub names (job summary, step
 * outputs); says on standard error what was skipped when a variable is not
 * set, and names the file when an append fails.
 */
export async function appendEach(
  appends: readonly ReportAppend[],
  io: Io,
): Promise<void> {
  for (const { env, what, text } of appends) {
    const file = io.env(env);
    if (file === undefined) {
      io.err(`note: ${env} is not set: skipped writing the ${what}\n`);
      continue;
    }
    try {
      await io.appendFile(file, text);
    } catch (error) {
      throw new Error(
        `Cannot append the ${what} to $${env} ${quote(file, 200)}: ${
          plainReason(error)
        }`,
      );
    }
  }
}
