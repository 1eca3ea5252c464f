/**
 * Escaping text from outside the tool for a terminal. Part of the shared
 * kernel (it imports nothing), so the CLI's error path shows a quoted file
 * name safely without loading the report printers (`report/_escape.ts`
 * builds its other escapers on the same character classes).
 * @module
 */

/**
 * Characters that act instead of showing: C0 controls (ESC, CR, NUL, ...),
 * DEL, C1 controls (U+0080–U+009F, which 8-bit terminals obey, CSI among
 * them), bidi marks, embeddings, overrides and isolates, line and paragraph
 * separators, and invisible characters that make one name look like another
 * (zero-width space, word joiner, BOM, tag characters). Joiners (U+200C,
 * U+200D) stay: scripts and emoji need them.
 */
export const INVISIBLE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

/** Every character outside printable ASCII. */
const NON_ASCII = /[^\x20-\x7e]/gu;

const NAMED: Readonly<Record<string, string>> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** `\n`, `\x1b`, `\u202e`, `\u{e0001}`: how an escaped character shows. */
export function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  if (code <= 0xffff) return `\\u${hex.padStart(4, "0")}`;
  return `\\u{${hex}}`;
}

/** How a terminal shows text from outside the tool. */
export interface TerminalTextOptions {
  /** Whether the terminal shows more than ASCII (a UTF-8 locale). */
  unicode: boolean;
}

/**
 * Text from outside the tool, for a terminal: every control, bidi or
 * invisible character shown as an escape (`\x1b`, `\n`, `\u202e`), so only
 * the tool's own codes reach the terminal. Without unicode, every non-ASCII
 * character is escaped too: a terminal in another charset would read the
 * bytes of UTF-8 as other characters, some of them controls.
 */
export function terminalText(
  text: string,
  options: TerminalTextOptions,
): string {
  return text.replace(options.unicode ? INVISIBLE : NON_ASCII, escapeChar);
}
