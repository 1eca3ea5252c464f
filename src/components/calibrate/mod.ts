/**
 * The calibration target: ops of known cost that check the engine itself.
 * @module
 */
export { calibrateTarget, spin } from "./ops.ts";
