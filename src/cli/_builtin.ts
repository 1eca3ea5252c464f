import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** Where the built-in scenario files live (also inside a compiled binary). */
export const BUILTIN_DIR = fromFileUrl(
  new URL("../../scenarios/", import.meta.url),
);

/** The built-in scenario files, sorted by name. */
export function builtinFiles(): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(BUILTIN_DIR)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) {
      files.push(join(BUILTIN_DIR, entry.name));
    }
  }
  return files.sort();
}

/** The built-in file for a name such as `calibrate`, if there is one. */
export function builtinFile(name: string): string | undefined {
  return builtinFiles().find((file) =>
    file.endsWith(`/${name}.yaml`) || file.endsWith(`\\${name}.yaml`)
  );
}
