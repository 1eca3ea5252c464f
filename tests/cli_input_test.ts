/**
 * Bad input that used to get through: each class of hostile scenario file is
 * refused by `tensile validate` (and so `run`) with exit 2, `file:line:col`
 * and one short line saying what is wrong.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli/mod.ts";
import { captureIo, ROOT, runCli } from "./_helpers.ts";

/** A valid scenario on the fsm target (options, params, counters, invariants). */
const FSM = `name: probe
target: fsm
load: { executor: per-worker-iterations, iterations: 10 }
mix: [{ op: execute }]
`;

/** A valid scenario on the calibrate target. */
const CALIBRATE = `name: probe
target: calibrate
load: { executor: per-worker-iterations, iterations: 10 }
mix: [{ op: noop }]
`;

/** Runs `tensile validate` in-process on files written to a temp folder. */
async function validate(
  files: Record<string, string | Uint8Array>,
  args: string[] = [],
): Promise<{ code: number; out: string; err: string; dir: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const paths = [];
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      if (typeof content === "string") await Deno.writeTextFile(path, content);
      else await Deno.writeFile(path, content);
      paths.push(path);
    }
    const { io, out, err } = captureIo();
    const code = await main(["validate", ...paths, ...args], io);
    return { code, out: out(), err: err(), dir };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts exit 2 and that every stderr line is a short `file:line:col:` line. */
function assertRefused(
  result: { code: number; err: string; dir: string },
  says: RegExp,
): string[] {
  assert.equal(result.code, 2, result.err);
  const lines = result.err.trimEnd().split("\n");
  for (const line of lines) {
    assert.ok(
      line.startsWith(result.dir) && /^[^:]+:\d+:\d+: \S/.test(line),
      `file:line:col expected: ${line.slice(0, 300)}`,
    );
    assert.ok(line.length < 400, `a short line expected: ${line.length}`);
  }
  assert.match(result.err.trimEnd(), says);
  assert.doesNotMatch(result.err, /\n\s+at |--allow|Requires /);
  return lines;
}

const PROTO_NAMES = [
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__proto__",
];

/** Each place a scenario names something, with the message it must get. */
const POSITIONS: [
  where: string,
  text: (name: string) => string,
  says: (
    name: string,
  ) => RegExp,
][] = [
  [
    "target",
    (name) => FSM.replace("target: fsm", `target: ${name}`),
    (name) => new RegExp(`unknown target "${name}": expected one of`),
  ],
  [
    "op",
    (name) => FSM.replace("op: execute", `op: ${name}`),
    (name) => new RegExp(`unknown op "${name}" for target "fsm"`),
  ],
  [
    "metric",
    (name) => `${FSM}thresholds: { ${name}: "<5ms" }\n`,
    (name) => new RegExp(`unknown metric "${name}" in thresholds`),
  ],
  [
    "per-op metric",
    (name) => `${FSM}thresholds: { ops.execute.${name}: "<5ms" }\n`,
    (name) => new RegExp(`unknown metric "ops\\.execute\\.${name}"`),
  ],
  [
    "op in a metric",
    (name) => `${FSM}thresholds: { ops.${name}.latency.p50: "<5ms" }\n`,
    (name) => new RegExp(`unknown op "${name}" in threshold`),
  ],
  [
    "invariant",
    (name) => `${FSM}invariants: [${name}]\n`,
    (name) => new RegExp(`unknown invariant "${name}" for target "fsm"`),
  ],
  [
    "counter",
    (name) => `${FSM}thresholds: { counters.${name}: "<5" }\n`,
    (name) => new RegExp(`unknown counter "${name}" in threshold`),
  ],
  [
    "option",
    (name) => `${FSM}options: { ${name}: 1 }\n`,
    (name) => new RegExp(`unknown option "${name}" for target "fsm"`),
  ],
  [
    "option of a target without options",
    (name) => `${CALIBRATE}options: { ${name}: 1 }\n`,
    (name) =>
      new RegExp(
        `unknown option "${name}" for target "calibrate": it takes no options`,
      ),
  ],
  [
    "param",
    (name) => FSM.replace("op: execute", `op: execute, params: { ${name}: 1 }`),
    (name) => new RegExp(`unknown param "${name}" for op "execute"`),
  ],
  [
    "key of a suite scenario",
    (name) =>
      `suite: s\nscenarios:\n  - ${
        FSM.trimEnd().replaceAll("\n", "\n    ")
      }\n    ${name}: { name: other }\n`,
    (name) => new RegExp(`unknown key "${name}"`),
  ],
];

