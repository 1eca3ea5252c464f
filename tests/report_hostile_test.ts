/**
 * An artifact whose every free-text field (names, descriptions, bounds,
 * messages, advice, op and counter names, the machine it ran on) holds
 * terminal escapes, bidi overrides, newlines, Markdown syntax, XML and HTML
 * markup,
 * rendered by every printer: none of it may act.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Artifact,
  ArtifactSchema,
  readArtifact,
} from "../src/artifact/mod.ts";
import {
  renderGithub,
  renderHtml,
  renderJson,
  renderJunit,
  renderMarkdown,
  renderProgress,
  renderSummary,
} from "../src/report/mod.ts";
import { ROOT } from "./_helpers.ts";
import { assertValidJunit } from "./_junit.ts";

const golden = await readArtifact(
  join(ROOT, "tests/fixtures/golden/result.json"),
);

/** Everything a string can do to a terminal or a Markdown document. */
function hostile(label: string): string {
  return [
    label,
    "\x1b]0;pwned\x07", // OSC: retitle the terminal
    "\x1b[2J\x1b[H", // clear the screen, cursor home
    "\x1b[31m", // a color of its own
    "\r\x00\x7f", // carriage return, NUL, DEL
    "\x9b2J\x85", // C1: CSI and NEL as 8-bit controls
    "\u202eevil\u202c\u2066", // bidi override, isolate
    "|`x`|<img src=x>[a](http://e)&#27;",
    `\n# injected heading ${label}`,
    "\n- injected item",
    "\n━━ injected scenario",
    "\n> injected quote",
    '"/><testcase name="forged"/><x a=\'',
    "</td></tr></table><script>alert(1)</script><img src=x onerror=alert(2)>",
    "<svg onload=alert(3)><style>*{display:none}</style>",
    "]]><!-- &amp; \ud800 \ufffe",
    "\n::error::forged %0A::warning title=x,line=1::y",
  ].join("");
}

/** Control characters no printer may write (LF is the printer's own). */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** The tool's own colors, as the terminal printer writes them. */
// deno-lint-ignore no-control-regex
const TOOL_COLORS = /\x1b\[(?:0|1|2|31|32|33)m/g;

/**
 * The golden artifact with every string the schema lets be free text
 * replaced by {@link hostile}, op and counter names too, and a failed
 * invariant, a reason, a note, advice and a run error added so every
 * section shows.
 */
function hostileArtifact(): Artifact {
  const artifact = structuredClone(golden) as Artifact;
  for (const [i, s] of artifact.scenarios.entries()) {
    s.invariants = [{ name: "inv", ok: false, detail: "detail" }];
    s.notes = ["note"];
    s.reasons = ["reason", ...s.reasons];
    s.recommendations = ["advice", ...s.recommendations];
    s.error = "error";
    const m = s.measurements;
    m.counters = { [hostile(`counter${i}`)]: 3 };
    m.ops = Object.fromEntries(
      Object.entries(m.ops).map(([op, value]) => [hostile(`op-${op}`), value]),
    );
    m.total = Math.max(m.total, 1);
  }
  const original = structuredClone(artifact);
  replaceStrings(artifact, []);
  // Put back what the schema holds to a fixed list (grades, profiles, ...).
  const parsed = ArtifactSchema.safeParse(artifact);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      restore(artifact, original, issue.path as (string | number)[]);
    }
  }
  return ArtifactSchema.parse(artifact);
}

function replaceStrings(value: unknown, path: string[]): void {
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (typeof child === "string") {
      record[key] = hostile([...path, key].join("."));
    } else {
      replaceStrings(child, [...path, key]);
    }
  }
}

