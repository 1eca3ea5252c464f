/**
 * The built-in context server, started for a run in its own process, so its
 * CPU and memory are the system under test's and are sampled apart from the
 * load generator's.
 *
 * The command comes from the CLI (`RunInfo.self`): from source the child is
 * `deno run <flags> main.ts serve ...`, from a compiled binary the binary
 * itself with `serve ...`. The child prints one JSON line first
 * (`{"url","token","pid"}`).
 *
 * Sampling reads `/proc/<pid>/status` (VmRSS) and `/proc/<pid>/stat` (utime
 * + stime) every 100 ms on Linux, through one small `sh` loop (Deno asks for
 * --allow-all to read another process's `/proc` files itself; a child that
 * reads them needs only --allow-run). Elsewhere there is no `/proc`: the
 * server still runs and is loaded, but `server.*` figures are not measured
 * (a threshold on them then has no value to grade) and `loopback_listen`
 * judges the announced URL only.
 * @module
 */
import type { ProcessFigures, SelfCommand } from "../../target.ts";

/** How to start the server. */
export interface ServerStart {
  /** How to run tensile (`RunInfo.self`); `serve ...` is appended. */
  self: SelfCommand;
  /** Where dumps are written (the server's `--dump-dir`). */
  dumpDir: string;
  /** A deliberate server defect (`--defect`), or undefined. */
  defect?: string;
  /** Extra arguments after `serve` (such as a bind address). */
  args?: readonly string[];
  /** Gives up waiting for the first line when aborted. */
  signal?: AbortSignal;
  /** How long the first line may take; default 15 s. */
  startMs?: number;
}

/** What the server's first stdout line says. */
export interface ServerHello {
  /** Base URL, `http://127.0.0.1:PORT`. */
  url: string;
  /** The bearer token every request needs. */
  token: string;
  /** The server's process id. */
  pid: number;
}

const SAMPLE_MS = 100;