Deno.test("tensile validate refuses Object.prototype names in every position as unknown, exit 2", async (t) => {
  for (const [where, text, says] of POSITIONS) {
    await t.step(where, async () => {
      for (const name of PROTO_NAMES) {
        assertRefused(await validate({ "s.yaml": text(name) }), says(name));
      }
    });
  }
});

Deno.test("tensile run refuses an op named constructor before running, exit 2 from a real process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "s.yaml");
    await Deno.writeTextFile(
      file,
      CALIBRATE.replace("op: noop", "op: constructor"),
    );
    const result = await runCli(["run", file, "--out", join(dir, "out")]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /s\.yaml:4:13: unknown op "constructor" for target "calibrate"/,
    );
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BAD_DURATIONS = ["5sec", "1d", "-1s", "0s", "1e3s", "25h"];

Deno.test("tensile validate refuses a bad duration wherever one is written, with its place and the accepted forms", async (t) => {
  const places: [string, (d: string) => string, RegExp][] = [
    [
      "load.duration",
      (d) =>
        CALIBRATE.replace(
          "{ executor: per-worker-iterations, iterations: 10 }",
          `{ executor: constant-workers, duration: "${d}" }`,
        ),
      /:3:\d+: "load\.duration": ".*" is not a duration from 1ms to 24h: write a number and a unit \(ms, s, m or h\), like "500ms", "2s" or "1\.5m"$/m,
    ],
    [
      "load.max_duration",
      (d) =>
        CALIBRATE.replace(
          "iterations: 10",
          `iterations: 10, max_duration: "${d}"`,
        ),
      /:3:\d+: "load\.max_duration": ".*" is not a duration from 1ms to 24h: write a number and a unit/,
    ],
    [
      "a profile's load",
      (d) =>
        CALIBRATE.replace(
          "{ executor: per-worker-iterations, iterations: 10 }",
          "{ executor: constant-workers, duration: 1s }",
        ) + `profiles: { full: { load: { duration: "${d}" } } }\n`,
      /:5:\d+: "profiles\.full\.load\.duration": ".*" is not a duration/,
    ],
    [
      "a time threshold",
      (d) => `${CALIBRATE}thresholds: { latency.p99: "<${d}" }\n`,
      /:5:\d+: cannot (parse|use) bound "<.*"/,
    ],
  ];
  for (const [where, text, says] of places) {
    await t.step(where, async () => {
      for (const duration of BAD_DURATIONS) {
        if (where === "a time threshold" && duration === "0s") continue;
        assertRefused(await validate({ "s.yaml": text(duration) }), says);
      }
    });
  }
  await t.step("a time bound names the time units", async () => {
    assertRefused(
      await validate({
        "s.yaml": `${CALIBRATE}thresholds: { latency.p99: "<5sec" }\n`,
      }),
      /cannot parse bound "<5sec": unknown unit "sec" \(use ns, us, ms or s, like "<5ms"\)/,
    );
  });
});

Deno.test("tensile validate refuses bounds that can never pass, saying why; bounds that can never fail are fine", async (t) => {
  const impossible: [string, string, RegExp][] = [
    [
      "success_rate",
      ">150%",
      /cannot use bound ">150%": a percentage is between 0% and 100%$/,
    ],
    [
      "error_rate",
      "<-1%",
      /cannot use bound "<-1%": a percentage is between 0% and 100%$/,
    ],
    [
      "error_rate",
      "<0%",
      /cannot use bound "<0%": .*so it can never pass$/,
    ],
    [
      "latency.p99",
      "<0ns",
      /cannot use bound "<0ns": latency is always above 0, so it can never pass$/,
    ],
    [
      "latency.p50",
      "<=0ms",
      /cannot use bound "<=0ms": latency is always above 0, so it can never pass$/,
    ],
    [
      "throughput",
      ">-5/s",
      /cannot use bound ">-5\/s": throughput cannot be below 0$/,
    ],
    [
      "ops.noop.busy_rate",
      "<101%",
      /a percentage is between 0% and 100%$/,
    ],
    [
      "latency.p99_p50_ratio",
      "<1",
      /the ratio is at least 1 \(p99 is never below p50\), so it can never pass$/,
    ],
    ["memory.peak_rss", "<=0B", /memory in use is always above 0/],
    ["latency.p99", `<${"9".repeat(400)}ms`, /the number is too large/],
  ];
  for (const [metric, bound, says] of impossible) {
    await t.step(`${metric}: ${bound.slice(0, 20)}`, async () => {
      const lines = assertRefused(
        await validate({
          "s.yaml": `${CALIBRATE}thresholds:\n  ${metric}: "${bound}"\n`,
        }),
        says,
      );
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], /:6:\d+: /);
    });
  }
  await t.step("each tier is checked, at its own place", async () => {
    const lines = assertRefused(
      await validate({
        "s.yaml":
          `${CALIBRATE}thresholds:\n  success_rate: { optimal: ">101%", critical: ">-1%" }\n`,
      }),
      /101%/,
    );
    assert.equal(lines.length, 2, lines.join("\n"));
  });
  await t.step("never-failing bounds are allowed", async () => {
    const result = await validate({
      "s.yaml": `${CALIBRATE}thresholds:
  success_rate: ">=0%"
  error_rate: "<=100%"
  unexpected_rate: "<=0%"
  latency.stdev: "<=0ms"
  throughput: ">=0/s"
`,
    });
    assert.equal(result.code, 0, result.err);
  });
});

