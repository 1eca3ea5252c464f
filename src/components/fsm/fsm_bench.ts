/**
 * Registry lookup against a bare `Map.get`, and the cost of one execution of
 * a simple transition (params + guard + validate + apply + commit, on a
 * frozen context with an entity snapshot), with and without metadata to copy.
 * Run with `deno task bench src/components/fsm/`.
 */
import { z } from "zod";
import {
  defineTransition,
  type Entity,
  type ExecuteOptions,
  TransitionRegistry,
  TransitionValidationError,
} from "./mod.ts";

const params = z.object({
  operation_id: z.int(),
  data_size: z.int().default(1),
});

function simple(entity: string, name: string) {
  return defineTransition({
    entity,
    name,
    from: "*",
    to: "processed",
    params,
    guard: () => true,
    validate: (_ctx, p) => {
      if (p.data_size < 0) throw new TransitionValidationError("negative");
    },
    apply: (ctx, p) => ({ id: p.operation_id, at: ctx.timestamp }),
  });
}

// 100 entities x 10 transitions in both, so neither map is trivially small.
const registry = new TransitionRegistry();
const flat = new Map<string, unknown>();
for (let e = 0; e < 100; e++) {
  for (let t = 0; t < 10; t++) {
    const transition = simple(`entity_${e}`, `transition_${t}`);
    registry.register(transition);
    flat.set(`entity_${e}.transition_${t}`, transition);
  }
}
registry.register(simple("test_entity", "performance_test"));
flat.set(
  "test_entity.performance_test",
  registry.get("test_entity", "performance_test"),
);

let sink: unknown;

Deno.bench({
  name: "Map.get() of a flat key",
  group: "lookup",
  baseline: true,
  fn() {
    sink = flat.get("test_entity.performance_test");
  },
});

Deno.bench({
  name: "TransitionRegistry.get(entity, name)",
  group: "lookup",
  fn() {
    sink = registry.get("test_entity", "performance_test");
  },
});

Deno.bench({
  name: "TransitionRegistry.has(entity, name)",
  group: "lookup",
  fn() {
    sink = registry.has("entity_50", "transition_5");
  },
});

const entity: Entity = { id: 1, type: "test_entity", state: "created" };
const input = { operation_id: 1, data_size: 1000 };
const options: ExecuteOptions = { params: input, user: { id: 123 } };
const transition = registry.get("test_entity", "performance_test");

Deno.bench({
  name: "hooks called directly (parse + guard + validate + apply)",
  group: "execute",
  baseline: true,
  fn() {
    const p = transition.parse(input);
    const ctx = {
      entity,
      user: null,
      currentState: entity.state,
      targetState: "processed",
      timestamp: Date.now(),
      metadata: {},
    };
    if (transition.guard!(ctx, p)) transition.validate!(ctx, p);
    sink = transition.apply(ctx, p);
  },
});

Deno.bench({
  name: "TransitionRegistry.execute() of a simple transition",
  group: "execute",
  async fn() {
    sink = await registry.execute(entity, "performance_test", options);
  },
});

const withMetadata: ExecuteOptions = {
  params: input,
  user: { id: 123 },
  metadata: { trace: "t-9", tag: 1 },
};

Deno.bench({
  name: "TransitionRegistry.execute() with metadata (copied)",
  group: "execute",
  async fn() {
    sink = await registry.execute(entity, "performance_test", withMetadata);
  },
});

Deno.bench({
  name: "TransitionRegistry.execute() x100 per iteration",
  group: "execute-batch",
  async fn() {
    for (let i = 0; i < 100; i++) {
      input.operation_id = i;
      sink = await registry.execute(entity, "performance_test", options);
    }
  },
});

addEventListener("unload", () => {
  if (sink === Symbol.for("never")) console.log(sink);
});
