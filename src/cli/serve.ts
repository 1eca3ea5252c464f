import {
  type ContextDefect,
  type ContextServer,
  serve,
} from "../components/context_server/mod.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { type Io, quotedText } from "./io.ts";

/** Options of `tensile serve`, as parsed. */
export interface ServeCommandOptions {
  port: number;
  host: string;
  allowRemote: boolean;
  token?: string;
  db?: string;
  dumpDir?: string;
  maxBody: number;
  defect?: string;
}

/** A signal repeated within this long is the same key press twice. */
const REPEAT_MS = 1000;

/**
 * `tensile serve`: runs the context server until SIGINT/SIGTERM. The first
 * stdout line is `{"url","token","pid"}`; logs go to stderr. Exit codes:
 * 0 after a graceful stop, 2 for bad options, 3 when it cannot start (the
 * port is taken, the database cannot be opened), 130 when the grace period
 * ran out or a second signal forced the stop.
 */
export async function serveCommand(
  options: ServeCommandOptions,
  io: Io,
): Promise<ExitCode> {
  let server: ContextServer;
  try {
    server = await serve({
      port: options.port,
      host: options.host,
      allowRemote: options.allowRemote,
      token: options.token,
      db: options.db,
      dumpDir: options.dumpDir,
      maxBody: options.maxBody,
      defect: options.defect as ContextDefect | undefined,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${quotedText(message, io)}\n`);
    return error instanceof RangeError ? EXIT.usage : EXIT.runtime;
  }
  io.out(
    JSON.stringify({ url: server.url, token: server.token, pid: Deno.pid }) +
      "\n",
  );
  if (!["127.0.0.1", "localhost", "::1"].includes(options.host)) {
    io.err(
      `warning: serving on ${
        quotedText(options.host, io)
      }, reachable from other machines; anyone with the token can read and write the context\n`,
    );
  }
  if (options.defect !== undefined && options.defect !== "none") {
    io.err(
      `warning: defect "${options.defect}" is planted: this server is broken on purpose\n`,
    );
  }
  io.err(
    `tensile serve: listening on ${server.url}${
      options.db ? `, context in ${quotedText(options.db, io)}` : ""
    }${
      options.dumpDir ? `, dumps into ${quotedText(options.dumpDir, io)}` : ""
    } (Ctrl-C to stop)\n`,
  );
  const { promise: stopped, resolve } = Promise.withResolvers<string>();
  let first = 0;
  const removeSignals = io.onSignal((stop) => {
    if (first === 0) {
      first = performance.now();
      resolve(stop);
    } else if (
      stop !== "parent-exit" && performance.now() - first >= REPEAT_MS
    ) {
      io.err("Stopping now\n");
      io.exit(EXIT.interrupted);
    }
  });
  try {
    const why = await stopped;
    io.err(
      `Stopping (${why}): finishing ${server.inFlight} request(s) in flight (Ctrl-C again to quit now)\n`,
    );
    const result = await server.close();
    if (result.forced) {
      io.err(
        `Stopped hard after the grace period: ${result.abandoned} request(s) abandoned\n`,
      );
      return EXIT.interrupted;
    }
    io.err("Stopped\n");
    return EXIT.ok;
  } finally {
    removeSignals();
  }
}
