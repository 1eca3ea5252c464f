/**
 * YAML source with positions: reads a scenario file safely (regular files
 * only, size cap, UTF-8), parses it safely (unique keys, alias limit, plain
 * data only: no tags, no complex keys, numbers a scenario can hold) and maps
 * a value path back to `line:col` for error messages.
 * @module
 */
import { resolve } from "node:path";
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
import { FileRefused, plainReason, readRegularFile } from "../files.ts";
import { clip, quote } from "../suggest.ts";
import { ScenarioError, type ScenarioIssue } from "./errors.ts";

/** Largest scenario file accepted. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Most alias expansions accepted: defeats "billion laughs" files. */
const MAX_ALIAS_COUNT = 100;
/** Most YAML syntax errors listed for one file; the rest are counted. */
const MAX_YAML_ERRORS = 10;

/** A parsed YAML file that can point at any of its values. */
export interface Source {
  file: string;
  value: unknown;
  /** Position of the value at `path`, or of its nearest existing parent. */
  at(path: readonly PropertyKey[], part?: "key" | "value"): [number, number];
  /**
   * What the file holds that is not plain data (a YAML tag, a list as a key,
   * a number out of range). Reported with the file's other problems.
   */
  issues: readonly ScenarioIssue[];
  /**
   * Positions (`line:col`) of the values those issues are about: any other
   * problem found at one of them follows from the same cause, so it is not
   * reported again.
   */
  claimed: ReadonlySet<string>;
}

/**
 * Folders of files the kernel makes up as they are read (a size of 0, reads
 * that fail or never end): never scenario files, so never opened.
 */
const KERNEL_DIRS = ["/proc/", "/sys/"];

/**
 * Reads a scenario file's text. Only a regular file is read: stat first, so a
 * FIFO, a device or a directory is never opened (opening a FIFO blocks until
 * a writer comes), and stop reading past the size cap, since a size can lie.
 * The text must be UTF-8; a UTF-8 byte order mark is dropped.
 * @throws {ScenarioError} at 1:1 (or at the first byte that is not UTF-8),
 * saying why in plain words: no OS error tails, no Deno permission flags
 */
export async function readSource(path: string): Promise<string> {
  const fail = (message: string, line = 1, col = 1) =>
    new ScenarioError([{ file: path, line, col, message }]);
  const kernel = (at: string) => {
    const dir = KERNEL_DIRS.find((dir) => `${at}/`.startsWith(dir));
    if (dir) {
      throw new FileRefused(
        `not a scenario file: files under ${
          dir.slice(0, -1)
        } are made by the kernel as they are read`,
      );
    }
  };
  let bytes: Uint8Array;
  try {
    // As written (Deno may not even let tensile stat it), then as linked.
    kernel(resolve(path));
    await Deno.stat(path); // not found: said before resolving links
    kernel(await Deno.realPath(path));
    bytes = await readRegularFile(path, {
      maxBytes: MAX_FILE_BYTES,
      what: "scenario files",
    });
  } catch (error) {
    throw fail(reason(error));
  }
  return decode(bytes, fail);
}

/**
 * Why reading failed, in plain words: the system's reason without Deno's
 * `(os error 2): stat '...'` tail, and no permission flags to pass to Deno
 * (a user of tensile has no flags to pass).
 */
function reason(error: unknown): string {
  if (error instanceof FileRefused) {
    return error.message.startsWith("not a regular file")
      ? `${error.message}: give a scenario file (.yaml)`
      : error.message;
  }
  if (error instanceof Deno.errors.NotFound) return "no such file";
  return `cannot read file: ${clip(plainReason(error))}`;
}

/** Byte order marks of encodings that are not UTF-8, longest first. */
const OTHER_BOMS: [bytes: number[], encoding: string][] = [
  [[0x00, 0x00, 0xfe, 0xff], "UTF-32"],
  [[0xff, 0xfe, 0x00, 0x00], "UTF-32"],
  [[0xfe, 0xff], "UTF-16"],
  [[0xff, 0xfe], "UTF-16"],
];

/** UTF-8 text of a file's bytes, or a ScenarioError saying what it is. */
function decode(
  bytes: Uint8Array,
  fail: (message: string, line?: number, col?: number) => ScenarioError,
): string {
  for (const [bom, encoding] of OTHER_BOMS) {
    if (bom.every((byte, i) => bytes[i] === byte)) {
      throw fail(`the file is ${encoding}: save it as UTF-8`);
    }
  }
  if (looksUtf16(bytes)) {
    throw fail(
      "the file is UTF-16 (every other byte is NUL): save it as UTF-8",
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad !== undefined) {
    const before = new TextDecoder().decode(bytes.subarray(0, bad));
    const lines = before.split("\n");
    throw fail(
      `the file is not UTF-8: byte 0x${
        bytes[bad].toString(16).padStart(2, "0")
      } is not valid UTF-8: save it as UTF-8`,
      lines.length,
      lines[lines.length - 1].length + 1,
    );
  }
  return new TextDecoder("utf-8", { ignoreBOM: false }).decode(bytes);
}

/** UTF-16 without a BOM: ASCII text with a NUL beside every character. */
function looksUtf16(bytes: Uint8Array): boolean {
  const pairs = Math.min(64, Math.floor(bytes.length / 2));
  if (pairs === 0) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) even++;
    if (bytes[2 * i + 1] === 0) odd++;
  }
  return (even === 0) !== (odd === 0) && Math.max(even, odd) >= pairs / 2;
}

