import assert from "node:assert/strict";
import { SeededRng } from "../../engine/rng.ts";
import { TransitionRegistry } from "./registry.ts";
import { LossyRegistry } from "./_defects.ts";
import { Registrations } from "./_registrations.ts";
import { performanceTransition } from "./_seed_transitions.ts";

function seeded(): TransitionRegistry {
  const registry = new TransitionRegistry();
  registry.register(performanceTransition("test_entity", "performance_test"));
  return registry;
}

Deno.test("Registrations: every registered key resolves and the registry grew by the registrations", () => {
  const registrations = new Registrations(seeded());
  assert.equal(registrations.empty, true);
  for (let i = 0; i < 5; i++) registrations.register();
  assert.equal(registrations.empty, false);
  const found = registrations.lookup(new SeededRng(1));
  assert.match(found.key, /^entity_\d+\.transition_\d$/);
  assert.deepEqual(registrations.result(), {
    ok: true,
    detail:
      "5 registered during the run, 0 no longer resolve; size 6, expected 6; 0 of 1 lookups of registered keys missed",
  });
});

Deno.test("Registrations catch a registry that loses concurrent registrations", async () => {
  const registrations = new Registrations(new LossyRegistry(seeded()));
  await Promise.all([registrations.register(), registrations.register()]);
  const result = registrations.result();
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /2 registered during the run, 1 no longer resolve \(first: "entity_1\.transition_1"\); size 2, expected 3/,
  );
  assert.throws(
    () => {
      for (let seed = 0; seed < 20; seed++) {
        registrations.lookup(new SeededRng(seed));
      }
    },
    /Registered transition "entity_1\.transition_1" did not resolve/,
  );
  assert.match(registrations.result().detail, /[1-9]\d* of \d+ lookups/);
});
