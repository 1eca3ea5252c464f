/**
 * `deno task check:imports`: fails when a source file imports against the
 * data flow written in docs/architecture.md.
 *
 * Each folder of `src/` is a part; the files at the top of `src/` other than
 * the entries (`mod.ts`, `worker.ts`) are the shared kernel. A file may import
 * its own part, the kernel, npm packages, and the parts its part's row in
 * {@link ALLOWED} names, and another part only through its `mod.ts` door.
 * Tests, benchmarks and `testdata/` drive real parts together, so they may
 * import any part, but never `cli/` from outside it (end-to-end tests in
 * `tests/` run the CLI as a process).
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** Which parts each part may import, besides itself and the kernel. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  executors: [],
  stats: [],
  grade: ["stats"],
  scenario: ["executors", "grade"],
  engine: ["executors", "scenario", "stats"],
  artifact: ["executors", "scenario", "engine", "grade", "stats"],
  report: ["artifact"],
  components: [],
  cli: [
    "artifact",
    "components",
    "engine",
    "executors",
    "grade",
    "report",
    "scenario",
    "stats",
  ],
};

/** Files at the top of `src/` that may import anything: the entries. */
const ENTRIES = new Set(["mod.ts", "worker.ts"]);

/** One import that breaks the rules. */
export interface Violation {
  /** The importing file, relative to the repository. */
  file: string;
  /** 1-based line of the import. */
  line: number;
  /** The specifier as written. */
  specifier: string;
  /** Why it is refused. */
  reason: string;
}

/**
 * The part a path under `src/` belongs to: `kernel`, an entry (`entry`), a
 * component (`components/<name>`), or a top folder. `src` is the absolute
 * path of the `src/` folder.
 */
export function partOf(src: string, path: string): string {
  const parts = relative(src, path).split(/[\\/]/);
  if (parts[0].startsWith("..")) return "outside";
  if (parts.length === 1) return ENTRIES.has(parts[0]) ? "entry" : "kernel";
  if (parts[0] === "components" && parts.length > 2) {
    return `components/${parts[1]}`;
  }
  return parts[0];
}

/** Import and export specifiers in `text`, with their 1-based line. */
export function importsOf(
  text: string,
): { specifier: string; line: number }[] {
  // Comments hold examples (`import ... from "./mod.ts"`) that are not imports.
  const code = text.replace(
    /\/\*[\s\S]*?\*\//g,
    (c) => c.replace(/[^\n]/g, " "),
  )
    .replace(/(^|[^:"'])\/\/[^\n]*/g, "$1");
  const found: { specifier: string; line: number }[] = [];
  const pattern =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)["']([^"']+)["']/g;
  for (const match of code.matchAll(pattern)) {
    const line = code.slice(0, match.index).split("\n").length;
    found.push({ specifier: match[1], line });
  }
  return found;
}

/** Checks one file's imports; `root` is the repository, `file` absolute. */
export function checkFile(
  root: string,
  file: string,
  text: string,
): Violation[] {
  const src = join(root, "src");
  const from = partOf(src, file);
  const looser = /_(test|bench)\.ts$/.test(file) ||
    /[\\/]testdata[\\/]/.test(file);
  const violations: Violation[] = [];
  for (const { specifier, line } of importsOf(text)) {
    if (!specifier.startsWith(".")) continue; // npm:, node:, bare imports
    const target = resolve(dirname(file), specifier);
    const to = partOf(src, target);
    const refuse = (reason: string) =>
      violations.push({
        file: relative(root, file),
        line,
        specifier,
        reason,
      });
    if (to === "cli" && from !== "cli" && from !== "entry") {
      refuse("nothing imports cli/: it turns errors into exit codes");
      continue;
    }
    if (looser || from === "outside" || from === "entry" || from === to) {
      continue;
    }
    if (to === "outside" || to === "entry") {
      // deno.json is read for the tool's version.
      if (from !== "cli" && !specifier.endsWith("/deno.json")) {
        refuse("src/ parts import neither the entries nor files outside src/");
      }
      continue;
    }
    if (to === "kernel") {
      continue;
    }
    if (from === "kernel") {
      refuse("the kernel imports no part of the harness");
      continue;
    }
    const fromFolder = from.startsWith("components/") ? "components" : from;
    const toFolder = to.startsWith("components/") ? "components" : to;
    const door = /[\\/]mod\.ts$/.test(target);
    if (!door) {
      refuse(`import ${to}/ through its door, ${to}/mod.ts`);
      continue;
    }
    if (fromFolder === toFolder) continue; // one component uses another
    if (!(ALLOWED[fromFolder] ?? []).includes(toFolder)) {
      refuse(
        `${fromFolder}/ may not import ${toFolder}/ (allowed: ${
          [...(ALLOWED[fromFolder] ?? []), "kernel"].join(", ")
        })`,
      );
    }
  }
  return violations;
}

/** Every violation under `root/src`. */
export async function checkTree(root: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  for await (const file of walk(join(root, "src"))) {
    violations.push(...checkFile(root, file, await Deno.readTextFile(file)));
  }
  return violations;
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) {
  const root = resolve(dirname(fromFileUrl(import.meta.url)), "..");
  const violations = await checkTree(root);
  for (const v of violations) {
    console.error(`${v.file}:${v.line}: "${v.specifier}": ${v.reason}`);
  }
  if (violations.length > 0) {
    console.error(
      `${violations.length} import(s) against the data flow (docs/architecture.md)`,
    );
    Deno.exit(1);
  }
  console.log("imports follow the data flow");
}
