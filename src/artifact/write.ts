/**
 * Writing the artifact (and the files made from it) so that a reader never
 * sees half a file, even after a crash or Ctrl-C.
 * @module
 */
import { dirname, join } from "node:path";
import type { Artifact } from "./schema.ts";

/**
 * Writes a file atomically: a temp file in the same directory, then a rename,
 * so a reader never sees half a file, even after a crash or Ctrl-C.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(
    dir,
    `.${crypto.randomUUID()}.tmp`,
  );
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/**
 * Pretty JSON ending with a newline: how `result.json` and the JSON Schemas
 * are written, and what the `json` report prints.
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Writes the artifact as `result.json` text, atomically. */
export function writeArtifact(path: string, artifact: Artifact): Promise<void> {
  return writeFileAtomic(path, formatJson(artifact));
}

/**
 * {@link writeArtifact} for a process about to exit, which cannot wait for
 * a promise: the same temp file and rename, synchronously.
 */
export function writeArtifactSync(path: string, artifact: Artifact): void {
  const temp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    Deno.writeTextFileSync(temp, formatJson(artifact));
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // never written
    }
    throw error;
  }
}
