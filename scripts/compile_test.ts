import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import config from "../deno.json" with { type: "json" };
import {
  COMPILE_TARGETS,
  compileArgs,
  INCLUDES,
  NOT_INCLUDED,
  stressFlags,
} from "./compile.ts";

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

Deno.test("INCLUDES covers every file the source reaches through import.meta.url", async () => {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const reached: string[] = [];
  for await (const file of walkTs(join(root, "src"))) {
    if (/(_test|_bench|bench_\w+)\.ts$|[\\/]testdata[\\/]/.test(file)) continue;
    // JSDoc examples are not code: drop comments before looking.
    const code = (await Deno.readTextFile(file)).replace(
      /\/\*[\s\S]*?\*\//g,
      "",
    );
    for (const match of code.matchAll(URL_OF_MODULE)) {
      const path = fileURLToPath(new URL(match[1], pathToFileURL(file)));
      reached.push(relative(root, path).replaceAll("\\", "/"));
    }
  }
  // The scan finds the two this test exists for.
  assert.ok(reached.includes("src/worker.ts"));
  assert.ok(reached.includes("scenarios"));
  for (const path of reached) {
    const included = INCLUDES.some((entry) =>
      path === entry || path.startsWith(`${entry}/`)
    );
    assert.ok(
      included || Object.hasOwn(NOT_INCLUDED, path),
      `${path} is read through import.meta.url but not in INCLUDES`,
    );
  }
});

/** `new URL("<relative path>", import.meta.url)` */
const URL_OF_MODULE = /new URL\(\s*["'](\.[^"']*)["'],\s*import\.meta\.url/g;

async function* walkTs(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walkTs(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/**
 * The known `deno compile` pitfall is a path resolved against the working
 * directory instead of the module: a binary run anywhere but the checkout
 * would find no built-in scenarios. The CLI is run here from an empty
 * temporary folder (the binary itself cannot be built without internet).
 */
Deno.test("the CLI finds its built-in scenarios from another working directory", async (t) => {
  const cwd = await Deno.makeTempDir({ prefix: "tensile-cwd-" });
  const main = fileURLToPath(new URL("../main.ts", import.meta.url));
  const cli = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", main, ...args],
      cwd,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  try {
    await t.step("list shows every built-in file's scenarios", async () => {
      const { code, stdout } = await cli(["list"]);
      assert.equal(code, 0);
      const scenarios = fileURLToPath(
        new URL("../scenarios/", import.meta.url),
      );
      for await (const entry of Deno.readDir(scenarios)) {
        if (!entry.name.endsWith(".yaml")) continue;
        const suite = entry.name.replace(/\.yaml$/, "");
        assert.match(text(stdout), new RegExp(`\\b${suite}\\b`));
      }
    });
    await t.step(
      "run calibrate --profile smoke writes a graded artifact",
      async () => {
        const out = join(cwd, "out");
        const { code, stderr } = await cli([
          "run",
          "calibrate",
          "--profile",
          "smoke",
          "--quiet",
          "--out",
          out,
        ]);
        // 1 is a latency bound missed on a busy machine: still a full run.
        assert.ok(code === 0 || code === 1, `exit ${code}: ${text(stderr)}`);
        const artifact = JSON.parse(
          await Deno.readTextFile(join(out, "result.json")),
        );
        assert.ok(artifact.scenarios.length >= 1);
        assert.ok(
          artifact.scenarios.every((s: { name: string }) =>
            s.name.startsWith("calibrate-")
          ),
        );
      },
    );
    await t.step(
      "nothing was written into the working directory but --out",
      async () => {
        const names = [];
        for await (const entry of Deno.readDir(cwd)) names.push(entry.name);
        assert.deepEqual(names, ["out"]);
      },
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
