/**
 * Reading a file a user named, safely: regular files only, under a size
 * cap, with the reason in plain words. Part of the shared kernel: scenario
 * files and artifacts are both read through it.
 * @module
 */

/** Refused before or while reading: not a regular file, or too large. */
export class FileRefused extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "FileRefused";
  }
}

/** How to read a file the user named. */
export interface ReadFileOptions {
  /** The most bytes to read; a larger file is refused. */
  maxBytes: number;
  /** What the file should be, for messages: `"an artifact"`. */
  what: string;
}

/**
 * The file's bytes, read only if it is a regular file and no larger than
 * `maxBytes`. Stat first, so a FIFO, a device or a directory is never opened
 * (opening a FIFO blocks until a writer comes); stat again once open, in case
 * the path changed in between; and stop reading past the cap, since a size
 * can lie (files under /proc say 0).
 * @throws {FileRefused} when the file is not regular or too large; the
 * system's errors (not found, permission denied) otherwise
 */
export async function readRegularFile(
  path: string,
  options: ReadFileOptions,
): Promise<Uint8Array> {
  checkRegular(await Deno.stat(path), options);
  using file = await Deno.open(path);
  checkRegular(await file.stat(), options);
  const { maxBytes } = options;
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const chunk = new Uint8Array(Math.min(64 * 1024, maxBytes + 1 - total));
    const n = await file.read(chunk);
    if (n === null) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw new FileRefused(tooLarge(options));
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * Why a file operation failed, in plain words: the system's reason without
 * Deno's `(os error 2): stat '...'` tail, and no permission flags to pass to
 * Deno (a user of tensile has none to pass).
 */
export function plainReason(error: unknown): string {
  if (error instanceof FileRefused) return error.message;
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) {
    return "permission denied";
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ \(os error \d+\)[\s\S]*$/, "");
}

function checkRegular(info: Deno.FileInfo, options: ReadFileOptions): void {
  if (!info.isFile) {
    const kind = kindOf(info);
    throw new FileRefused(`not a regular file${kind ? ` (${kind})` : ""}`);
  }
  if (info.size > options.maxBytes) throw new FileRefused(tooLarge(options));
}

function kindOf(info: Deno.FileInfo): string | undefined {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return undefined;
}

function tooLarge(options: ReadFileOptions): string {
  const mib = options.maxBytes / (1024 * 1024);
  const limit = Number.isInteger(mib)
    ? `${mib} MiB`
    : `${options.maxBytes} bytes`;
  return `larger than the ${limit} limit for ${options.what}`;
}
