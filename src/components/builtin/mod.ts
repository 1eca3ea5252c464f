/**
 * The calibration target: ops of known cost that check the engine itself.
 * @module
 */
export { builtinTarget, spin } from "./ops.ts";
