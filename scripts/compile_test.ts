import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { COMPILE_TARGETS, compileArgs, stressFlags } from "./compile.ts";

Deno.test("compileArgs() gives every target the stress task's flags", () => {
  const flags = stressFlags(config.tasks.stress);
  assert.ok(flags.includes("--allow-net=127.0.0.1,localhost"));
  assert.ok(flags.includes("--v8-flags=--expose-gc"));
  for (const name of Object.keys(COMPILE_TARGETS)) {
    const args = compileArgs(name, flags);
    assert.deepEqual(args.slice(1, 1 + flags.length), flags);
    assert.equal(args.at(-1), "main.ts");
    assert.ok(args.includes("src/worker.ts") && args.includes("scenarios"));
    assert.equal(args[args.indexOf("--target") + 1], COMPILE_TARGETS[name]);
  }
  assert.equal(
    compileArgs("windows-x64", flags).at(-2),
    "dist/tensile-windows-x64.exe",
  );
});

Deno.test("compileArgs() names the targets when given an unknown one", () => {
  assert.throws(
    () => compileArgs("linux-x86", []),
    /expected one of linux-x64/,
  );
});

Deno.test("stressFlags() refuses a task it cannot read", () => {
  assert.throws(() => stressFlags("deno test main.ts"), /expected "deno run/);
});
