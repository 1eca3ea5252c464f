/** Display width of a string: emoji count as two columns. */
export function width(text: string): number {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  let columns = 0;
  for (const char of plain) {
    const code = char.codePointAt(0)!;
    if (code === 0xfe0f) continue; // variation selector: no width of its own
    columns += code >= 0x2600 ? 2 : 1;
  }
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
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, width(cell)));
  }
  return rows.map((row) =>
    row.map((cell, i) => pad(cell, widths[i], rightAligned.includes(i)))
      .join("  ").trimEnd()
  );
}
