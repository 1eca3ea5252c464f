/**
 * `tensile serve` as a real process: the first stdout line a script can
 * parse, a request against it, a graceful SIGTERM (exit 0), and the exit
 * codes of a taken port and of bad options.
 * @module
 */
import assert from "node:assert/strict";
import { serve } from "../src/components/context_server/mod.ts";
import { spawnCli } from "./_helpers.ts";

/** Reads `stream` until its first line; returns it and the rest as text. */
async function firstLine(
  stream: ReadableStream<Uint8Array>,
): Promise<{ line: string; rest: Promise<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  const rest = (async () => {
    let more = text.slice(text.indexOf("\n") + 1);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return more;
      more += value;
    }
  })();
  return { line: text.split("\n")[0], rest };
}

Deno.test("tensile serve prints {url, token, pid}, serves, and stops on SIGTERM with exit 0", async () => {
  const child = spawnCli(["serve", "--port", "0"]);
  const stderr = new Response(child.stderr).text();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const { line, rest } = await firstLine(child.stdout);
    const info = JSON.parse(line);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.pid, child.pid);
    assert.equal(typeof info.token, "string");
    const put = await fetch(`${info.url}/v1/context/hello`, {
      method: "PUT",
      headers: { authorization: `Bearer ${info.token}` },
      body: JSON.stringify({ value: "world" }),
    });
    assert.deepEqual(await put.json(), { key: "hello", version: 1 });
    const get = await fetch(`${info.url}/v1/context/hello`, {
      headers: { authorization: `Bearer ${info.token}` },
    });
    assert.deepEqual(await get.json(), {
      key: "hello",
      value: "world",
      version: 1,
    });
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, await stderr);
    assert.equal(await rest, "", "nothing but the first line on stdout");
    assert.match(await stderr, /listening on http:\/\/127\.0\.0\.1/);
    assert.match(await stderr, /Stopped/);
  } finally {
    clearTimeout(deadline);
  }
});

Deno.test("tensile serve names a port in use and exits 3", async () => {
  await using taken = await serve();
  const { code, stdout, stderr } = await spawnCli([
    "serve",
    "--port",
    String(taken.port),
  ]).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 3, err);
  assert.equal(stdout.length, 0);
  assert.match(err, new RegExp(`port ${taken.port} is already in use`));
});

Deno.test("tensile serve refuses bad options with exit 2", async (t) => {
  for (
    const [args, message] of [
      [["--host", "0.0.0.0"], /not a loopback address.*--allow-remote/],
      [["--defect", "lost_wirte"], /did you mean "lost_write"/],
      [["--port", "70000"], /expected a whole number from 0 to 65535/],
    ] as const
  ) {
    await t.step(args.join(" "), async () => {
      const { code, stderr } = await spawnCli(["serve", ...args]).output();
      const err = new TextDecoder().decode(stderr);
      assert.equal(code, 2, err);
      assert.match(err, message);
    });
  }
});
