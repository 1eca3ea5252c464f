import assert from "node:assert/strict";
import {
  htmlAttr,
  htmlText,
  jsonText,
  markdownBlock,
  markdownCode,
  markdownText,
  terminalText,
  xmlText,
} from "./_escape.ts";

const UNICODE = { unicode: true };
const ASCII = { unicode: false };

Deno.test("terminalText() shows every control, bidi and invisible character as an escape", () => {
  const cases: [string, string][] = [
    ["\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"],
    ["\x1b[2J\x1b[31m", "\\x1b[2J\\x1b[31m"],
    ["a\r\nb\tc", "a\\r\\nb\\tc"],
    ["\x00\x7f", "\\x00\\x7f"],
    ["\x85\x9b", "\\x85\\x9b"],
    ["abc\u202edef\u2066\u200e", "abc\\u202edef\\u2066\\u200e"],
    ["a\u200bb\u2028c\ufeff", "a\\u200bb\\u2028c\\ufeff"],
    ["x\u{e0041}", "x\\u{e0041}"],
  ];
  for (const [raw, shown] of cases) {
    assert.equal(terminalText(raw, UNICODE), shown);
  }
});

Deno.test("terminalText() keeps printable Unicode on a UTF-8 terminal, escapes it on another", () => {
  const text = "café 中文 µs 👩‍💻 ✅";
  assert.equal(terminalText(text, UNICODE), text);
  assert.equal(
    terminalText(text, ASCII),
    "caf\\xe9 \\u4e2d\\u6587 \\xb5s \\u{1f469}\\u200d\\u{1f4bb} \\u2705",
  );
  // UTF-8 for U+011B ends in the byte 0x9B, CSI on an 8-bit terminal.
  assert.equal(terminalText("\u011b", ASCII), "\\u011b");
  assert.equal(terminalText("plain ascii", ASCII), "plain ascii");
});

Deno.test("markdownText() leaves no newline, code span, link, entity or tag to Markdown", () => {
  assert.equal(markdownText("a\n# b"), "a\\\\n# b");
  assert.equal(markdownText("a\x1b[2Jb"), "a\\\\x1b\\[2Jb");
  assert.equal(markdownText("`code`"), "\\`code\\`");
  assert.equal(
    markdownText("![x](http://e/x.png)"),
    "!\\[x\\](http://e/x.png)",
  );
  assert.equal(markdownText("&#x202e;"), "\\&#x202e;");
  assert.equal(
    markdownText("<img src=x> </b> <!-- c -->"),
    "\\<img src=x> \\</b> \\<!-- c -->",
  );
  assert.equal(markdownText("C:\\dir"), "C:\\\\dir");
  // Bounds as scenarios write them stay as they are.
  assert.equal(markdownText("<10us"), "<10us");
  assert.equal(markdownText("<=0%"), "<=0%");
  assert.equal(markdownText(">1000/s"), ">1000/s");
  assert.equal(markdownText("faults.error_rate"), "faults.error_rate");
  assert.equal(markdownText("a | b"), "a | b", "a cell escapes |");
});

Deno.test("markdownBlock() escapes what would open a block, and only that", () => {
  const cases: [string, string][] = [
    ["# heading", "\\# heading"],
    ["###### h6", "\\###### h6"],
    ["> quote", "\\> quote"],
    [">quote", "\\>quote"],
    ["- item", "\\- item"],
    ["+ item", "\\+ item"],
    ["* item", "\\* item"],
    ["---", "\\---"],
    ["***", "\\***"],
    ["_ _ _", "\\_ _ _"],
    ["~~~", "\\~~~"],
    ["1. item", "1\\. item"],
    ["2) item", "2\\) item"],
    ["    indented code", "indented code"],
    ["\n# after a newline", "\\# after a newline"],
    ["1.86% of ops", "1.86% of ops"],
    ["-490 B", "-490 B"],
    ["#hashtag", "#hashtag"],
    ["throughput missed", "throughput missed"],
  ];
  for (const [raw, escaped] of cases) {
    assert.equal(markdownBlock(raw), escaped, JSON.stringify(raw));
  }
});