Deno.test("tensile validate caps names and descriptions, and keeps every message one short line", async (t) => {
  const long = "a".repeat(100_000);
  const cases: [string, string, RegExp][] = [
    [
      "scenario name",
      CALIBRATE.replace("name: probe", `name: ${long}`),
      /"name": expected at most 64 characters/,
    ],
    [
      "suite name",
      `suite: ${long}\nscenarios:\n  - ${
        CALIBRATE.trimEnd().replaceAll("\n", "\n    ")
      }\n`,
      /"suite": expected at most 64 characters/,
    ],
    [
      "description",
      `${CALIBRATE}description: ${"d".repeat(5000)}\n`,
      /"description": expected at most 1000 characters/,
    ],
    [
      "op",
      CALIBRATE.replace("op: noop", `op: ${long}`),
      /unknown op "a{80}…" for target "calibrate"/,
    ],
    [
      "metric",
      `${CALIBRATE}thresholds: { ${long}: "<5ms" }\n`,
      /unknown metric "a{80}…" in thresholds/,
    ],
    [
      "option key",
      `${FSM}options: { ${long}: 1 }\n`,
      /unknown option "a{80}…" for target "fsm"/,
    ],
    [
      "bound",
      `${CALIBRATE}thresholds: { latency.p50: "<5${long}" }\n`,
      /cannot parse bound "<5a{78}…"/,
    ],
    [
      "target with a newline",
      CALIBRATE.replace("target: calibrate", 'target: "cali\\nbrate"'),
      /unknown target "cali\\nbrate"/,
    ],
  ];
  for (const [what, text, says] of cases) {
    await t.step(what, async () => {
      const result = await validate({ "s.yaml": text });
      const lines = assertRefused(result, says);
      assert.ok(result.err.length < 2000, `${result.err.length} characters`);
      assert.ok(lines.length <= 2, lines.join("\n"));
    });
  }
});

