/**
 * A durable record of acknowledged commits: one JSON line per commit,
 * appended after the commit and before the caller is told it succeeded. After
 * a crash, every line must be found in the database.
 * @module
 */

/** One acknowledged commit. */
export interface Ack {
  /** Entity id. */
  e: string;
  /** The entity's version after the commit. */
  v: number;
  /** Transition-log row id. */
  t: number;
  /** Outbox message id. */
  m: number;
}

/** Options of {@link AckLog.open}. */
export interface AckLogOptions {
  /**
   * fsync each append: durable across power loss, like
   * `synchronous = full`. Without it an append survives a killed process
   * (the bytes are in the OS) but not a power cut, like `synchronous =
   * normal` in WAL. Default false.
   */
  sync?: boolean;
}

const encoder = new TextEncoder();

/**
 * An append-only file of {@link Ack} lines, written synchronously.
 *
 * @example
 * ```ts
 * import { AckLog, readAckLog } from "./ack_log.ts";
 * const path = await Deno.makeTempFile();
 * using log = AckLog.open(path);
 * log.append({ e: "o-1", v: 2, t: 7, m: 7 });
 * console.log(readAckLog(path).acks.length); // 1
 * ```
 */
export class AckLog implements Disposable {
  #file: Deno.FsFile;
  #sync: boolean;
  #count = 0;

  private constructor(file: Deno.FsFile, sync: boolean) {
    this.#file = file;
    this.#sync = sync;
  }

  /** Opens (creating) the file for appending. */
  static open(path: string, options: AckLogOptions = {}): AckLog {
    const file = Deno.openSync(path, { append: true, create: true });
    return new AckLog(file, options.sync ?? false);
  }

  /** Lines appended through this handle. */
  get count(): number {
    return this.#count;
  }

  /**
   * Appends one line; returns once the OS has it (and the disk, with `sync`).
   *
   * Synchronous on purpose: the ack must be durable before the caller tells
   * anyone the commit succeeded, so there is nothing else this task could
   * do meanwhile. The cost is that the write (and, with `sync`, the fsync,
   * often milliseconds) blocks this thread's event loop, stalling its other
   * tasks too; with one connection per worker thread that is the same
   * serialization the database's own `synchronous = full` commit imposes.
   */
  append(ack: Ack): void {
    let bytes = encoder.encode(`${JSON.stringify(ack)}\n`);
    while (bytes.length > 0) {
      bytes = bytes.subarray(this.#file.writeSync(bytes));
    }
    if (this.#sync) this.#file.syncDataSync();
    this.#count++;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** What {@link readAckLog} found. */
export interface AckLogContents {
  /** Complete lines, in order. */
  acks: Ack[];
  /** True when the last line was cut short (a crash mid-append): ignored. */
  torn: boolean;
}

/**
 * Reads an ack file; a last line without its newline (a crash mid-append)
 * is left out, since its commit was never acknowledged.
 */
export function readAckLog(path: string): AckLogContents {
  const text = Deno.readTextFileSync(path);
  const lines = text.split("\n");
  const torn = lines.at(-1) !== "";
  const acks = lines.slice(0, -1).map((line, i) => {
    try {
      return JSON.parse(line) as Ack;
    } catch (error) {
      throw new SyntaxError(
        `Cannot read ack log "${path}": line ${i + 1} is not JSON`,
        { cause: error },
      );
    }
  });
  return { acks, torn };
}