Deno.test("markdownCode() fences code with more backticks than it holds", () => {
  assert.equal(markdownCode("latency.p99"), "`latency.p99`");
  assert.equal(markdownCode("a`b"), "``a`b``");
  assert.equal(markdownCode("``x"), "``` ``x ```");
  assert.equal(markdownCode("x`"), "`` x` ``");
  assert.equal(markdownCode(" a "), "`  a  `");
  assert.equal(markdownCode(""), "`  `");
  assert.equal(markdownCode("a\nb\x1b"), "`a\\nb\\x1b`");
});

Deno.test("jsonText() writes what JSON.stringify leaves raw as \\u escapes, meaning the same", () => {
  const value = { name: "a\x1b[2J\x7f\x9b\u202e\u{e0041}b" };
  const json = jsonText(JSON.stringify(value));
  assert.equal(
    json,
    '{"name":"a\\u001b[2J\\u007f\\u009b\\u202e\\udb40\\udc41b"}',
  );
  assert.deepEqual(JSON.parse(json), value);
});

Deno.test("xmlText() writes markup as entities and what XML 1.0 forbids as visible escapes", () => {
  const cases: [string, string][] = [
    [
      `<a href="x">&amp;'</a>`,
      "&lt;a href=&quot;x&quot;&gt;&amp;amp;&apos;&lt;/a&gt;",
    ],
    ["]]><![CDATA[", "]]&gt;&lt;![CDATA["],
    ["\x00\x1b[31m\x08\x0b\x0c", "\\x00\\x1b[31m\\x08\\x0b\\x0c"],
    ["a\r\nb\tc", "a\\r\\nb\\tc"],
    ["\x85\u202eevil", "\\x85\\u202eevil"],
    ["lone \ud800 \udfff", "lone \\ud800 \\udfff"],
    ["\ufffe\uffff", "\\ufffe\\uffff"],
    ["café 中文 👩‍💻", "café 中文 👩‍💻"],
  ];
  for (const [raw, shown] of cases) assert.equal(xmlText(raw), shown);
  // What is left parses as XML 1.0 text: no character it forbids.
  const all = Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i))
    .join("") + "\ud800\ufffe\uffff";
  assert.doesNotMatch(
    xmlText(all),
    // deno-lint-ignore no-control-regex
    /[\x00-\x08\x0b\x0c\x0e-\x1f<>"']|&(?!amp;|lt;|gt;|quot;|apos;)|[\ud800-\udfff]|\ufffe|\uffff/u,
  );
});

Deno.test("htmlText() writes markup as character references and controls as visible escapes", () => {
  const cases: [string, string][] = [
    [
      `<script>alert('x')</script>`,
      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
    ],
    [
      '"><img src=x onerror=alert(1)>',
      "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
    ],
    ["<!-- a --> &amp; &#27;", "&lt;!-- a --&gt; &amp;amp; &amp;#27;"],
    ["\x00\x1b[31m\x7f\x9b", "\\x00\\x1b[31m\\x7f\\x9b"],
    ["a\r\nb\tc", "a\\r\\nb\\tc"],
    ["\u202eevil\u2066", "\\u202eevil\\u2066"],
    ["lone \ud800 \ufffe", "lone \\ud800 \\ufffe"],
    ["café 中文 👩‍💻 <10us", "café 中文 👩‍💻 &lt;10us"],
  ];
  for (const [raw, shown] of cases) assert.equal(htmlText(raw), shown);
  // What is left holds no markup character and no control of any kind.
  const all = Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i))
    .join("") + "\ud800\u202e\ufffe";
  assert.doesNotMatch(
    htmlText(all),
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f-\x9f<>"'\u202e]|&(?!amp;|lt;|gt;|quot;|#39;)|[\ud800-\udfff]|\ufffe/u,
  );
});

Deno.test("htmlAttr() leaves no quote that could end a double-quoted value", () => {
  const value = htmlAttr(`x" onclick="alert(1)' y`);
  assert.equal(value, "x&quot; onclick=&quot;alert(1)&#39; y");
  assert.doesNotMatch(value, /["']/);
});
