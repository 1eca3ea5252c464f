/**
 * The `json` report: the artifact itself, exactly as `result.json` holds it.
 * @module
 */
import { type Artifact, formatJson } from "../artifact/mod.ts";

/** The artifact as pretty JSON, ending with a newline. */
export function renderJson(artifact: Artifact): string {
  return formatJson(artifact);
}
