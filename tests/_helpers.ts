/**
 * Shared test helpers: an in-memory Io for driving the CLI in-process, and a
 * spawner for the real CLI process.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Io } from "../src/cli/mod.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** What a captured Io says about its terminal. */
export type TerminalTraits = Pick<
  Io,
  "isTty" | "color" | "cursor" | "unicode" | "columns"
>;

/**
 * An Io that records what a command writes, to its streams and to files it
 * appends to. By default neither stream is a terminal (no progress, no
 * colors, no width), the locale is UTF-8 and no environment variable is set;
 * `traits` plays another terminal, `env` sets variables.
 */
export function captureIo(
  traits: Partial<TerminalTraits> = {},
  env: Readonly<Record<string, string>> = {},
): {
  io: Io;
  out(): string;
  err(): string;
  appended(): Record<string, string>;
} {
  let out = "";
  let err = "";
  const appended: Record<string, string> = {};
  return {
    io: {
      out: (text) => void (out += text),
      err: (text) => void (err += text),
      isTty: false,
      color: { out: false, err: false },
      cursor: true,
      unicode: true,
      columns: {},
      ...traits,
      env: (name) =>
        Object.hasOwn(env, name) ? env[name] || undefined : undefined,
      appendFile: (path, text) => {
        appended[path] = (appended[path] ?? "") + text;
        return Promise.resolve();
      },
      now: () => new Date(),
      onSignal: () => () => {},
      exit: (code) => {
        throw new Error(`exit ${code}`);
      },
    },
    out: () => out,
    err: () => err,
    appended: () => ({ ...appended }),
  };
}

/** Starts the real CLI (`main.ts`) as a child process. */
export function spawnCli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--v8-flags=--expose-gc",
      `${ROOT}main.ts`,
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Runs the real CLI to the end. */
export async function runCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await spawnCli(args).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir(
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