/** A running context server process; dispose it to stop it. */
export class ServerProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #stderr: string[] = [];
  /** What the server announced. */
  readonly hello: ServerHello;
  #watch: ProcWatch;
  #start?: Sample;
  #exited = false;

  private constructor(child: Deno.ChildProcess, hello: ServerHello) {
    this.#child = child;
    this.hello = hello;
    this.#watch = new ProcWatch(child.pid);
    child.status.then(() => this.#exited = true);
  }

  /** Starts the server and waits for its first line. */
  static async start(options: ServerStart): Promise<ServerProcess> {
    const args = ["--port", "0", "--dump-dir", options.dumpDir];
    if (options.defect) args.push("--defect", options.defect);
    args.push(...options.args ?? []);
    const command = options.self.command;
    const argv = [...options.self.args, "serve", ...args];
    const child = new Deno.Command(command, {
      args: argv,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr: string[] = [];
    drain(child.stderr, stderr);
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const ms = options.startMs ?? 15_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no first line within ${ms} ms`)),
        ms,
      );
      options.signal?.addEventListener(
        "abort",
        () => reject(new Error("stopped while starting")),
        { once: true },
      );
    });
    let text = "";
    try {
      while (!text.includes("\n")) {
        const { value, done } = await Promise.race([reader.read(), giveUp]);
        if (done) throw new Error("it exited before printing its first line");
        text += value;
      }
    } catch (error) {
      clearTimeout(timer);
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      throw new Error(
        `Cannot start the context server (${command} ${argv.join(" ")}): ${
          (error as Error).message
        }${stderr.length ? `: ${stderr.join("").trim().slice(0, 500)}` : ""}`,
      );
    }
    clearTimeout(timer);
    // The rest of stdout is read and dropped, so the pipe never fills.
    reader.releaseLock();
    child.stdout.pipeTo(new WritableStream()).catch(() => {});
    const line = text.slice(0, text.indexOf("\n"));
    let hello: ServerHello;
    try {
      hello = JSON.parse(line);
      if (typeof hello.url !== "string" || typeof hello.token !== "string") {
        throw new Error("expected url and token");
      }
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(
        `The context server's first line is not {"url","token","pid"}: ${
          JSON.stringify(line.slice(0, 200))
        } (${(error as Error).message})`,
      );
    }
    const server = new ServerProcess(child, { ...hello, pid: child.pid });
    server.#stderr.push(...stderr);
    await server.#watch.first();
    return server;
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Marks the start of the measured load (the newest sample, ≤ 100 ms old). */
  begin(): void {
    this.#start = this.#watch.latest;
    this.#watch.peak = this.#start?.rss ?? 0;
  }

  /** The figures since {@link begin}, or undefined where /proc is missing. */
  end(): ProcessFigures | undefined {
    const sample = this.#watch.latest;
    const start = this.#start;
    if (!sample || !start || sample === start) return undefined;
    const seconds = Math.max(1e-9, (sample.at - start.at) / 1000);
    return {
      rss_start: start.rss,
      rss_end: sample.rss,
      rss_peak: Math.max(this.#watch.peak, sample.rss),
      cpu: (sample.cpu - start.cpu) / seconds,
    };
  }

  /** Addresses the server's process listens on (Linux), as `host:port`. */
  async listening(): Promise<string[] | undefined> {
    return await listenAddresses(this.pid);
  }

  /** Stops the server: SIGTERM, then SIGKILL after 3 s. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#watch.close();
    if (this.#exited) return;
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((resolve) => timer = setTimeout(resolve, 3000));
    await Promise.race([this.#child.status, late]);
    clearTimeout(timer);
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
      await this.#child.status;
    }
  }
}

async function drain(stream: ReadableStream<Uint8Array>, into: string[]) {
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      if (into.join("").length < 4000) into.push(chunk);
    }
  } catch { /* closed */ }
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** One reading of a process: RSS in bytes, CPU seconds, when it arrived. */
interface Sample {
  rss: number;
  cpu: number;
  at: number;
}

/**
 * Samples a process's RSS and CPU time every 100 ms through one `sh` loop
 * that prints its /proc files; keeps the newest sample and the peak RSS.
 */
class ProcWatch {
  readonly #child: Deno.ChildProcess | undefined;
  readonly #done: Promise<void>;
  latest: Sample | undefined;
  peak = 0;
  #first!: () => void;
  readonly #firstSeen = new Promise<void>((resolve) => this.#first = resolve);

  constructor(pid: number) {
    const script = `while [ -r /proc/${pid}/stat ]; do ` +
      `cat /proc/${pid}/stat /proc/${pid}/status 2>/dev/null; echo @@; ` +
      `sleep ${SAMPLE_MS / 1000}; done`;
    try {
      this.#child = new Deno.Command("sh", {
        args: ["-c", script],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
    } catch {
      this.#child = undefined; // no sh: nothing measured
    }
    this.#done = this.#read();
  }

  /** Resolves at the first sample, or after 2 s without one. */
  async first(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#firstSeen,
      new Promise((resolve) => timer = setTimeout(resolve, 2000)),
    ]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    try {
      this.#child?.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#child?.status;
    await this.#done;
  }

  async #read(): Promise<void> {
    if (!this.#child) return this.#first();
    let text = "";
    try {
      for await (
        const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())
      ) {
        text += chunk;
        let end: number;
        while ((end = text.indexOf("@@\n")) >= 0) {
          const sample = parseSample(text.slice(0, end));
          text = text.slice(end + 3);
          if (!sample) continue;
          this.latest = sample;
          this.peak = Math.max(this.peak, sample.rss);
          this.#first();
        }
      }
    } catch { /* the loop was stopped */ }
    this.#first();
  }
}

/** A sample from `/proc/<pid>/stat` followed by `/proc/<pid>/status`. */
function parseSample(text: string): Sample | undefined {
  const rss = /VmRSS:\s+(\d+) kB/.exec(text);
  const close = text.indexOf(")");
  if (!rss || close < 0) return undefined;
  // Fields after the command name, which may hold spaces: ") S ppid ..."
  const fields = text.slice(close + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  if (!Number.isFinite(ticks)) return undefined;
  return {
    rss: Number(rss[1]) * 1024,
    cpu: ticks / CLOCK_TICKS,
    at: performance.now(),
  };
}

/**
 * The TCP addresses a process listens on, from its socket inodes and its
 * /proc/<pid>/net/tcp{,6} (Linux, read by `sh`); undefined where they
 * cannot be read.
 */
export async function listenAddresses(
  pid: number,
): Promise<string[] | undefined> {
  const script = `for f in /proc/${pid}/fd/*; do readlink "$f"; done; ` +
    `echo @@; cat /proc/${pid}/net/tcp /proc/${pid}/net/tcp6 2>/dev/null`;
  let text: string;
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", script],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    text = new TextDecoder().decode(out.stdout);
  } catch {
    return undefined;
  }
  const split = text.indexOf("@@\n");
  if (split < 0) return undefined;
  const inodes = new Set(
    [...text.slice(0, split).matchAll(/socket:\[(\d+)\]/g)].map((m) => m[1]),
  );
  const rows = text.slice(split + 3).trim().split("\n")
    .filter((row) => /^\s*\d+:/.test(row));
  if (inodes.size === 0 && rows.length === 0) return undefined;
  const found: string[] = [];
  for (const row of rows) {
    const cols = row.trim().split(/\s+/);
    // sl local_address rem_address st ... inode (the 10th column)
    if (cols[3] !== "0A" || !inodes.has(cols[9])) continue;
    found.push(hexAddress(cols[1]));
  }
  return found;
}

/** `0100007F:1F90` → `127.0.0.1:8080`; IPv6 words likewise. */
function hexAddress(hex: string): string {
  const [addr, port] = hex.split(":");
  const p = parseInt(port, 16);
  if (addr.length === 8) {
    const bytes = addr.match(/../g)!.map((h) => parseInt(h, 16)).reverse();
    return `${bytes.join(".")}:${p}`;
  }
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = addr.slice(i, i + 8).match(/../g)!.reverse().join("");
    words.push(word.slice(0, 4), word.slice(4));
  }
  const v6 = words.map((w) => parseInt(w, 16).toString(16)).join(":")
    .replace(/(^|:)0(:0)+(:|$)/, "::");
  return `[${v6}]:${p}`;
}

/** Whether a listen address (`host:port`) is on loopback. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(":"));
  return host.startsWith("127.") || host === "[::1]" ||
    host === "[::ffff:127.0.0.1]";
}
