/**
 * The `workflow` target's deliberate defects, so a test (or a scenario) can
 * watch each invariant fail. Private to the folder; never used unless asked
 * for.
 * @module
 */
import { InjectedFault } from "../../errors.ts";
import type { UnitOfWork } from "../uow/mod.ts";
import type { Commit, Workflow } from "./workflow.ts";

/** A deliberate bug the `workflow` target can run with. */
export type WorkflowDefect =
  | "none"
  | "publish-before-commit"
  | "duplicate-outbox";

/** Every {@link WorkflowDefect}. */
export const WORKFLOW_DEFECTS = [
  "none",
  "publish-before-commit",
  "duplicate-outbox",
] as const satisfies readonly WorkflowDefect[];

/** One `apply_transition` call, correct or with the configured defect. */
export interface DefectiveApply {
  defect: WorkflowDefect;
  entityId: string;
  request: { name: string; params: unknown; expectedVersion: number };
  /** Throw InjectedFault inside the transaction, after its writes. */
  aborting: boolean;
  /** The commit the request aims at, as `publish-before-commit` announces it. */
  intended: Commit;
}

/** Runs one `apply_transition` call, correctly or with its defect. */
export function applyWithDefect(
  workflow: Workflow,
  uow: UnitOfWork,
  apply: DefectiveApply,
): Promise<Commit> {
  const { entityId, request, aborting } = apply;
  const abort = () => {
    if (aborting) {
      throw new InjectedFault(
        `aborted "${request.name}" on "${entityId}" inside its transaction`,
      );
    }
  };
  switch (apply.defect) {
    case "none":
      return workflow.applyTransition(entityId, request.name, {
        ...request,
        within: abort,
      });
    case "publish-before-commit":
      // The bug: the snapshot goes out as soon as the transition is asked
      // for, inside the transaction, before the registry checks it, the
      // version check and the commit. Whatever then rolls back (bad params,
      // a lost race on a busy order, an abort) leaves a snapshot behind.
      return uow.run(async (tx) => {
        workflow.publish(apply.intended);
        const commit = await workflow.stage(tx, entityId, request);
        abort();
        return commit;
      });
    case "duplicate-outbox":
      return workflow.applyTransition(entityId, request.name, {
        ...request,
        within: (tx, commit) => {
          tx.outbox.add({
            topic: "duplicate",
            key: entityId,
            payload: null,
            transitionId: commit.transitionId,
          });
          abort();
        },
      });
    default: {
      const never: never = apply.defect;
      throw new TypeError(`Unknown defect "${never}"`);
    }
  }
}
