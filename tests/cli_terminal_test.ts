/**
 * Printing for the terminal the CLI is on: ASCII in a C/POSIX locale, no
 * colors or cursor codes on TERM=dumb, no line wider than the terminal.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT } from "./_helpers.ts";

const GOLDEN = join(ROOT, "tests/fixtures/golden/result.json");

// deno-lint-ignore no-control-regex
const ESC = /\x1b/;
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

Deno.test("tensile report --format terminal prints ASCII in a C locale and fits the terminal's width", async () => {
  const { io, out } = captureIo({ unicode: false, columns: { out: 30 } });
  assert.equal(await main(["report", GOLDEN, "--format", "terminal"], io), 0);
  assert.match(out(), /^[\x20-\x7e\n]*$/);
  assert.match(out(), /^== calibrate-noop/m);
  for (const line of out().split("\n")) {
    assert.ok(line.length <= 30, JSON.stringify(line));
  }
});

const TICKING = `name: ticking
target: calibrate
load: { executor: constant-workers, workers: 1, concurrency: 1, duration: 2500ms }
mix: [{ op: sleep, params: { ms: 5 } }]
`;

async function runTicking(
  traits: Parameters<typeof captureIo>[0],
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-progress-" });
  try {
    const file = join(dir, "ticking.yaml");
    await Deno.writeTextFile(file, TICKING);
    const { io, err } = captureIo(traits);
    const code = await main(["run", file, "--out", join(dir, "out")], io);
    assert.equal(code, 0, err());
    return err();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tensile run redraws its progress line only where the cursor can move", async (t) => {
  await t.step(
    "a terminal: redrawn in place, one column short of its width",
    async () => {
      const err = await runTicking({ isTty: true, columns: { err: 30 } });
      const frames = err.split("\r\x1b[2K").filter((frame) => frame !== "");
      assert.ok(frames.length > 0, "progress was drawn");
      for (const frame of frames) {
        assert.match(frame, /^▶ ticking/);
        assert.ok([...frame].length <= 29, JSON.stringify(frame));
      }
    },
  );
  await t.step("TERM=dumb: no carriage returns, no escape codes", async () => {
    const err = await runTicking({ isTty: true, cursor: false });
    assert.doesNotMatch(err, /\r/);
    assert.doesNotMatch(err, ESC);
  });
});

/** Whether util-linux `script` can give a child a real terminal here. */
async function hasScript(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  try {
    const { code } = await new Deno.Command("script", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
}

/**
 * Runs `tensile report --format terminal` on a real 20-column terminal (a
 * pseudo-terminal from `script`) with `env`, so `denoIo()` reads TERM, the
 * locale and the width as a user's shell would give them.
 */
async function reportOnTerminal(env: Record<string, string>): Promise<string> {
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  const command = [
    "stty cols 20 rows 60 &&",
    "exec",
    ...[Deno.execPath(), "run", "--allow-all", `${ROOT}main.ts`].map(quote),
    "report",
    quote(GOLDEN),
    "--format terminal 2>/dev/null",
  ].join(" ");
  const { code, stdout } = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { LC_ALL: "", LC_CTYPE: "", NO_COLOR: "", ...env },
  }).output();
  assert.equal(code, 0);
  // The terminal turns each newline into CR LF.
  return new TextDecoder().decode(stdout).replaceAll("\r\n", "\n");
}

Deno.test({
  name:
    "tensile report on a real terminal reads TERM, the locale and the width from it",
  ignore: !await hasScript(),
  async fn(t) {
    await t.step(
      "xterm, UTF-8: colors and box drawing, 20 columns",
      async () => {
        const text = await reportOnTerminal({
          TERM: "xterm-256color",
          LANG: "C.UTF-8",
        });
        assert.match(text, SGR, "colors");
        assert.match(text.replace(SGR, ""), /^━━ calibrate-noop/m);
        for (const line of text.replace(SGR, "").split("\n")) {
          assert.ok(line.length <= 20, JSON.stringify(line));
        }
      },
    );
    await t.step(
      "TERM=dumb, LANG=C: no escapes, ASCII only, 20 columns",
      async () => {
        const text = await reportOnTerminal({ TERM: "dumb", LANG: "C" });
        assert.doesNotMatch(text, ESC);
        assert.match(text, /^[\x20-\x7e\n]*$/);
        assert.match(text, /^== calibrate-noop/m);
        for (const line of text.split("\n")) {
          assert.ok(line.length <= 20, JSON.stringify(line));
        }
      },
    );
  },
});
