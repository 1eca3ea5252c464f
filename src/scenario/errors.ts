/** Where in which file something is wrong, and what. */
export interface ScenarioIssue {
  /** The file, as given. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** What is wrong, what was expected, and a hint. */
  message: string;
}

/** One line per issue: `file:line:col: message`, as compilers print them. */
export function formatIssue(issue: ScenarioIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** A scenario file that cannot be used as written (exit code 2). */
export class ScenarioError extends Error {
  /** Every problem found, in file order. */
  readonly issues: readonly ScenarioIssue[];

  /** Creates the error from at least one issue. */
  constructor(issues: readonly ScenarioIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ScenarioError";
    this.issues = issues;
  }
}
