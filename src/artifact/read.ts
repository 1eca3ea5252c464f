/**
 * Reading an artifact back: `tensile report`, and later merge and compare,
 * start from a file on disk and trust nothing in it until it parses.
 * @module
 */
import { plainReason } from "../runtime.ts";
import { type Artifact, ARTIFACT_SCHEMA, ArtifactSchema } from "./schema.ts";

/** A file that cannot be read as an artifact: missing, not JSON, wrong shape. */
export class ArtifactError extends Error {
  /** The file that was read. */
  readonly path: string;
  /** Creates the error. */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ArtifactError";
    this.path = path;
  }
}

/** The largest artifact `readArtifact()` reads: 256 MiB. */
export const ARTIFACT_MAX_BYTES = 256 * 1024 * 1024;

/** How to read an artifact. */
export interface ReadArtifactOptions {
  /** Refuse a file larger than this many bytes; default ARTIFACT_MAX_BYTES. */
  maxBytes?: number;
}

/**
 * Reads and checks an artifact file. Only a regular file is read (a FIFO or
 * a device would block or never end), and at most `maxBytes` of it.
 * @throws {ArtifactError} when the file cannot be read, is not a regular
 * file, is too large, is not JSON, or is not a `tensile/result@1` document
 */
export async function readArtifact(
  path: string,
  options: ReadArtifactOptions = {},
): Promise<Artifact> {
  const maxBytes = options.maxBytes ?? ARTIFACT_MAX_BYTES;
  let text: string;
  try {
    text = await readRegularFile(path, maxBytes);
  } catch (error) {
    throw new ArtifactError(
      path,
      `Cannot read artifact "${path}": ${reason(error)}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(
      path,
      `Cannot read artifact "${path}": not JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
  const parsed = ArtifactSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ArtifactError(
      path,
      `Cannot read artifact "${path}": not a ${ARTIFACT_SCHEMA} file (${
        issue.path.join(".") || "top level"
      }: ${issue.message})`,
    );
  }
  return parsed.data;
}

/** Refused before or while reading: not a regular file, or too large. */
class Refused extends Error {}

/**
 * The file's text, read only if it is a regular file and no larger than
 * `maxBytes`. Stat first, so a FIFO, a device or a directory is never opened
 * (opening a FIFO blocks until a writer comes); stat again once open, in case
 * the path changed in between; and stop reading past the cap, since a size
 * can lie (files under /proc say 0).
 */
async function readRegularFile(
  path: string,
  maxBytes: number,
): Promise<string> {
  checkRegular(await Deno.stat(path), maxBytes);
  using file = await Deno.open(path);
  checkRegular(await file.stat(), maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const chunk = new Uint8Array(Math.min(64 * 1024, maxBytes + 1 - total));
    const n = await file.read(chunk);
    if (n === null) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw new Refused(tooLarge(maxBytes));
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

function checkRegular(info: Deno.FileInfo, maxBytes: number): void {
  if (!info.isFile) {
    const kind = kindOf(info);
    throw new Refused(`not a regular file${kind ? ` (${kind})` : ""}`);
  }
  if (info.size > maxBytes) throw new Refused(tooLarge(maxBytes));
}

function kindOf(info: Deno.FileInfo): string | undefined {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return undefined;
}

function tooLarge(maxBytes: number): string {
  return `larger than the ${formatLimit(maxBytes)} limit for an artifact`;
}

function formatLimit(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}

/** Why reading failed, in plain words. */
function reason(error: unknown): string {
  return error instanceof Refused ? error.message : plainReason(error);
}

/**
 * Whether an artifact measured nothing, so it carries no verdict whatever it
 * says (an artifact with no scenarios once read as A+).
 */
export function measuredNothing(artifact: Artifact): boolean {
  return artifact.scenarios.length === 0 ||
    artifact.verdict === "NO MEASUREMENT";
}
