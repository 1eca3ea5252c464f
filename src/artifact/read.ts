/**
 * Reading an artifact back: `tensile report`, and later merge and compare,
 * start from a file on disk and trust nothing in it until it parses.
 * @module
 */
import { plainReason, readRegularFile } from "../files.ts";
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
    text = new TextDecoder().decode(
      await readRegularFile(path, { maxBytes, what: "an artifact" }),
    );
  } catch (error) {
    throw new ArtifactError(
      path,
      `Cannot read artifact "${path}": ${plainReason(error)}`,
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

/**
 * Whether an artifact measured nothing, so it carries no verdict whatever it
 * says (an artifact with no scenarios once read as A+).
 */
export function measuredNothing(artifact: Artifact): boolean {
  return artifact.scenarios.length === 0 ||
    artifact.verdict === "NO MEASUREMENT";
}
