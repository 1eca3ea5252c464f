import assert from "node:assert/strict";
import { layoutTable, table, truncate, width, wrap } from "./_layout.ts";

const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

Deno.test("width() counts emoji as two columns and colors as none", () => {
  assert.equal(width("abc"), 3);
  assert.equal(width(`${BOLD}abc${RESET}`), 3);
  assert.equal(width("✅ ok"), 5);
  assert.equal(width("⚠️"), 2);
  assert.equal(width("中文"), 4);
});

Deno.test("wrap() breaks at blanks with a hanging indent, never past the width", () => {
  assert.deepEqual(wrap("   why: one two three four", 14, 5), [
    "   why: one",
    "     two three",
    "     four",
  ]);
  assert.deepEqual(wrap("short", 14, 5), ["short"]);
  // A word longer than a line is broken.
  assert.deepEqual(wrap("abcdefghij", 4, 0), ["abcd", "efgh", "ij"]);
  // A long word after a short lead fills the line rather than leave it bare.
  assert.deepEqual(wrap("━━ abcdefghijklmnop", 10, 3), [
    "━━ abcdefg",
    "   hijklmn",
    "   op",
  ]);
  for (let columns = 1; columns <= 30; columns++) {
    for (
      const line of wrap(
        "   a wide ✅ line with a verylongword in it",
        columns,
        5,
      )
    ) {
      assert.ok(width(line) <= columns, `${columns}: ${JSON.stringify(line)}`);
    }
  }
});

Deno.test("wrap() resets a color at a break and sets it again on the next line", () => {
  assert.deepEqual(wrap(`${BOLD}one two three${RESET} four`, 8, 2), [
    `${BOLD}one two${RESET}`,
    `  ${BOLD}three${RESET}`,
    "  four",
  ]);
});

Deno.test("truncate() cuts to the width with an ellipsis, resetting a color left on", () => {
  assert.equal(truncate("abcdef", 6), "abcdef");
  assert.equal(truncate("abcdefg", 6), "abcde…");
  assert.equal(truncate("abcdefg", 6, "..."), "abc...");
  assert.equal(truncate(`${BOLD}abcdefg${RESET}`, 4), `${BOLD}abc…${RESET}`);
  assert.equal(truncate("a✅b", 2), "a…");
  assert.equal(truncate("abc", 0), "");
});

const ROWS = [
  ["name", "a", "b", "c"],
  ["first", "1", "22", "333"],
  ["second", "4", "55", "666"],
];

Deno.test("layoutTable() without a width is table()", () => {
  assert.deepEqual(
    layoutTable(ROWS, { right: [1, 2, 3] }),
    table(ROWS, [1, 2, 3]),
  );
  assert.deepEqual(table(ROWS, [1, 2, 3]), [
    "name    a   b    c",
    "first   1  22  333",
    "second  4  55  666",
  ]);
});

Deno.test("layoutTable() leaves out columns in order, then cuts the shrinking column, then lines", () => {
  const layout = { right: [1, 2, 3], drop: [2, 1], shrink: 0 };
  assert.deepEqual(layoutTable(ROWS, { ...layout, columns: 18 }), [
    "name    a   b    c",
    "first   1  22  333",
    "second  4  55  666",
  ]);
  assert.deepEqual(layoutTable(ROWS, { ...layout, columns: 14 }), [
    "name    a    c",
    "first   1  333",
    "second  4  666",
  ]);
  assert.deepEqual(layoutTable(ROWS, { ...layout, columns: 11 }), [
    "name      c",
    "first   333",
    "second  666",
  ]);
  assert.deepEqual(layoutTable(ROWS, { ...layout, columns: 9 }), [
    "name    c",
    "fir…  333",
    "sec…  666",
  ]);
  for (let columns = 1; columns <= 20; columns++) {
    for (const line of layoutTable(ROWS, { ...layout, columns })) {
      assert.ok(width(line) <= columns, `${columns}: ${line}`);
    }
  }
});
