import { relative } from "node:path";
import { TARGETS } from "../components/mod.ts";
import { builtinFiles } from "./_builtin.ts";
import { loadFile } from "./_scenarios.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import type { Io } from "./io.ts";
import { table } from "../report/mod.ts";

/** `tensile list`: built-in scenarios one line each, then the targets. */
export async function listCommand(io: Io): Promise<ExitCode> {
  const rows: string[][] = [["scenario", "suite", "target", "description"]];
  for (const file of builtinFiles()) {
    for (const plan of await loadFile(file)) {
      rows.push([
        plan.name,
        plan.suite ?? relative(Deno.cwd(), file),
        plan.target,
        plan.description.split("\n")[0],
      ]);
    }
  }
  io.out(table(rows).join("\n") + "\n\n");
  const targets: string[][] = [["target", "ops", "invariants", "counters"]];
  for (const target of Object.values(TARGETS)) {
    targets.push([
      target.name,
      Object.keys(target.ops).join(", "),
      Object.keys(target.invariants ?? {}).join(", ") || "-",
      Object.keys(target.counters ?? {}).join(", ") || "-",
    ]);
  }
  io.out(table(targets).join("\n") + "\n");
  return EXIT.ok;
}
