/**
 * Laying text out in a terminal's columns: display widths, aligned tables,
 * and fitting lines to a width (wrapped at spaces, or cut with an ellipsis),
 * all aware of the tool's own color codes, which take no room.
 * @module
 */

/** A color code of the tool's (SGR); text from outside has none left. */
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
const RESET = "\x1b[0m";

/** Blanks at the end of a line, before any color codes. */
// deno-lint-ignore no-control-regex
const TRAILING_BLANKS = / +((?:\x1b\[[0-9;]*m)*)$/;

/** A color code, or one code point. */
// deno-lint-ignore no-control-regex
const TOKEN = /\x1b\[[0-9;]*m|[\s\S]/gu;

/**
 * Columns one code point takes: two for emoji and East Asian wide
 * characters, none for the emoji variation selector. Errs wide, never
 * narrow, so a line measured to fit does fit.
 */
function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if (code === 0xfe0f) return 0; // variation selector: no width of its own
  if (code >= 0x2600) return 2;
  if (code >= 0x1100 && code <= 0x115f) return 2; // Hangul Jamo
  if (code >= 0x231a && code <= 0x23ff) return 2; // ⌚ ⏩ ⏳ ...
  return 1;
}

/** The text without the tool's color codes. */
export function stripColor(text: string): string {
  return text.replace(SGR, "");
}

/** Display width of a string: emoji count as two columns, colors as none. */
export function width(text: string): number {
  let columns = 0;
  for (const char of stripColor(text)) columns += charWidth(char);
  return columns;
}

/** Pads text to a display width. */
export function pad(text: string, columns: number, right = false): string {
  const fill = " ".repeat(Math.max(0, columns - width(text)));
  return right ? fill + text : text + fill;
}

/** Renders rows as aligned columns; numeric columns align right. */
export function table(
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string[] {
  return layoutTable(rows, { right: rightAligned });
}

/** How a table fits a width. */
export interface TableLayout {
  /** Columns aligned right (numbers). */
  right?: readonly number[];
  /** The width no line may pass; default: no limit. */
  columns?: number;
  /** Columns to leave out, first to last, until the table fits. */
  drop?: readonly number[];
  /** The column whose cells are cut short if the table still does not fit. */
  shrink?: number;
  /** What marks a cut cell or line: `…`, or `...` in ASCII. */
  ellipsis?: string;
}

/**
 * Renders rows as aligned columns within `columns`: leaves out the `drop`
 * columns in order, then cuts the `shrink` column's cells, then cuts each
 * line, until every line fits. Without `columns`, exactly {@link table}.
 */
export function layoutTable(
  rows: readonly (readonly string[])[],
  layout: TableLayout,
): string[] {
  const { right = [], columns, drop = [], shrink, ellipsis = "…" } = layout;
  let kept = (rows[0] ?? []).map((_, i) => i);
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, width(cell)));
  }
  const total = () =>
    kept.reduce((sum, i) => sum + widths[i], 0) + 2 * (kept.length - 1);
  for (const column of drop) {
    if (columns === undefined || total() <= columns) break;
    kept = kept.filter((i) => i !== column);
  }
  let cells = rows.map((row) => kept.map((i) => row[i] ?? ""));
  if (
    columns !== undefined && shrink !== undefined && kept.includes(shrink) &&
    total() > columns
  ) {
    const at = kept.indexOf(shrink);
    const room = Math.max(
      width(ellipsis) + 1,
      widths[shrink] - (total() - columns),
    );
    widths[shrink] = room;
    cells = cells.map((row) =>
      row.map((cell, i) => i === at ? truncate(cell, room, ellipsis) : cell)
    );
  }
  return cells.map((row) => {
    const line = row.map((cell, i) =>
      pad(cell, widths[kept[i]], right.includes(kept[i]))
    ).join("  ").trimEnd();
    return columns === undefined ? line : truncate(line, columns, ellipsis);
  });
}

/**
 * Cuts text to `columns`, ending it with `ellipsis` when cut; a color still
 * on at the cut is reset.
 */
export function truncate(
  text: string,
  columns: number,
  ellipsis = "…",
): string {
  if (width(text) <= columns) return text;
  const mark = width(ellipsis) <= columns ? ellipsis : "";
  const room = columns - width(mark);
  let out = "";
  let used = 0;
  let color = false;
  for (const [token] of text.matchAll(TOKEN)) {
    if (token.startsWith("\x1b")) {
      out += token;
      color = token !== RESET;
      continue;
    }
    const w = charWidth(token);
    if (used + w > room) break;
    out += token;
    used += w;
  }
  return out + mark + (color ? RESET : "");
}

/**
 * Wraps a line at spaces so no piece is wider than `columns`; a word too
 * long for the room left is broken. Continuation lines are indented (`indent` spaces,
 * fewer on a very narrow terminal), and a color on at a break is reset at
 * the end of the line and set again on the next.
 */
export function wrap(line: string, columns: number, indent: number): string[] {
  if (width(line) <= columns) return [line];
  const hang = " ".repeat(indent * 2 < columns ? indent : 0);
  const lines: string[] = [];
  let current = "";
  let used = 0;
  let base = 0; // the width the current line starts with
  let color = ""; // the codes in effect
  let text = false; // the current line has more than blanks
  let afterSpace = false;
  let breakAt = -1; // where the current line may break: after a blank
  let breakUsed = 0;
  let breakColor = "";
  const close = (piece: string, on: string) =>
    piece.replace(TRAILING_BLANKS, "$1") + (on ? RESET : "");
  const start = (on: string) => {
    current = hang + on;
    used = base = hang.length;
    text = false;
    breakAt = -1;
  };
  for (const [token] of line.matchAll(TOKEN)) {
    if (token.startsWith("\x1b")) {
      current += token;
      color = token === RESET ? "" : color + token;
      continue;
    }
    const blank = token === " ";
    if (!blank && afterSpace && text) {
      breakAt = current.length;
      breakUsed = used;
      breakColor = color;
    }
    afterSpace = blank;
    let w = charWidth(token);
    if (used + w > columns) {
      if (blank) continue; // a blank at the edge is where the line breaks
      // Break at the last blank, unless that leaves the line mostly empty
      // (a long word after a short lead, such as a name after `━━`): then
      // the word is broken instead.
      if (breakAt >= 0 && (breakUsed - base) * 3 >= columns - base) {
        const tail = current.slice(breakAt);
        const tailUsed = used - breakUsed;
        lines.push(close(current.slice(0, breakAt), breakColor));
        start(breakColor);
        current += tail;
        used += tailUsed;
        text = tailUsed > 0;
      }
      if (used + w > columns && used > base) {
        lines.push(close(current, color));
        start(color);
      }
    }
    let char = token;
    if (used + w > columns) [char, w] = ["?", 1]; // too wide for any line
    current += char;
    used += w;
    text ||= !blank;
  }
  lines.push(close(current, ""));
  return lines;
}
