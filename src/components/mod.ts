/**
 * The registered targets, listed explicitly: adding a component means adding
 * one line here, never an import side effect.
 * @module
 */
import type { Target } from "../target.ts";
import { calibrateTarget } from "./calibrate/mod.ts";
import { fsmTarget } from "./fsm/mod.ts";
import { storeTarget } from "./store/mod.ts";
import { uowTarget } from "./uow/mod.ts";
import { workflowTarget } from "./workflow/mod.ts";

/** Every target a scenario may name, by name. */
export const TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  [calibrateTarget.name]: calibrateTarget,
  [fsmTarget.name]: fsmTarget,
  [storeTarget.name]: storeTarget,
  [uowTarget.name]: uowTarget,
  [workflowTarget.name]: workflowTarget,
});

export { calibrateTarget, fsmTarget, storeTarget, uowTarget, workflowTarget };
