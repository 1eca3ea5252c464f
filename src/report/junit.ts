/**
 * A JUnit XML report made from the artifact alone, in the common Jenkins/Ant
 * format that CI servers read (Jenkins, GitLab, Azure DevOps, the JUnit
 * reporters of GitHub Actions): one `<testsuite>` per scenario and one
 * `<testcase>` per threshold and per invariant, with `classname` the
 * scenario's name and `file`/`line` pointing at where the threshold (or, for
 * an invariant, the scenario) is written. A missed critical bound or a broken
 * invariant is a `<failure>` saying actual against bound; a scenario that
 * errored or was interrupted gets a `run` case with an `<error>`; a threshold
 * in the warning band passes, with what it missed in `<system-out>`. Strings
 * from outside the tool go through {@link xmlText}.
 * @module
 */
import type { Artifact } from "../artifact/mod.ts";
import { formatOutcome } from "./format.ts";
import { xmlText } from "./_escape.ts";
import {
  buildView,
  type InvariantView,
  type ScenarioView,
  type ThresholdView,
  type UserText,
} from "./_view.ts";

/** Outside text as XML content or attribute value. */
function text(user: UserText): string {
  return xmlText(user.raw);
}

/** A date the artifact gives, as ISO 8601 in UTC; undefined when it is none. */
function timestamp(user: UserText): string | undefined {
  const date = new Date(user.raw);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Seconds with millisecond precision, as JUnit's `time` wants them. */
function seconds(value: number): string {
  return Number.isFinite(value) && value > 0 ? value.toFixed(3) : "0.000";
}

/**
 * Attributes from already escaped values (tool-made text or {@link text}),
 * in order; undefined ones left out.
 */
function attributes(values: [string, string | number | undefined][]): string {
  return values
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${value}"`)
    .join("");
}

/** What a JUnit test case ended as. */
type CaseResult =
  | { kind: "passed"; out?: string }
  | { kind: "failure" | "error"; type: string; message: string; body: string }
  | { kind: "skipped"; message: string };

interface Case {
  name: string;
  line?: number;
  result: CaseResult;
}

function thresholdCase(t: ThresholdView): Case {
  const bounds = {
    optimal: text(t.optimal),
    warning: text(t.warning),
    critical: text(t.critical),
  };
  const outcome = `${text(t.metric)}: ${formatOutcome(t, bounds)}`;
  const graded = `${outcome} (grade ${t.grade})`;
  const detail =
    `${graded}\nbounds: optimal ${bounds.optimal}, warning ${bounds.warning}, critical ${bounds.critical}`;
  return {
    name: `threshold ${text(t.metric)}`,
    line: t.line,
    result: t.level === "failed"
      ? { kind: "failure", type: "threshold", message: outcome, body: detail }
      : { kind: "passed", out: graded },
  };
}

function invariantCase(inv: InvariantView, line?: number): Case {
  const detail = text(inv.detail);
  return {
    name: `invariant ${text(inv.name)}`,
    line,
    result: inv.ok ? { kind: "passed", out: `held: ${detail}` } : {
      kind: "failure",
      type: "invariant",
      message: `invariant ${text(inv.name)} broken: ${detail}`,
      body: detail,
    },
  };
}

/** The cases of one scenario: the run when it did not finish, then checks. */
function casesOf(view: ScenarioView): Case[] {
  const cases: Case[] = [];
  const error = view.error ? text(view.error) : undefined;
  switch (view.status) {
    case "passed":
    case "failed":
      break;
    case "interrupted": {
      const message =
        `interrupted: the run was stopped before it finished; the checks below judge what was measured${
          error ? `: ${error}` : ""
        }`;
      cases.push({
        name: "run",
        line: view.line,
        result: { kind: "error", type: "interrupted", message, body: message },
      });
      break;
    }
    case "error": {
      const message = `the run failed: ${error ?? "no reason recorded"}`;
      cases.push({
        name: "run",
        line: view.line,
        result: { kind: "error", type: "error", message, body: message },
      });
      break;
    }
    default: {
      const never: never = view.status;
      throw new TypeError(`Unknown status "${never}"`);
    }
  }
  const checks = [
    ...view.thresholds.map(thresholdCase),
    ...view.invariants.map((inv) => invariantCase(inv, view.line)),
  ];
  // A failed run measured too little to judge: its checks did not run.
  return view.status === "error"
    ? [
      ...cases,
      ...checks.map((c) => ({
        ...c,
        result: {
          kind: "skipped" as const,
          message: "not checked: the run failed",
        },
      })),
    ]
    : [...cases, ...checks];
}

function renderCase(c: Case, view: ScenarioView, time: string): string[] {
  const open = `    <testcase${
    attributes([
      ["name", c.name],
      ["classname", text(view.name)],
      ["time", time],
      ["file", text(view.file)],
      ["line", c.line],
    ])
  }`;
  const { result } = c;
  switch (result.kind) {
    case "passed":
      return result.out === undefined ? [`${open}/>`] : [
        `${open}>`,
        `      <system-out>${result.out}</system-out>`,
        "    </testcase>",
      ];
    case "failure":
    case "error":
      return [
        `${open}>`,
        `      <${result.kind}${
          attributes([["message", result.message], ["type", result.type]])
        }>${result.body}</${result.kind}>`,
        "    </testcase>",
      ];
    case "skipped":
      return [
        `${open}>`,
        `      <skipped${attributes([["message", result.message]])}/>`,
        "    </testcase>",
      ];
    default: {
      const never: never = result;
      throw new TypeError(`Unknown case ${JSON.stringify(never)}`);
    }
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function count(cases: readonly Case[]): Counts {
  const of = (kind: CaseResult["kind"]) =>
    cases.filter((c) => c.result.kind === kind).length;
  return {
    tests: cases.length,
    failures: of("failure"),
    errors: of("error"),
    skipped: of("skipped"),
  };
}

function suite(view: ScenarioView): { xml: string[]; counts: Counts } {
  const cases = casesOf(view);
  const counts = count(cases);
  const time = seconds(view.totals.seconds);
  const properties: [string, string][] = [
    ["grade", view.grade],
    ["verdict", view.verdict],
    ["status", view.status],
    ["target", text(view.target)],
    ["profile", view.profile],
    ["executor", text(view.load.executor)],
    ["file", text(view.file)],
  ];
  if (view.line !== undefined) properties.push(["line", String(view.line)]);
  const out = [
    ...view.reasons.map((r) => `why: ${text(r)}`),
    ...view.notes.map((n) => `note: ${text(n)}`),
    ...view.errorSamples.map((s) =>
      `${s.outcome} x${s.count} in ${text(s.op)}: ${text(s.message)}`
    ),
    ...view.recommendations.map((r) => `advice: ${text(r)}`),
  ];
  return {
    counts,
    xml: [
      `  <testsuite${
        attributes([
          ["name", text(view.name)],
          ["tests", counts.tests],
          ["failures", counts.failures],
          ["errors", counts.errors],
          ["skipped", counts.skipped],
          ["time", time],
          ["timestamp", timestamp(view.startedAt)],
        ])
      }>`,
      "    <properties>",
      ...properties.map(([name, value]) =>
        `      <property${attributes([["name", name], ["value", value]])}/>`
      ),
      "    </properties>",
      // A check takes no time of its own: the load is the suite's time.
      ...cases.flatMap((c) => renderCase(c, view, "0.000")),
      ...(out.length > 0
        ? [`    <system-out>${out.join("\n")}</system-out>`]
        : []),
      "  </testsuite>",
    ],
  };
}

/** Renders the whole artifact as JUnit XML. */
export function renderJunit(artifact: Artifact): string {
  const view = buildView(artifact, "full");
  const suites = view.scenarios.map(suite);
  const total = suites.reduce<Counts>((sum, { counts }) => ({
    tests: sum.tests + counts.tests,
    failures: sum.failures + counts.failures,
    errors: sum.errors + counts.errors,
    skipped: sum.skipped + counts.skipped,
  }), { tests: 0, failures: 0, errors: 0, skipped: 0 });
  const time = view.scenarios.reduce(
    (sum, s) =>
      sum + (Number.isFinite(s.totals.seconds) ? s.totals.seconds : 0),
    0,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${
      attributes([
        ["name", "tensile"],
        ["tests", total.tests],
        ["failures", total.failures],
        ["errors", total.errors],
        ["skipped", total.skipped],
        ["time", seconds(time)],
        ["timestamp", timestamp(view.overall.startedAt)],
      ])
    }>`,
    ...suites.flatMap((s) => s.xml),
    "</testsuites>",
    "",
  ].join("\n");
}
