/**
 * `tensile report` on what is not an artifact file: each is refused at once
 * with exit 2 and a plain reason, never read until killed.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ARTIFACT_MAX_BYTES } from "../src/artifact/mod.ts";
import { ROOT, withTempDir } from "./_helpers.ts";

/** Long enough for a loaded machine to start Deno; far shorter than a hang. */
const DEADLINE_MS = 20_000;

/** The permissions `deno task stress` grants, as a user runs tensile. */
const STRESS_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];

/** Runs `tensile report <path>`, killing it if it outlives the deadline. */
async function report(
  path: string,
  flags: string[] = ["--allow-all"],
): Promise<{ code: number; stderr: string; hung: boolean }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `${ROOT}main.ts`, "report", path],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, DEADLINE_MS);
  try {
    const { code, stderr } = await child.output();
    return { code, stderr: new TextDecoder().decode(stderr), hung };
  } finally {
    clearTimeout(timer);
  }
}

async function assertRefused(
  path: string,
  reason: string,
  flags?: string[],
): Promise<void> {
  const { code, stderr, hung } = await report(path, flags);
  assert.equal(hung, false, `tensile report "${path}" hung`);
  assert.equal(
    stderr,
    `error: Cannot read artifact "${path}": ${reason}\n`,
  );
  assert.equal(code, 2);
}

Deno.test("tensile report refuses a directory: not a regular file", async () => {
  await withTempDir(async (dir) => {
    await assertRefused(dir, "not a regular file (a directory)");
  });
});

Deno.test({
  name: "tensile report refuses a FIFO without opening it (opening blocks)",
  ignore: Deno.build.os === "windows",
  async fn() {
    await withTempDir(async (dir) => {
      const fifo = join(dir, "result.json");
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.equal(made.code, 0, "mkfifo");
      await assertRefused(fifo, "not a regular file (a FIFO)");
    });
  },
});

Deno.test({
  name: "tensile report refuses /dev/zero, which never ends",
  ignore: Deno.build.os === "windows",
  async fn() {
    await assertRefused("/dev/zero", "not a regular file (a character device)");
  },
});

Deno.test("tensile report refuses a file over the size cap, naming the limit", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "result.json");
    await Deno.writeTextFile(path, "");
    await Deno.truncate(path, ARTIFACT_MAX_BYTES + 1); // sparse
    await assertRefused(path, "larger than the 256 MiB limit for an artifact");
  });
});

Deno.test({
  name:
    "tensile report on a path it may not read says so in plain words, with no Deno flags",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Under the permissions users run with, Deno itself denies /proc.
    await assertRefused(
      "/proc/self/status",
      "permission denied",
      STRESS_FLAGS,
    );
  },
});
