/**
 * The registered targets, listed explicitly: adding a component means adding
 * one line here, never an import side effect.
 * @module
 */
import type { Target } from "../target.ts";
import { calibrateTarget } from "./calibrate/mod.ts";
import { fsmTarget } from "./fsm/mod.ts";
import { httpTarget } from "./http/mod.ts";
import { storeTarget } from "./store/mod.ts";
import { uowTarget } from "./uow/mod.ts";
import { workflowTarget } from "./workflow/mod.ts";

/** Every target a scenario may name, by name. */
export const TARGETS: Readonly<Record<string, Target>> = Object.freeze({
  [calibrateTarget.name]: calibrateTarget,
  [fsmTarget.name]: fsmTarget,
  [httpTarget.name]: httpTarget,
  [storeTarget.name]: storeTarget,
  [uowTarget.name]: uowTarget,
  [workflowTarget.name]: workflowTarget,
});

/** Names an older scenario file may still use, each with its new name. */
export interface Renamed {
  /** Old target names (`target:`), by old name. */
  readonly targets: Readonly<Record<string, string>>;
  /** Old keys of a target's `options:`, by old key (the same in every target). */
  readonly options: Readonly<Record<string, string>>;
}

/**
 * What scenario files used to say, so a loader can answer an old name with
 * the new one (`unknown target "builtin" (renamed: "calibrate")`). Plain
 * data: nothing here still accepts the old names.
 */
export const RENAMED: Renamed = Object.freeze({
  targets: Object.freeze({ builtin: "calibrate" }),
  options: Object.freeze({ fault: "defect" }),
});

export {
  calibrateTarget,
  fsmTarget,
  httpTarget,
  storeTarget,
  uowTarget,
  workflowTarget,
};