/** Offset of the first byte that does not start or continue valid UTF-8. */
function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    decoder.decode(bytes);
    return undefined;
  } catch {
    // Find where: a byte-wise walk, only for a file already known bad.
  }
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const size = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 &&
        b < 0xf0
      ? 3
      : b >= 0xf0 && b < 0xf5
      ? 4
      : 0;
    if (size === 0 || i + size > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + size));
    } catch {
      return i;
    }
    i += size;
  }
  return undefined;
}

/** Largest number a scenario may hold: beyond it, integers lose precision. */
const MAX_NUMBER = Number.MAX_SAFE_INTEGER;

/** Parses YAML text into a {@link Source}, or throws a ScenarioError. */
export function parseSource(file: string, text: string): Source {
  const issue = (line: number, col: number, message: string) =>
    new ScenarioError([{ file, line, col, message }]);
  // A UTF-8 byte order mark is fine; positions count from after it.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
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
    // Warnings become issues below; none goes to the console.
    logLevel: "error",
  });
  const position = (offset: number): [number, number] => {
    const { line, col } = lines.linePos(offset);
    return [line, col];
  };
  if (doc.errors.length > 0) {
    const deep = doc.errors.find((error) => /call stack/i.test(error.message));
    const errors = deep ? [deep] : doc.errors.slice(0, MAX_YAML_ERRORS);
    const found = errors.map((error): ScenarioIssue => {
      const [line, col] = position(error.pos[0]);
      return {
        file,
        line,
        col,
        message: deep === error
          ? "invalid YAML: nested too deep (a scenario nests a few levels)"
          : yamlMessage(
            error.code,
            error.message,
            /^[^\s:]*/.exec(text.slice(error.pos[0]))![0],
          ),
      };
    });
    const more = doc.errors.length - errors.length;
    if (more > 0 && !deep) {
      const last = found[found.length - 1];
      found.push({
        ...last,
        message: `and ${more} more YAML error${more === 1 ? "" : "s"}`,
      });
    }
    throw new ScenarioError(found);
  }
  const { issues, claimed, fatal } = plainData(file, text, doc, position);
  // A list or mapping as a key becomes a made-up string key: nothing said
  // about that key would point anywhere useful.
  if (fatal) throw new ScenarioError(issues);
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
        clip((error as Error).message)
      }): scenario files may not use alias bombs`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    if (issues.length > 0) throw new ScenarioError(issues);
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
  return { file, value, at, issues, claimed };
}

/**
 * What makes a parsed document more than plain data: a `%YAML` version other
 * than 1.2 (1.1 reads `010` as 8 and `no` as false), tags (`!!binary`,
 * `!!js/function`, `!foo`), keys that are lists or mappings, and numbers that
 * are not finite or too large to be exact.
 */
function plainData(
  file: string,
  text: string,
  doc: ReturnType<typeof parseDocument>,
  position: (offset: number) => [number, number],
): { issues: ScenarioIssue[]; claimed: Set<string>; fatal: boolean } {
  const issues: ScenarioIssue[] = [];
  const claimed = new Set<string>();
  let fatal = false;
  const add = (offset: number, message: string, about = offset) => {
    const [line, col] = position(offset);
    issues.push({ file, line, col, message });
    claimed.add(position(about).join(":"));
  };
  if (doc.directives?.yaml.explicit && doc.directives.yaml.version !== "1.2") {
    add(
      Math.max(0, text.indexOf("%YAML")),
      `YAML ${doc.directives.yaml.version} is not supported: scenario files are YAML 1.2 (remove the %YAML line)`,
    );
  }
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (key && !isScalar(key)) {
        fatal = true;
        add(
          key.range?.[0] ?? 0,
          "a key must be a plain name, not a list or a mapping",
        );
      }
    },
    Node(_, node) {
      const start = node.range?.[0] ?? 0;
      if (node.tag) {
        const written = node.tag.replace(/^tag:yaml\.org,2002:/, "!!");
        // The tag is written before the value: its last `!`, back to the
        // start of its word (`!!binary`, `!e!tag`).
        let tagAt = text.lastIndexOf("!", start);
        while (tagAt > 0 && !/[\s,[{:]/.test(text[tagAt - 1])) tagAt--;
        add(
          tagAt >= 0 ? tagAt : start,
          `YAML tags like ${
            clip(written, 40)
          } are not supported: write a plain value`,
          start,
        );
      }
      if (isScalar(node) && typeof node.value === "number") {
        const written = clip(node.source ?? String(node.value), 40);
        if (!Number.isFinite(node.value)) {
          add(start, `${written} is not a finite number`);
        } else if (Math.abs(node.value) > MAX_NUMBER) {
          add(
            start,
            `${written} is too large: numbers in a scenario are at most 2^53 - 1 (9007199254740991), past which they lose precision`,
          );
        }
      }
    },
  });
  return { issues, claimed, fatal };
}

function yamlMessage(code: string, message: string, found: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return `duplicate key ${
        quote(found)
      }: each key may appear once in a mapping`;
    case "MULTIPLE_DOCS":
      return "more than one YAML document: a scenario file holds one (use a suite for several scenarios)";
    default:
      return `invalid YAML: ${clip(message.split("\n")[0], 160)}`;
  }
}

/**
 * A mapping as the file wrote it (own keys, `__proto__` included), or
 * undefined when the value is not a mapping.
 */
export function mapping(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