Deno.test("tensile validate reports every independent problem of a file at once, in file order", async (t) => {
  await t.step(
    "a missing load hides neither an unknown target nor a bad metric",
    async () => {
      const lines = assertRefused(
        await validate({
          "s.yaml": `name: probe
target: calibrat
mix: [{ op: noop }]
thresholds: { latency.p96: "<5ms", latency.p99: "<5sec" }
`,
        }),
        /missing "load"/,
      );
      assert.deepEqual(
        lines.map((line) => line.replace(/^[^:]+:/, "")),
        [
          '1:1: missing "load": expected object',
          '2:9: unknown target "calibrat": expected one of calibrate, fsm, http, store, uow, workflow (did you mean "calibrate"?)',
          '4:15: unknown metric "latency.p96" in thresholds (did you mean "latency.p90"?): see docs/scenarios.md#thresholds',
          '4:49: cannot parse bound "<5sec": unknown unit "sec" (use ns, us, ms or s, like "<5ms")',
        ],
      );
    },
  );
  await t.step(
    "a missing load hides neither an unknown op nor an unknown key",
    async () => {
      const lines = assertRefused(
        await validate({
          "s.yaml": `name: probe
target: calibrate
mix: [{ op: nop }, { op: spin, params: { uss: 1 } }]
invariant: []
thresholds: { ops.noop.latency.p50: "<1ms", counters.x: "<1" }
`,
        }),
        /missing "load"/,
      );
      assert.deepEqual(
        lines.map((line) =>
          line.replace(/^[^:]+:(\d+:\d+): (\S+ \S+).*/, "$1 $2")
        ),
        [
          '1:1 missing "load":',
          "3:13 unknown op",
          "3:42 unknown param",
          "4:1 unknown key",
          "5:15 unknown op",
          "5:45 unknown counter",
        ],
      );
    },
  );
  await t.step("a bad suite key hides no scenario's problem", async () => {
    const lines = assertRefused(
      await validate({
        "s.yaml": `suite: s
descripton: x
scenarios:
  - ${
          CALIBRATE.replace("op: noop", "op: nop").trimEnd().replaceAll(
            "\n",
            "\n    ",
          )
        }
`,
      }),
      /unknown key "descripton" \(did you mean "description"\?\)/,
    );
    assert.equal(lines.length, 2);
    assert.match(lines[1], /unknown op "nop"/);
  });
});

const UTF8 = new TextEncoder();

/** UTF-16 bytes of `text`, without a byte order mark. */
function utf16(text: string, bigEndian = false): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    bytes[2 * i + (bigEndian ? 1 : 0)] = code & 0xff;
    bytes[2 * i + (bigEndian ? 0 : 1)] = code >> 8;
  }
  return bytes;
}

