import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, runCli } from "./_helpers.ts";

const BAD = join(ROOT, "tests/fixtures/bad");

/** Each bad input, and what its one-line message must say. */
const CASES: [file: string, position: string, says: RegExp][] = [
  ["yaml_syntax.yaml", ":8:1:", /invalid YAML/],
  [
    "unknown_key.yaml",
    ":5:3:",
    /unknown key "wrkers" in load \(did you mean "workers"\?\)/,
  ],
  [
    "wrong_type.yaml",
    ":5:12:",
    /"load\.workers" has the wrong type: expected number, got "two"/,
  ],
  [
    "unknown_op.yaml",
    ":7:9:",
    /unknown op "nop" for target "calibrate".*\(did you mean "noop"\?\)/,
  ],
  [
    "unknown_metric.yaml",
    ":9:3:",
    /unknown metric "latency\.p96".*\(did you mean "latency\.p9[05]"\?\)/,
  ],
  ["duplicate_key.yaml", ":6:3:", /duplicate key "iterations"/],
  ["alias_bomb.yaml", ":2:", /aliases expand too far/],
  [
    "old_target.yaml",
    ":2:9:",
    /unknown target "builtin": expected one of .* \(renamed: "calibrate"\)$/,
  ],
  [
    "old_option.yaml",
    ":3:12:",
    /unknown option "fault" for target "fsm" \(renamed: "defect"\)$/,
  ],
  [
    "proto_op.yaml",
    ":4:13:",
    /unknown op "constructor" for target "calibrate": expected one of noop/,
  ],
  [
    "bad_duration.yaml",
    ":5:13:",
    /"load\.duration": "5sec" is not a duration from 1ms to 24h: write a number and a unit \(ms, s, m or h\), like "500ms"/,
  ],
  [
    "impossible_bound.yaml",
    ":6:17:",
    /cannot use bound ">150%": a percentage is between 0% and 100%$/,
  ],
  [
    "yaml_tag.yaml",
    ":2:9:",
    /YAML tags like !!binary are not supported/,
  ],
  ["utf16.yaml", ":1:1:", /the file is UTF-16: save it as UTF-8$/],
  [
    "duration_iterations.yaml",
    ":3:64:",
    /"duration" has no effect with executor "shared-iterations": use "iterations" \(or max_duration for a hard stop\)$/,
  ],
];

for (const [file, position, says] of CASES) {
  Deno.test(`tensile validate rejects ${file} with exit 2 and file:line:col`, async () => {
    const { io, err } = captureIo();
    const code = await main(["validate", join(BAD, file)], io);
    assert.equal(code, 2);
    const lines = err().trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line expected, got:\n${err()}`);
    assert.ok(lines[0].startsWith(join(BAD, file) + position), lines[0]);
    assert.match(lines[0], says);
    assert.doesNotMatch(err(), /\n\s+at /, "no stack trace");
  });
}

Deno.test("tensile validate rejects a 10 MB file before parsing it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "huge.yaml");
    await Deno.writeTextFile(
      file,
      `description: "${"x".repeat(10 * 1024 * 1024)}"\n`,
    );
    const { io, err } = captureIo();
    assert.equal(await main(["validate", file], io), 2);
    assert.match(
      err(),
      new RegExp(
        `^${file}:1:1: larger than the 1 MiB limit for scenario files`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tensile run with a bad file exits 2 from a real process, no stack trace", async () => {
  const result = await runCli(["run", join(BAD, "unknown_key.yaml")]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown_key\.yaml:5:3: unknown key "wrkers"/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

Deno.test("tensile run names an unknown scenario and exits 2", async () => {
  const { io, err } = captureIo();
  assert.equal(await main(["run", "no-such-scenario"], io), 2);
  assert.match(err(), /Cannot find scenario "no-such-scenario"/);
});

Deno.test("tensile rejects an unknown command with exit 2", async () => {
  const { io, err } = captureIo();
  assert.equal(await main(["frobnicate"], io), 2);
  assert.match(err(), /unknown command 'frobnicate'/);
});

Deno.test("tensile run refuses out-of-range overrides and duplicate scenarios with exit 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["run", "calibrate-noop", "--workers", "100"],
      /--workers.*expected a whole number from 1 to 64, got "100"/,
    ],
    [
      ["run", "calibrate-noop", "--seed", "-1"],
      /expected a whole number from 0 to 4294967295/,
    ],
    [
      ["run", "calibrate-noop", "calibrate-noop"],
      /cannot run scenario "calibrate-noop" twice: it is also in ".*calibrate\.yaml"/,
    ],
    [
      ["run", "calibrate", "--only", "calibrate-nop"],
      /did you mean "calibrate-noop"\?/,
    ],
    [
      ["run", "calibrate-noop", "--out", join(BAD, "unknown_key.yaml")],
      /Cannot write results to ".*unknown_key\.yaml"/,
    ],
    [["validate", BAD], /not a regular file/],
    [
      ["run", join(ROOT, "tests/fixtures/many_tasks.yaml"), "--workers", "64"],
      /Cannot run "many-tasks" with --workers 64: .* 640,000 tasks, over the 100,000/,
    ],
  ];
  for (const [args, says] of cases) {
    await t.step(args.join(" "), async () => {
      const { io, err } = captureIo();
      assert.equal(await main(args, io), 2, err());
      assert.match(err(), says);
      assert.doesNotMatch(err(), /\n\s+at /);
    });
  }
});

Deno.test("tensile report refuses a file that is not an artifact with exit 2, one line, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "result.json");
    await Deno.writeTextFile(file, JSON.stringify({ schema: "other" }));
    const { io, out, err } = captureIo();
    assert.equal(await main(["report", file], io), 2);
    assert.equal(out(), "");
    assert.equal(
      err(),
      `error: Cannot read artifact "${file}": not a tensile/result@1 file (schema: Invalid input: expected "tensile/result@1")\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
