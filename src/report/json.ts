/**
 * The `json` report: the artifact itself, as checked on reading (keys in
 * schema order, so a threshold's `kind` comes second, not last as in a
 * freshly written `result.json`).
 * @module
 */
import { type Artifact, formatJson } from "../artifact/mod.ts";
import { jsonText } from "./_escape.ts";

/**
 * The artifact as pretty JSON, ending with a newline; every control, bidi
 * or invisible character in it written as a `\u` escape, so it is the same
 * document and safe to print.
 */
export function renderJson(artifact: Artifact): string {
  return jsonText(formatJson(artifact));
}
