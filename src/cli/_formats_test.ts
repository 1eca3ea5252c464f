import assert from "node:assert/strict";
import { REPORTERS } from "../report/mod.ts";
import { FORMAT_CHOICES } from "./_formats.ts";

Deno.test("FORMAT_CHOICES lists every REPORTERS format, in its order", () => {
  assert.deepEqual([...FORMAT_CHOICES], Object.keys(REPORTERS));
});
