/**
 * Dumps of the context: one {@link ContextSnapshot} rendered as JSON, YAML
 * or NDJSON and written atomically (a temporary file in the same folder,
 * then a rename) into the dump folder the server was started with.
 * @module
 */
import { join } from "node:path";
import { stringify } from "yaml";
import type { ContextSnapshot } from "./_store.ts";

/** The dump formats. */
export const DUMP_FORMATS = ["json", "yaml", "ndjson"] as const;

/** A dump format. */
export type DumpFormat = typeof DUMP_FORMATS[number];

/** Whether `name` is a {@link DumpFormat}. */
export function isDumpFormat(name: string): name is DumpFormat {
  return (DUMP_FORMATS as readonly string[]).includes(name);
}

/**
 * The dump's text. `json`: `{"version":S,"entries":[{"key","value",
 * "version"},...]}`; `yaml`: the same document in YAML; `ndjson`: a header
 * line `{"version":S,"keys":N}`, then one entry per line.
 */
export function renderDump(
  snapshot: ContextSnapshot,
  format: DumpFormat,
): string {
  switch (format) {
    case "json":
      return JSON.stringify(snapshot) + "\n";
    case "yaml":
      return stringify(snapshot);
    case "ndjson": {
      const lines = [
        JSON.stringify({
          version: snapshot.version,
          keys: snapshot.entries.length,
        }),
      ];
      for (const entry of snapshot.entries) lines.push(JSON.stringify(entry));
      return lines.join("\n") + "\n";
    }
    default: {
      const never: never = format;
      throw new TypeError(`Unknown dump format "${never}"`);
    }
  }
}

/**
 * Writes `text` as `dir/name`: first to a temporary file beside it, flushed
 * to disk, then renamed over the name, so a reader sees the whole old file
 * or the whole new one, never a part. Returns the file's path.
 */
export async function writeAtomically(
  dir: string,
  name: string,
  text: string,
): Promise<string> {
  const path = join(dir, name);
  const temp = join(dir, `.${name}.${crypto.randomUUID()}.tmp`);
  try {
    using file = await Deno.open(temp, { write: true, createNew: true });
    const bytes = new TextEncoder().encode(text);
    let offset = 0;
    while (offset < bytes.length) {
      offset += await file.write(bytes.subarray(offset));
    }
    await file.sync();
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  return path;
}
