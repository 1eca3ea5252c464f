/**
 * Cold start: `tensile --version`, `--help` and `validate` must not load the
 * engine, SQLite or the histogram WebAssembly. Deno loads a module's static
 * imports before running it and a dynamic `import()` only when it runs, so
 * what a path loads is the static graph of its entry. `deno info --json`
 * gives that graph; edges that are type-only (erased) or dynamic are left out.
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import denoJson from "../deno.json" with { type: "json" };
import { ROOT } from "./_helpers.ts";

interface InfoDependency {
  code?: { specifier: string };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  dependencies?: InfoDependency[];
}
interface Info {
  roots: string[];
  modules: InfoModule[];
  redirects: Record<string, string>;
}

/** Every module `entry` loads before its first line runs. */
async function staticGraph(entry: string): Promise<Set<string>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info: Info = JSON.parse(new TextDecoder().decode(stdout));
  const resolve = (s: string) => info.redirects[s] ?? s;
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = info.roots.map(resolve);
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) queue.push(resolve(dep.code.specifier));
    }
  }
  return seen;
}

/** What must stay out of the light path, and how to spot it in the graph. */
const HEAVY: [what: string, matches: (specifier: string) => boolean][] = [
  ["SQLite (node:sqlite)", (s) => s === "node:sqlite"],
  [
    "the histogram WebAssembly (hdr-histogram-js)",
    (s) => /hdr-histogram-js/.test(s),
  ],
  ["the engine (src/engine/)", (s) => s.includes("/src/engine/")],
  ["the stats part (src/stats/)", (s) => s.includes("/src/stats/")],
  ["the report printers (src/report/)", (s) => s.includes("/src/report/")],
];

function heavyIn(graph: Set<string>): string[] {
  return HEAVY.filter(([, matches]) => [...graph].some(matches)).map((
    [what],
  ) => what);
}

const src = (path: string) => pathToFileURL(`${ROOT}${path}`).href;

Deno.test("main.ts loads neither engine, SQLite nor histograms before a command runs", async () => {
  const graph = await staticGraph("main.ts");
  assert.ok(graph.has(src("src/cli/mod.ts")), "the graph follows main.ts");
  assert.deepEqual(heavyIn(graph), []);
  // Parsing needs commander only: the scenario loader (zod, yaml) and the
  // targets load with the command that needs them. An option parser that
  // needs more belongs in the command (or in a light file).
  const npm = [...graph].filter((s) => s.startsWith("npm:"))
    .map((s) => s.replace(/^npm:\/?/, "").replace(/@[^@/]*$/, ""));
  assert.deepEqual(npm, ["@commander-js/extra-typings"]);
  const parts = [...graph].filter((s) =>
    /\/src\/(scenario|components|executors|grade|artifact)\//.test(s)
  );
  assert.deepEqual(parts, []);
  // No command module is reached statically: each action imports its own.
  const commands = [...graph].filter((s) =>
    /\/src\/cli\/(run|validate|list|schema|report|merge)\.ts$/.test(s)
  );
  assert.deepEqual(commands, []);
});

Deno.test("tensile validate loads neither engine, SQLite nor histograms", async () => {
  const graph = await staticGraph("src/cli/validate.ts");
  // It does load what validating needs: the scenario loader and the targets.
  assert.ok(graph.has(src("src/scenario/mod.ts")));
  assert.ok(graph.has(src("src/components/mod.ts")));
  assert.deepEqual(heavyIn(graph), []);
});

Deno.test("tensile run's graph holds what the light path leaves out (the check can fail)", async () => {
  const graph = await staticGraph("src/cli/run.ts");
  assert.deepEqual(
    heavyIn(graph).filter((what) => !what.startsWith("SQLite")),
    HEAVY.map(([what]) => what).filter((what) => !what.startsWith("SQLite")),
  );
});

Deno.test("tensile --version prints deno.json's version", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(new URL("../main.ts", import.meta.url)),
      "--version",
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  assert.equal(new TextDecoder().decode(stdout).trim(), denoJson.version);
});