function restore(
  target: unknown,
  source: unknown,
  path: (string | number)[],
): void {
  let to = target as Record<string | number, unknown>;
  let from = source as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    to = to[key] as Record<string | number, unknown>;
    from = from[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  to[last] = from[last];
}

const artifact = hostileArtifact();

Deno.test("the hostile artifact holds hostile text in every section a report shows", () => {
  const s = artifact.scenarios[1];
  for (
    const text of [
      artifact.started_at,
      artifact.tool.version,
      artifact.system.os,
      s.name,
      s.description,
      s.target,
      s.load.executor,
      s.error!,
      s.thresholds[0].metric,
      s.thresholds[0].critical,
      s.invariants[0].name,
      s.invariants[0].detail,
      s.measurements.error_samples[0].op,
      s.measurements.error_samples[0].message,
      Object.keys(s.measurements.counters)[0],
      Object.keys(s.measurements.ops)[0],
      s.reasons[0],
      s.notes[0],
      s.recommendations[0],
    ]
  ) {
    assert.ok(text.includes("\x1b]0;pwned"), text);
  }
});

Deno.test("renderSummary() lets no control character from the artifact reach the terminal", async (t) => {
  for (const unicode of [true, false]) {
    for (const columns of [undefined, 60]) {
      await t.step(`unicode ${unicode}, columns ${columns ?? "none"}`, () => {
        const options = { unicode, columns };
        const plain = renderSummary(artifact, { color: false, ...options });
        assert.doesNotMatch(plain, RAW_CONTROL);
        assert.ok(plain.includes("\\x1b]0;pwned\\x07"), "shown, escaped");
        if (!unicode) assert.match(plain, /^[\x20-\x7e\n]*$/, "ASCII only");
        const lines = plain.split("\n");
        for (const line of lines) {
          assert.doesNotMatch(
            line,
            /^(━━|==) injected scenario|^# injected heading/,
          );
        }
        const heads = lines.filter((line) => /^(━━|==) scenarios/.test(line));
        assert.equal(heads.length, artifact.scenarios.length);
        // With color, the only escapes are the tool's own colors.
        const colored = renderSummary(artifact, { color: true, ...options });
        assert.equal(colored.replace(TOOL_COLORS, ""), plain);
      });
    }
  }
});

Deno.test("renderProgress() escapes the scenario name", () => {
  for (const unicode of [true, false]) {
    const line = renderProgress({
      name: artifact.scenarios[0].name,
      done: 10,
      throughput: 100,
      p99: 1,
    }, { unicode });
    assert.doesNotMatch(line, RAW_CONTROL);
    assert.doesNotMatch(line, /\n/);
  }
});

Deno.test("renderMarkdown() lets no control character, heading, list or broken table in from the artifact", () => {
  const md = renderMarkdown(artifact);
  assert.doesNotMatch(md, RAW_CONTROL);
  const lines = md.split("\n");
  // One title, one heading per scenario: a name cannot add one.
  assert.deepEqual(
    lines.filter((line) => line.startsWith("#")).map((line) =>
      line.slice(0, 3)
    ),
    ["# t", ...artifact.scenarios.map(() => "## ")],
  );
  for (const line of lines) {
    assert.doesNotMatch(
      line,
      /^(# injected heading|- injected item|> injected quote|━━)/,
    );
    // Outside code spans, which show their text as it is.
    const prose = line.replace(/(?<![\\`])(`+)[^`][\s\S]*?(?<!`)\1(?!`)/g, "");
    assert.doesNotMatch(prose, /(?<!\\)(<img|\[a\]|&#27;|`)/);
  }
  // Every row of a table has as many cells as its header.
  let columns = 0;
  for (const line of lines) {
    if (!line.startsWith("|")) {
      columns = 0;
      continue;
    }
    const cells = line.split(/(?<!\\)\|/).length;
    if (columns === 0) columns = cells;
    assert.equal(cells, columns, line);
  }
});

Deno.test("renderJson() prints the same document with every control character escaped", () => {
  const json = renderJson(artifact);
  assert.doesNotMatch(json, RAW_CONTROL);
  assert.deepEqual(ArtifactSchema.parse(JSON.parse(json)), artifact);
});

Deno.test("renderJunit() stays valid JUnit and forges no element from the artifact", () => {
  const xml = renderJunit(artifact);
  assert.doesNotMatch(xml, RAW_CONTROL);
  assert.doesNotMatch(xml, /[\ud800-\udfff]|\ufffe/u);
  assertValidJunit(xml);
  assert.doesNotMatch(xml, /<testcase name="forged"|<x |<!--/);
  // One suite per scenario, and only the cases the checks make.
  assert.equal(
    xml.match(/<testsuite /g)?.length,
    artifact.scenarios.length,
  );
  const checks = artifact.scenarios.reduce(
    (n, s) =>
      n + s.thresholds.length + s.invariants.length +
      (s.status === "error" || s.status === "interrupted" ? 1 : 0),
    0,
  );
  assert.equal(xml.match(/<testcase /g)?.length, checks);
  // The run's error, and a threshold's failure, in an errored and an
  // interrupted scenario.
  const broken = structuredClone(artifact);
  broken.scenarios[0].status = "error";
  broken.scenarios[1].status = "interrupted";
  broken.scenarios[1].thresholds[0].level = "failed";
  const errored = renderJunit(broken);
  assert.doesNotMatch(errored, RAW_CONTROL);
  assertValidJunit(errored);
  assert.equal(errored.match(/<error /g)?.length, 2);
  assert.equal(errored.match(/<failure /g)?.length, 2, "threshold, invariant");
});

Deno.test("renderGithub() lets no annotation, property or output be forged from the artifact", () => {
  const broken = structuredClone(artifact);
  broken.scenarios[0].status = "error";
  broken.scenarios[1].status = "interrupted";
  broken.scenarios[1].thresholds[0].level = "failed";
  broken.scenarios[1].line = 4;
  const path = hostile("path");
  for (const a of [artifact, broken]) {
    const github = renderGithub(a, { artifactPath: path, exitCode: 1 });
    const lines = github.annotations.trimEnd().split("\n");
    for (const line of lines) {
      assert.doesNotMatch(line, RAW_CONTROL);
      const command = /^::(error|warning) ([^:]*)::/.exec(line);
      assert.ok(command, line);
      // Only the tool's properties, values with no `,` or `:` of their own.
      const names = command[2].split(",").map((p) => p.split("=")[0]);
      assert.ok(
        ["file,title", "file,line,title"].includes(names.join(",")),
        line,
      );
    }
    // One annotation per scenario that errored, was interrupted or broke an
    // invariant, and per threshold off optimal in one that did not error.
    const expected = a.scenarios.reduce(
      (n, s) =>
        n + (s.status === "error" || s.status === "interrupted" ? 1 : 0) +
        s.invariants.filter((i) => !i.ok).length +
        (s.status === "error"
          ? 0
          : s.thresholds.filter((t) => t.level !== "optimal").length),
      0,
    );
    assert.equal(lines.length, expected);
    assert.doesNotMatch(github.summary, RAW_CONTROL);
    assert.doesNotMatch(github.summary, /^::|^##\[/m);
    // The outputs file reads back as exactly the four outputs.
    const names: string[] = [];
    const out = github.outputs.split("\n");
    for (let i = 0; i < out.length - 1; i++) {
      const heredoc = /^([a-z_]+)<<(.+)$/.exec(out[i]);
      if (heredoc) {
        names.push(heredoc[1]);
        i = out.indexOf(heredoc[2], i + 1);
        assert.ok(i > 0, "the delimiter closes the value");
      } else names.push(out[i].split("=")[0]);
    }
    assert.deepEqual(names, ["grade", "status", "exit_code", "result"]);
  }
});

Deno.test("renderHtml() lets no tag, attribute, script or control character in from the artifact", () => {
  const html = renderHtml(artifact);
  assert.doesNotMatch(html, RAW_CONTROL);
  assert.doesNotMatch(html, /[\ud800-\udfff]|\ufffe/u);
  // Only the tool's own elements: one script, one style, one title, no
  // image, no forged element, no comment.
  const count = (tag: string) =>
    html.match(new RegExp(`<${tag}[\\s>]`, "g"))?.length ?? 0;
  assert.equal(count("script"), 1);
  assert.equal(count("style"), 1);
  assert.equal(count("h1"), 1);
  assert.equal(count("section"), artifact.scenarios.length);
  assert.equal(count("h2"), artifact.scenarios.length);
  for (const tag of ["img", "testcase", "x", "iframe", "object"]) {
    assert.equal(count(tag), 0, tag);
  }
  assert.doesNotMatch(html, /<!--|<!\[CDATA/);
  // Every tag holds only name="value" attributes, none of them a handler,
  // and every value is free of what could end it or open markup.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/g)) {
    const attributes = tag.replace(/^<[a-z0-9]+|\/?>$/g, "");
    assert.match(attributes, /^(\s[a-zA-Z-]+="[^"<>]*")*$/, tag);
    for (const [, name] of attributes.matchAll(/\s([a-zA-Z-]+)="[^"]*"/g)) {
      assert.doesNotMatch(name, /^on/, tag);
    }
  }
  // Each hostile string shows, escaped, where it was.
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(html.includes("\\x1b]0;pwned\\x07"));
});
