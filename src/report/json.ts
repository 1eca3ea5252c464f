/**
 * The `json` report: the artifact itself, as checked on reading (keys in
 * schema order, so a threshold's `kind` comes second, not last as in a
 * freshly written `result.json`).
 * @module
 */
import { type Artifact, formatJson } from "../artifact/mod.ts";

/** The artifact as pretty JSON, ending with a newline. */
export function renderJson(artifact: Artifact): string {
  return formatJson(artifact);
}
