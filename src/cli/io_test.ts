import assert from "node:assert/strict";
import { terminalEnv } from "./io.ts";

function env(vars: Record<string, string>) {
  return terminalEnv((name) => vars[name]);
}

Deno.test("terminalEnv() reads UTF-8 from LC_ALL, else LC_CTYPE, else LANG", () => {
  assert.equal(env({ LANG: "en_US.UTF-8" }).unicode, true);
  assert.equal(env({ LANG: "C.utf8" }).unicode, true);
  assert.equal(env({ LANG: "de_DE.UTF-8@euro" }).unicode, true);
  assert.equal(env({ LANG: "C" }).unicode, false);
  assert.equal(env({ LANG: "POSIX" }).unicode, false);
  assert.equal(env({ LANG: "en_US" }).unicode, false, "Latin-1 by default");
  assert.equal(env({ LANG: "de_DE.ISO-8859-1" }).unicode, false);
  // LC_ALL overrides everything; an empty variable does not count.
  assert.equal(env({ LC_ALL: "C", LANG: "en_US.UTF-8" }).unicode, false);
  assert.equal(env({ LC_ALL: "", LANG: "C" }).unicode, false);
  assert.equal(env({ LC_CTYPE: "C", LANG: "en_US.UTF-8" }).unicode, false);
  assert.equal(env({ LC_ALL: "en_US.UTF-8", LC_CTYPE: "C" }).unicode, true);
  // No locale at all (Windows, many containers): the default, UTF-8.
  assert.equal(env({}).unicode, true);
});

Deno.test("terminalEnv() says TERM=dumb is dumb and NO_COLOR is set when not empty", () => {
  assert.equal(env({ TERM: "dumb" }).dumb, true);
  assert.equal(env({ TERM: "xterm-256color" }).dumb, false);
  assert.equal(env({}).dumb, false);
  assert.equal(env({ NO_COLOR: "1" }).noColor, true);
  assert.equal(env({ NO_COLOR: "" }).noColor, false);
});
