import assert from "node:assert/strict";
import { RENAMED, TARGETS } from "./mod.ts";

Deno.test("TARGETS lists each target under its own name", () => {
  for (const [name, target] of Object.entries(TARGETS)) {
    assert.equal(target.name, name);
  }
});

Deno.test("RENAMED points old target names at registered ones, and no old name is still registered", () => {
  for (const [old, now] of Object.entries(RENAMED.targets)) {
    assert.ok(!(old in TARGETS), `"${old}" is still a target`);
    assert.ok(now in TARGETS, `"${now}" is not a target`);
  }
});

Deno.test("RENAMED points old option keys at keys the targets accept, and none accepts an old key", () => {
  for (const [old, now] of Object.entries(RENAMED.options)) {
    const accepting = Object.values(TARGETS).filter((target) => {
      const options = target.options;
      return options !== undefined &&
        options.safeParse({ [now]: "none" }).success;
    });
    assert.ok(accepting.length > 0, `no target accepts "${now}"`);
    for (const target of Object.values(TARGETS)) {
      assert.equal(
        target.options?.safeParse({ [old]: "none" }).success ?? false,
        false,
        `target "${target.name}" still accepts "${old}"`,
      );
    }
  }
});
