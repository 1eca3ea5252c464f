/**
 * `deno task compile [target...]`: builds the single-file binary for every
 * release target (or the ones named) into `dist/`, with one flag list.
 *
 * The permissions are the `stress` task's own, read from deno.json, so the
 * binary can do exactly what `deno task stress` can. The worker entry and the
 * built-in scenario files are not reached by static imports, so they are
 * included by name.
 * @module
 */
import { fileURLToPath } from "node:url";

/** Release targets: asset name suffix → Rust target triple. */
export const COMPILE_TARGETS: Readonly<Record<string, string>> = {
  "linux-x64": "x86_64-unknown-linux-gnu",
  "linux-arm64": "aarch64-unknown-linux-gnu",
  "macos-x64": "x86_64-apple-darwin",
  "macos-arm64": "aarch64-apple-darwin",
  "windows-x64": "x86_64-pc-windows-msvc",
};

/**
 * Files the binary needs that no static import reaches: the worker entry
 * (started by URL) and the built-in scenario files (read from a folder found
 * through `import.meta.url`, which the binary serves from its embedded file
 * system). The HTML report inlines its SVG, so it needs no asset.
 */
export const INCLUDES: readonly string[] = ["src/worker.ts", "scenarios"];

/**
 * Files the source resolves through `import.meta.url` that the binary leaves
 * out, with the reason (compile_test.ts checks every other one is included).
 */
export const NOT_INCLUDED: Readonly<Record<string, string>> = {
  "schema/scenario.schema.json":
    "only `tensile schema --write` touches it, in a checkout",
  "schema/result.schema.json":
    "only `tensile schema --write` touches it, in a checkout",
  "schema/compare.schema.json":
    "only `tensile schema --write` touches it, in a checkout",
};

/** The flags between `deno run` and `main.ts` in the `stress` task. */
export function stressFlags(stressTask: string): string[] {
  const words = stressTask.trim().split(/\s+/);
  const start = words.indexOf("run");
  const end = words.indexOf("main.ts");
  if (words[0] !== "deno" || start !== 1 || end < start) {
    throw new SyntaxError(
      `Cannot read the stress task "${stressTask}": expected "deno run <flags> main.ts"`,
    );
  }
  return words.slice(start + 1, end);
}

/** The `deno compile` arguments for one target. */
export function compileArgs(name: string, flags: readonly string[]): string[] {
  const triple = COMPILE_TARGETS[name];
  if (triple === undefined) {
    throw new RangeError(
      `Unknown compile target "${name}": expected one of ${
        Object.keys(COMPILE_TARGETS).join(", ")
      }`,
    );
  }
  const exe = name.startsWith("windows") ? ".exe" : "";
  return [
    "compile",
    ...flags,
    ...INCLUDES.flatMap((path) => ["--include", path]),
    "--target",
    triple,
    "--output",
    `dist/tensile-${name}${exe}`,
    "main.ts",
  ];
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  const flags = stressFlags(config.tasks.stress);
  const names = Deno.args.length > 0 ? Deno.args : Object.keys(COMPILE_TARGETS);
  for (const name of names) {
    let args: string[];
    try {
      args = compileArgs(name, flags);
    } catch (error) {
      console.error((error as Error).message);
      Deno.exit(2);
    }
    console.error(`deno ${args.join(" ")}`);
    const { code } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: root,
    }).spawn().status;
    if (code !== 0) Deno.exit(code);
  }
}
