/**
 * The registered targets, listed explicitly: adding a component means adding
 * one line here, never an import side effect.
 * @module
 */
import type { Target } from "../target.ts";
import { builtinTarget } from "./builtin/ops.ts";
import { fsmTarget } from "./fsm/ops.ts";
import { storeTarget } from "./store/ops.ts";
import { uowTarget } from "./uow/ops.ts";
import { workflowTarget } from "./workflow/ops.ts";

/** Every target a scenario may name, by name. */
export const TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  [builtinTarget.name]: builtinTarget,
  [fsmTarget.name]: fsmTarget,
  [storeTarget.name]: storeTarget,
  [uowTarget.name]: uowTarget,
  [workflowTarget.name]: workflowTarget,
});

export { builtinTarget, fsmTarget, storeTarget, uowTarget, workflowTarget };
