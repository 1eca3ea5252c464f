/**
 * YAML source with positions: parses safely (size cap, unique keys, alias
 * limit) and maps a value path back to `line:col` for error messages.
 * @module
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import { ScenarioError, type ScenarioIssue } from "./errors.ts";

/** Largest scenario file accepted. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Most alias expansions accepted: defeats "billion laughs" files. */
const MAX_ALIAS_COUNT = 100;

/** A parsed YAML file that can point at any of its values. */
export interface Source {
  file: string;
  value: unknown;
  /** Position of the value at `path`, or of its nearest existing parent. */
  at(path: readonly PropertyKey[], part?: "key" | "value"): [number, number];
}

/** Parses YAML text into a {@link Source}, or throws a ScenarioError. */
export function parseSource(file: string, text: string): Source {
  const issue = (line: number, col: number, message: string) =>
    new ScenarioError([{ file, line, col, message }]);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_FILE_BYTES) {
    throw issue(
      1,
      1,
      `file is ${
        (bytes / 1024 / 1024).toFixed(1)
      } MiB, over the 1 MiB limit for scenario files`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
  });
  const position = (offset: number): [number, number] => {
    const { line, col } = lines.linePos(offset);
    return [line, col];
  };
  if (doc.errors.length > 0) {
    throw new ScenarioError(doc.errors.map((error): ScenarioIssue => {
      const [line, col] = position(error.pos[0]);
      return {
        file,
        line,
        col,
        message: yamlMessage(
          error.code,
          error.message,
          /^[^\s:]*/.exec(text.slice(error.pos[0]))![0],
        ),
      };
    }));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    let offset = 0;
    visit(doc, {
      Alias(_, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    const [line, col] = position(offset);
    throw issue(
      line,
      col,
      `aliases expand too far (${
        (error as Error).message
      }): scenario files may not use alias bombs`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw issue(1, 1, "expected a mapping with `name:` or `suite:` at the top");
  }
  const at = (
    path: readonly PropertyKey[],
    part: "key" | "value" = "value",
  ): [number, number] => {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find((item) =>
          isPair(item) && isScalar(item.key) &&
          String(item.key.value) === String(segment)
        );
        if (!pair) break;
        const key = pair.key as Node;
        offset = key.range?.[0] ?? offset;
        if (i === path.length - 1 && part === "key") break;
        node = pair.value;
        offset = (node as Node | null)?.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (!node) break;
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return position(offset);
  };
  return { file, value, at };
}

function yamlMessage(code: string, message: string, found: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return `duplicate key "${found}": each key may appear once in a mapping`;
    case "MULTIPLE_DOCS":
      return "more than one YAML document: a scenario file holds one (use a suite for several scenarios)";
    default:
      return `invalid YAML: ${message.split("\n")[0]}`;
  }
}
