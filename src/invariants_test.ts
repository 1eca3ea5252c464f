import assert from "node:assert/strict";
import { checkEach, Problems } from "./invariants.ts";

Deno.test("Problems keeps the first five verbatim and counts the rest", () => {
  const problems = new Problems();
  assert.ok(problems.ok);
  assert.equal(problems.summary(), "");
  for (let i = 1; i <= 7; i++) problems.add(`p${i}`);
  assert.equal(problems.ok, false);
  assert.equal(problems.count, 7);
  assert.deepEqual(problems.first, ["p1", "p2", "p3", "p4", "p5"]);
  assert.equal(problems.summary(), "p1; p2; p3; p4; p5; and 2 more");
});

Deno.test("Problems.result() holds with the detail, or fails with the summary", () => {
  const problems = new Problems();
  assert.deepEqual(problems.result("12 checked"), {
    ok: true,
    detail: "12 checked",
  });
  problems.add("version 3 missing");
  assert.deepEqual(problems.result("12 checked"), {
    ok: false,
    detail: "version 3 missing",
  });
});

Deno.test("checkEach() answers in the order asked, running only what was asked, in table order", async () => {
  const ran: string[] = [];
  const results = await checkEach(["b", "a"], {
    a: () => {
      ran.push("a");
      return { ok: true, detail: "a held" };
    },
    skipped: () => {
      ran.push("skipped");
      return { ok: true, detail: "" };
    },
    b: async () => {
      ran.push("b");
      await null;
      return { ok: false, detail: "b broke" };
    },
  });
  assert.deepEqual(ran, ["a", "b"]);
  assert.deepEqual(results, [
    { name: "b", ok: false, detail: "b broke" },
    { name: "a", ok: true, detail: "a held" },
  ]);
});

Deno.test("checkEach() runs synchronous checks back to back, without yielding between them", async () => {
  let moved = false;
  const seen: boolean[] = [];
  const check = () => {
    seen.push(moved);
    queueMicrotask(() => moved = true);
    return { ok: true, detail: "" };
  };
  await checkEach(["x", "y"], { x: check, y: check });
  assert.deepEqual(seen, [false, false]);
});

Deno.test("checkEach() fails an invariant no check answers for", async () => {
  const results = await checkEach(["no_such_check", "toString"], {});
  assert.deepEqual(results, [
    {
      name: "no_such_check",
      ok: false,
      detail: 'unknown invariant "no_such_check"',
    },
    { name: "toString", ok: false, detail: 'unknown invariant "toString"' },
  ]);
});

Deno.test("checkEach() passes a failing check's error on", async () => {
  await assert.rejects(
    checkEach(["a"], {
      a: () => Promise.reject(new Error("database is locked")),
    }),
    /database is locked/,
  );
});
