import assert from "node:assert/strict";
import { ORDER_LIFECYCLE } from "./order_lifecycle.ts";
import { defineMachine } from "./yaml_machine.ts";
import { AuditedEntity, EdgeAudit } from "./_edge_audit.ts";

Deno.test("EdgeAudit holds for moves along declared edges", () => {
  const audit = new EdgeAudit(defineMachine(ORDER_LIFECYCLE));
  const order = new AuditedEntity("order", 1, "created", audit);
  order.state = "paid";
  order.state = "cancelled";
  order.state = "created";
  assert.deepEqual(audit.result(), {
    ok: true,
    detail: "3 moves checked, 0 along undeclared edges",
  });
});

Deno.test("EdgeAudit catches an undeclared edge and an undeclared state, naming the first", () => {
  const audit = new EdgeAudit(defineMachine(ORDER_LIFECYCLE));
  const order = new AuditedEntity("order", 1, "created", audit);
  order.state = "shipped";
  order.state = "lost";
  assert.deepEqual(audit.result(), {
    ok: false,
    detail:
      '2 moves checked, 2 along undeclared edges (first: "created" -> "shipped")',
  });
});

Deno.test("AuditedEntity.restart() is not a move: it takes a new id in the initial state", () => {
  const audit = new EdgeAudit(defineMachine(ORDER_LIFECYCLE));
  const order = new AuditedEntity("order", 1, "delivered", audit);
  order.restart(2, "created");
  assert.equal(order.id, 2);
  assert.equal(order.state, "created");
  assert.equal(order.version, 1);
  assert.equal(audit.moves, 0);
});
