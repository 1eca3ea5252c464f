/**
 * Cold-start figures (`deno task bench`): the wall time of a fresh
 * `deno run main.ts --version`, `--help` and `validate` process, beside a
 * trivial script (what `deno run` itself costs on this machine). Goal for
 * `--version`: under 100 ms through `deno run`.
 *
 * Each command runs once to warm Deno's module cache, then RUNS times; the
 * median and the fastest are printed. Prints figures only: no assertion, so
 * a loaded machine cannot fail it.
 * @module
 */
import { fileURLToPath } from "node:url";

const RUNS = 10;
const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function wallMs(args: string[]): Promise<number> {
  const start = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`deno ${args.join(" ")} exited ${code}`);
  return ms;
}

const trivial = await Deno.makeTempFile({ suffix: ".ts" });
await Deno.writeTextFile(trivial, "console.log(1);\n");

const CASES: [name: string, args: string[]][] = [
  ["deno run (trivial script)", ["run", trivial]],
  ["tensile --version", ["run", "-A", "main.ts", "--version"]],
  ["tensile --help", ["run", "-A", "main.ts", "--help"]],
  [
    "tensile validate calibrate.yaml",
    ["run", "-A", "main.ts", "validate", "scenarios/calibrate.yaml"],
  ],
];

console.log(`cold start: wall time of a fresh process, ${RUNS} runs each`);
try {
  for (const [name, args] of CASES) {
    await wallMs(args);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await wallMs(args));
    times.sort((a, b) => a - b);
    const median = (times[(RUNS - 1) >> 1] + times[RUNS >> 1]) / 2;
    console.log(
      `  ${name.padEnd(34)} median ${median.toFixed(1).padStart(6)} ms` +
        `   fastest ${times[0].toFixed(1).padStart(6)} ms`,
    );
  }
} finally {
  await Deno.remove(trivial);
}