Deno.test("tensile validate says what is wrong with encodings, odd bytes and YAML tags", async (t) => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    [
      "UTF-16 LE with a BOM",
      new Uint8Array([0xff, 0xfe, ...utf16(CALIBRATE)]),
      /:1:1: the file is UTF-16: save it as UTF-8$/,
    ],
    [
      "UTF-16 BE with a BOM",
      new Uint8Array([0xfe, 0xff, ...utf16(CALIBRATE, true)]),
      /:1:1: the file is UTF-16: save it as UTF-8$/,
    ],
    [
      "UTF-16 without a BOM",
      utf16(CALIBRATE),
      /:1:1: the file is UTF-16 \(every other byte is NUL\): save it as UTF-8$/,
    ],
    [
      "Latin-1",
      new Uint8Array([...UTF8.encode(`${CALIBRATE}description: caf`), 0xe9]),
      /:5:17: the file is not UTF-8: byte 0xe9 is not valid UTF-8: save it as UTF-8$/,
    ],
    [
      "a NUL byte in a key",
      CALIBRATE.replace("iterations: 10", "iterations: 10, wor\u0000kers: 2"),
      /unknown key "wor\\u0000kers" in load \(did you mean "workers"\?\)/,
    ],
    [
      "an invisible character in a value",
      CALIBRATE.replace("op: noop", 'op: "no\u200bop"'),
      /unknown op "no\\u200bop" for target "calibrate".*\(did you mean "noop"\?\)/,
    ],
    [
      "a bidi override in a metric",
      `${CALIBRATE}thresholds: { "latency.p9\u202e9": "<5ms" }\n`,
      /unknown metric "latency\.p9\\u202e9"/,
    ],
    [
      "!!binary",
      CALIBRATE.replace("target: calibrate", "target: !!binary Y2FsaWJyYXRl"),
      /:2:9: YAML tags like !!binary are not supported: write a plain value$/,
    ],
    [
      "!!js/function",
      CALIBRATE.replace("op: noop", "op: !!js/function 'noop'"),
      /:4:13: YAML tags like !!js\/function are not supported/,
    ],
    [
      "a custom tag",
      CALIBRATE.replace("name: probe", "name: !foo probe"),
      /:1:7: YAML tags like !foo are not supported/,
    ],
    [
      "YAML 1.1",
      `%YAML 1.1\n---\n${CALIBRATE}`,
      /:1:1: YAML 1.1 is not supported/,
    ],
    [
      "a list as a key",
      `${CALIBRATE}? [a, b]\n: 1\n`,
      /:5:3: a key must be a plain name, not a list or a mapping$/,
    ],
    [
      "deep nesting",
      `${CALIBRATE}description: ${"[".repeat(5000)}\n`,
      /invalid YAML: nested too deep/,
    ],
  ];
  for (const [what, content, says] of cases) {
    await t.step(what, async () => {
      const lines = assertRefused(await validate({ "s.yaml": content }), says);
      assert.equal(lines.length, 1, lines.join("\n"));
    });
  }
  await t.step("a UTF-8 BOM is fine", async () => {
    const result = await validate({
      "s.yaml": new Uint8Array([0xef, 0xbb, 0xbf, ...UTF8.encode(CALIBRATE)]),
    });
    assert.equal(result.code, 0, result.err);
  });
});

