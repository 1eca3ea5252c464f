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
 * An Io that records what a command writes. By default neither stream is a
 * terminal (no progress, no colors, no width) and the locale is UTF-8;
 * `traits` plays another terminal.
 */
export function captureIo(
  traits: Partial<TerminalTraits> = {},
): { io: Io; out(): string; err(): string } {
  let out = "";
  let err = "";
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
      now: () => new Date(),
      onSignal: () => () => {},
      exit: (code) => {
        throw new Error(`exit ${code}`);
      },
    },
    out: () => out,
    err: () => err,
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
