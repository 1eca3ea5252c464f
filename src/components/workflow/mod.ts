/**
 * The workflow that joins the three components: a transition checked by the
 * FSM registry, committed atomically by the unit of work (entity state, a
 * transition-log row and an outbox row), then published to the entity's
 * state store after the commit. An outbox relay delivers at least once;
 * consumers dedupe by message id. {@link workflowTarget} is its load-test
 * adapter.
 *
 * @example
 * ```ts
 * import { defineTransition, TransitionRegistry } from "../fsm/mod.ts";
 * import { openDatabase } from "../uow/mod.ts";
 * import { Workflow } from "./mod.ts";
 *
 * const registry = new TransitionRegistry();
 * registry.register(defineTransition({
 *   entity: "order", name: "pay", from: "created", to: "paid", apply: () => ({}),
 * }));
 * await using uow = await openDatabase(":memory:");
 * using workflow = new Workflow({ uow, registry });
 * await workflow.create("o-1", { kind: "order", state: "created" });
 * await workflow.applyTransition("o-1", "pay");
 * ```
 * @module
 */
export {
  type ApplyOptions,
  type Commit,
  type CommitMessage,
  type CreateOptions,
  Workflow,
  type WorkflowOptions,
} from "./workflow.ts";
export {
  inboxConsumer,
  type InboxConsumerOptions,
  type RelayOptions,
  relayOutbox,
  type RelayResult,
} from "./relay.ts";
export {
  type Ack,
  AckLog,
  type AckLogContents,
  type AckLogOptions,
  readAckLog,
} from "./ack_log.ts";
export { checkAcks, checkPublished, checkTransitionLog } from "./checks.ts";
export {
  type WorkflowDefect,
  workflowTarget,
  type WorkflowTargetOptions,
} from "./ops.ts";
