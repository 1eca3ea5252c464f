import { dirname, join } from "node:path";

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

/** The artifact as pretty JSON, ending with a newline. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