Deno.test("tensile refuses what is not a regular file with the reason, and never hangs on a FIFO", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = join(dir, "fifo.yaml");
    await new Deno.Command("mkfifo", { args: [fifo] }).output();
    const link = join(dir, "status.yaml");
    await Deno.symlink("/proc/self/status", link);
    const cases: [string[], RegExp][] = [
      [["run", dir], /:1:1: not a regular file \(a directory\)/],
      [["validate", dir], /:1:1: not a regular file \(a directory\)/],
      [["run", fifo], /fifo\.yaml:1:1: not a regular file \(a FIFO\)/],
      [["validate", fifo], /fifo\.yaml:1:1: not a regular file \(a FIFO\)/],
      [
        ["validate", "/proc/self/mem"],
        /^\/proc\/self\/mem:1:1: not a scenario file: files under \/proc are made by the kernel/,
      ],
      [
        ["run", "/proc/self/status"],
        /^\/proc\/self\/status:1:1: not a scenario file: files under \/proc/,
      ],
      [["validate", link], /status\.yaml:1:1: not a scenario file/],
      [["validate", join(dir, "none.yaml")], /none\.yaml:1:1: no such file$/],
    ];
    for (const [args, says] of cases) {
      await t.step(args.join(" ").replace(dir, "<tmp>"), async () => {
        const { io, err } = captureIo();
        const code = await Promise.race([
          main(args, io),
          new Promise<never>((_, reject) => {
            const timer = setTimeout(
              () => reject(new Error("hung")),
              20_000,
            );
            Deno.unrefTimer(timer);
          }),
        ]);
        assert.equal(code, 2, err());
        assert.match(err().trimEnd(), says);
        assert.doesNotMatch(err(), /--allow|Requires|os error/);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tensile validate says permission denied for a file it may not read, with no Deno flags", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "s.yaml");
    await Deno.writeTextFile(file, CALIBRATE);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${ROOT},${dir}`,
        `--deny-read=${file}`,
        "--allow-env",
        `${ROOT}main.ts`,
        "validate",
        file,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, stderr);
    assert.equal(stderr, `${file}:1:1: cannot read file: permission denied\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "tensile validate says permission denied for a file without read permission",
  ignore: Deno.uid() === 0, // root reads anything
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const file = join(dir, "s.yaml");
      await Deno.writeTextFile(file, CALIBRATE);
      await Deno.chmod(file, 0o000);
      const { io, err } = captureIo();
      assert.equal(await main(["validate", file], io), 2);
      assert.equal(err(), `${file}:1:1: cannot read file: permission denied\n`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("tensile validate refuses valid values that would blow up a run, with the limit and why", async (t) => {
  const load = (text: string) =>
    CALIBRATE.replace(
      "{ executor: per-worker-iterations, iterations: 10 }",
      text,
    );
  const cases: [string, string, RegExp, string[]?][] = [
    [
      "a mix of 60,000 entries",
      CALIBRATE.replace(
        "[{ op: noop }]",
        `[${Array(60_000).fill("{ op: noop }").join(", ")}]`,
      ),
      /"mix": expected at most 1000 entries: each entry keeps its own latency histogram in every worker/,
    ],
    [
      "64 workers × 10,000 tasks",
      load(
        "{ executor: per-worker-iterations, iterations: 10, workers: 64, concurrency: 10000 }",
      ),
      /"workers" × "concurrency" is 640,000 tasks, over the 100,000 a run may start/,
    ],
    [
      "iterations × workers past 2,000,000,000",
      load(
        "{ executor: per-worker-iterations, iterations: 1500000000, workers: 2 }",
      ),
      /the load plans 3,000,000,000 ops with warmup, over the 2,000,000,000 a run may: latency histograms count in 32 bits/,
    ],
    [
      "iterations as --profile full scales them",
      load("{ executor: shared-iterations, iterations: 300000000 }"),
      /"load\.iterations": Too big: expected number to be <=2000000000 \(with --profile full\)/,
      ["--profile", "full"],
    ],
    [
      "a warmup past the limit",
      load("{ executor: shared-iterations, iterations: 1, warmup: 1e15 }"),
      /"load\.warmup": Too big/,
    ],
    [
      "a param range to 1e300",
      CALIBRATE.replace("target: calibrate", "target: uow").replace(
        "op: noop",
        "op: update, params: { think_ms: [0, 1e300] }",
      ),
      /1e300 is too large: numbers in a scenario are at most 2\^53 - 1/,
    ],
    [
      "an integer past 2^53",
      CALIBRATE.replace(
        "iterations: 10",
        "iterations: 10, seed: 9007199254740993",
      ),
      /9007199254740993 is too large/,
    ],
    [
      ".inf and .nan",
      CALIBRATE.replace("op: noop", "op: noop, weight: .inf"),
      /\.inf is not a finite number$/,
    ],
    [
      "a fault latency of a minute",
      `${CALIBRATE}faults: { latency: { rate: 0.5, ms: [1, 60000] } }\n`,
      /expected at most 10000 ms: an op still waiting 10 s after a stop fails the run/,
    ],
  ];
  for (const [what, text, says, args] of cases) {
    await t.step(what, async () => {
      const lines = assertRefused(
        await validate({ "s.yaml": text }, args),
        says,
      );
      assert.equal(lines.length, 1, lines.join("\n"));
    });
  }
});

Deno.test("every built-in scenario is within the limits under every profile", async () => {
  const files = [...Deno.readDirSync(join(ROOT, "scenarios"))]
    .filter((entry) => entry.name.endsWith(".yaml"))
    .map((entry) => join(ROOT, "scenarios", entry.name));
  for (const profile of ["smoke", "ci", "full"]) {
    const { io, err } = captureIo();
    const code = await main(["validate", ...files, "--profile", profile], io);
    assert.equal(code, 0, `${profile}: ${err()}`);
  }
});

Deno.test("tensile validate checks names across files as run does", async (t) => {
  const named = (name: string) =>
    CALIBRATE.replace("name: probe", `name: ${name}`);
  const suite = (name: string, scenario: string) =>
    `suite: ${name}\nscenarios:\n  - ${
      named(scenario).trimEnd().replaceAll("\n", "\n    ")
    }\n`;
  await t.step("each file alone is fine", async () => {
    for (const text of [named("same"), suite("group", "other")]) {
      assert.equal((await validate({ "a.yaml": text })).code, 0);
    }
  });
  await t.step("a scenario name in two files", async () => {
    const result = await validate({
      "a.yaml": named("same"),
      "b.yaml": named("same"),
    });
    const lines = assertRefused(
      result,
      /b\.yaml:1:7: cannot run scenario "same" twice: it is also in ".*a\.yaml" \(names are unique in a run\)/,
    );
    assert.equal(lines.length, 1);
    assert.match(result.out, /^ok .*a\.yaml: 1 scenario \(same\)\n$/);
  });
  await t.step("a suite named like a scenario of another file", async () => {
    assertRefused(
      await validate({
        "a.yaml": named("group"),
        "b.yaml": suite("group", "other"),
      }),
      /b\.yaml:1:8: suite "group" has the name of a scenario in ".*a\.yaml": a name means one thing in a run/,
    );
    assertRefused(
      await validate({
        "a.yaml": suite("group", "other"),
        "b.yaml": named("group"),
      }),
      /b\.yaml:1:7: scenario "group" has the name of the suite in ".*a\.yaml"/,
    );
  });
  await t.step("a suite name in two files", async () => {
    assertRefused(
      await validate({
        "a.yaml": suite("group", "one"),
        "b.yaml": suite("group", "two"),
      }),
      /b\.yaml:1:8: suite "group" is also in ".*a\.yaml": suite names are unique in a run/,
    );
  });
  await t.step("run refuses the same", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(join(dir, "a.yaml"), named("same"));
      await Deno.writeTextFile(join(dir, "b.yaml"), named("same"));
      const { io, err } = captureIo();
      const code = await main(
        ["run", join(dir, "a.yaml"), join(dir, "b.yaml")],
        io,
      );
      assert.equal(code, 2, err());
      assert.match(err(), /b\.yaml:1:7: cannot run scenario "same" twice/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("tensile validate refuses a duration under an iteration executor, even from suite defaults", async (t) => {
  for (const executor of ["shared-iterations", "per-worker-iterations"]) {
    await t.step(executor, async () => {
      assertRefused(
        await validate({
          "s.yaml": CALIBRATE.replace(
            "{ executor: per-worker-iterations, iterations: 10 }",
            `{ executor: ${executor}, iterations: 10, duration: 5s }`,
          ),
        }),
        new RegExp(
          `:3:\\d+: "duration" has no effect with executor "${executor}": use "iterations" \\(or max_duration for a hard stop\\)$`,
        ),
      );
    });
  }
  await t.step("from suite defaults", async () => {
    assertRefused(
      await validate({
        "s.yaml": `suite: s
defaults:
  load: { executor: constant-workers, duration: 2s }
scenarios:
  - ${
          CALIBRATE.replace("name: probe", "name: a").trimEnd().replaceAll(
            "\n",
            "\n    ",
          )
        }
`,
      }),
      /:3:\d+: "duration" has no effect with executor "per-worker-iterations"/,
    );
  });
});
