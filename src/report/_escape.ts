/**
 * Escaping for strings from outside the tool (scenario files, targets, error
 * messages, an artifact read from disk): one escaper per output kind, so a
 * name cannot clear a screen, retitle a terminal, reorder a line with bidi
 * overrides, or start a Markdown heading. The view marks such strings as
 * {@link UserText}; a printer reads them only through these functions.
 * @module
 */

import { escapeChar, INVISIBLE } from "../terminal_text.ts";

export { terminalText, type TerminalTextOptions } from "../terminal_text.ts";

/**
 * JSON text with every control, bidi or invisible character written as a
 * `\uXXXX` escape. JSON.stringify escapes C0 controls in strings (those left
 * are its own line breaks) but not DEL, C1 controls or bidi overrides, which
 * would reach a terminal raw; they can only stand inside strings, where the
 * escape means the same character.
 */
export function jsonText(json: string): string {
  return json.replace(INVISIBLE, (char) => {
    if (char < " ") return char; // a line break of the layout, or escaped
    let escaped = "";
    for (let i = 0; i < char.length; i++) {
      escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
    }
    return escaped;
  });
}

/**
 * Text from outside the tool, for Markdown inside a line (a heading, a table
 * cell, after a list marker): controls shown as escapes as on a terminal, a
 * newline among them, so no line can start inside it; then backslashes,
 * backticks, brackets, `&`, and a `<` that could open a tag or an autolink
 * escaped, so it makes no code span, link, image, entity or raw HTML. A `|`
 * is left to the table cell (`\|` is only needed there). Emphasis is left
 * alone: it cannot hide or forge anything.
 */
export function markdownText(text: string): string {
  return text.replace(INVISIBLE, escapeChar)
    .replace(/[\\`[\]&]|<(?=[A-Za-z/!?])/g, "\\$&");
}

/**
 * What opens a block at the start of a line: a heading, a quote, a bullet, a
 * thematic break, a fence, or an ordered item (its `.` or `)` is escaped).
 * `1.5 s` or `-3%` open nothing and stay as they are.
 */
const BLOCK_START = /^(?:#{1,6}(?= |$)|>|[-+*](?= |$)|([-*_]) *\1|~~~)/;
const ORDERED_START = /^(\d{1,9})([.)])(?= |$)/;

/**
 * Text from outside the tool that starts a Markdown block (a paragraph, a
 * list item): {@link markdownText}, with leading blanks dropped (Markdown
 * ignores them, or reads four as code) and what would open a heading, quote,
 * list, rule or fence escaped.
 */
export function markdownBlock(text: string): string {
  return markdownText(text.trimStart())
    .replace(BLOCK_START, "\\$&")
    .replace(ORDERED_START, "$1\\$2");
}

/**
 * Text from outside the tool as a Markdown code span: controls shown as
 * escapes, fenced by more backticks than it holds in a row (a backslash does
 * not escape inside code), padded when it starts or ends with a backtick or a
 * blank. In a table, the cell still escapes `|`, as GFM asks even in code.
 */
export function markdownCode(text: string): string {
  const shown = text.replace(INVISIBLE, escapeChar);
  const longest = Math.max(
    0,
    ...(shown.match(/`+/g) ?? []).map((r) => r.length),
  );
  const fence = "`".repeat(longest + 1);
  const pad = shown === "" || /^[` ]|[` ]$/.test(shown) ? " " : "";
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * What XML 1.0 forbids in a document, even as a character reference: C0
 * controls other than tab, newline and carriage return, lone surrogates,
 * U+FFFE and U+FFFF.
 */
const XML_FORBIDDEN =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]/gu;

const XML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Text from outside the tool, for XML element content or a quoted attribute
 * value: every control, bidi or invisible character shown as an escape as on
 * a terminal (tab and newline among them, so an attribute keeps them and no
 * line of the text can pass for the tool's own), what XML 1.0 forbids even as
 * `&#...;` (NUL, ESC, a lone surrogate) likewise, then `&`, `<`, `>`, `"`
 * and `'` written as entities, so it can open no tag, entity or CDATA and end
 * no attribute.
 */
export function xmlText(text: string): string {
  return text.replace(INVISIBLE, escapeChar)
    .replace(XML_FORBIDDEN, escapeChar)
    .replace(/[&<>"']/g, (char) => XML_ENTITIES[char]);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Text from outside the tool, for HTML element content: every control, bidi
 * or invisible character shown as an escape as on a terminal (a newline among
 * them, so a name stays on its line, and nothing can reorder what follows),
 * lone surrogates and noncharacters likewise, then `&`, `<`, `>`, `"` and `'`
 * written as character references, so it can open no tag, comment or entity.
 * Safe in a quoted attribute value too, but say so with {@link htmlAttr}.
 */
export function htmlText(text: string): string {
  return text.replace(INVISIBLE, escapeChar)
    .replace(XML_FORBIDDEN, escapeChar)
    .replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

/**
 * Text from outside the tool, for an HTML attribute value written between
 * double quotes (`title="..."`, `data-v="..."`): as {@link htmlText}, which
 * leaves no quote to end the value. Never use it unquoted, or in an
 * attribute the browser runs (`on*`, `href`, `style`).
 */
export function htmlAttr(text: string): string {
  return htmlText(text);
}
