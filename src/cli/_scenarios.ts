/**
 * Turns command-line arguments (files, built-in names, scenario names) into
 * validated plans. `run` and `validate` share {@link loadArgs}, so what one
 * refuses the other refuses too, across files as well as within one.
 * @module
 */
import { RENAMED, TARGETS } from "../components/mod.ts";
import {
  didYouMean,
  loadScenarioFile,
  type Plan,
  type Position,
  type Profile,
  quote,
  ScenarioError,
  type ScenarioIssue,
} from "../scenario/mod.ts";
import { builtinFile, builtinFiles } from "./_builtin.ts";

/**
 * Loads a scenario file against the registered targets, answering names
 * older files used with their new names.
 */
export function loadFile(file: string, profile?: Profile): Promise<Plan[]> {
  return loadScenarioFile(file, {
    targets: TARGETS,
    renamed: RENAMED,
    profile,
  });
}

/** A problem with the arguments themselves (exit code 2). */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Which plans to load. */
export interface SelectOptions {
  profile: Profile;
  /** Keep only scenarios with these names. */
  only?: string[];
}

/** One argument, loaded: the plans it gave, or every problem found. */
export interface Loaded {
  /** The argument as given. */
  arg: string;
  /** The file it named or resolved to. */
  file: string;
  /** Its plans; empty when it has problems. */
  plans: Plan[];
  /** Its problems, in file order, including names other files also use. */
  issues: ScenarioIssue[];
}

/**
 * Loads each argument, in order: a path (anything that exists, or looks like
 * a path) is read as a scenario file, whatever it is (a directory or a FIFO
 * is refused as not a regular file, never opened); otherwise a built-in file
 * (`calibrate`) or a built-in scenario (`calibrate-noop`); no argument means
 * every built-in. A folder named like a built-in does not hide it. Then checks what only shows across files: a scenario name
 * two files use, and a suite named like a scenario or suite of another file.
 * @throws {UsageError} when an argument names nothing
 */
export async function loadArgs(
  args: readonly string[],
  profile: Profile,
): Promise<Loaded[]> {
  const loaded: Loaded[] = [];
  const inputs = args.length > 0 ? args : builtinFiles();
  for (const arg of inputs) {
    const kind = await pathKind(arg);
    const file = kind === "path" ? arg : builtinFile(arg);
    if (file !== undefined) {
      loaded.push(await loadOne(arg, file, profile));
      continue;
    }
    const found = await findBuiltinScenario(arg, profile);
    if (found) {
      loaded.push({ arg, file: found.file, plans: [found], issues: [] });
      continue;
    }
    if (kind === "folder") {
      // Refused by the loader, with the reason: not a regular file.
      loaded.push(await loadOne(arg, arg, profile));
      continue;
    }
    throw new UsageError(
      `Cannot find scenario ${
        quote(arg)
      }: no such file, built-in suite or built-in scenario (see \`tensile list\`)`,
    );
  }
  checkNames(loaded);
  return loaded;
}

async function loadOne(
  arg: string,
  file: string,
  profile: Profile,
): Promise<Loaded> {
  try {
    return { arg, file, plans: await loadFile(file, profile), issues: [] };
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return { arg, file, plans: [], issues: [...error.issues] };
  }
}

/**
 * Names mean one thing in a run: a scenario name appears once, a suite name
 * belongs to one file, and no suite shares its name with a scenario of
 * another file (a suite may name one of its own scenarios alike). Each
 * clash is reported at the later name, and that file's plans are dropped.
 */
function checkNames(loaded: Loaded[]): void {
  const scenarios = new Map<string, Plan>();
  const suites = new Map<string, Plan>();
  for (const entry of loaded) {
    const clash = (plan: Plan, at: Position | undefined, message: string) => {
      entry.issues.push({
        file: plan.file,
        line: at?.line ?? 1,
        col: at?.col ?? 1,
        message,
      });
    };
    const first = entry.plans.find((plan) => plan.suite !== undefined);
    if (first?.suite !== undefined) {
      const name = first.suite;
      const suite = suites.get(name);
      const scenario = scenarios.get(name);
      if (suite && suite.file !== first.file) {
        clash(
          first,
          first.where?.suite,
          `suite ${quote(name)} is also in ${
            quote(suite.file)
          }: suite names are unique in a run`,
        );
      } else if (scenario && scenario.file !== first.file) {
        clash(
          first,
          first.where?.suite,
          `suite ${quote(name)} has the name of a scenario in ${
            quote(scenario.file)
          }: a name means one thing in a run`,
        );
      }
      if (!suite) suites.set(name, first);
    }
    for (const plan of entry.plans) {
      const twice = scenarios.get(plan.name);
      const suite = suites.get(plan.name);
      if (twice) {
        clash(
          plan,
          plan.where?.name,
          `cannot run scenario ${quote(plan.name)} twice: it is also in ${
            quote(twice.file)
          } (names are unique in a run)`,
        );
        continue;
      }
      if (suite && suite.file !== plan.file) {
        clash(
          plan,
          plan.where?.name,
          `scenario ${quote(plan.name)} has the name of the suite in ${
            quote(suite.file)
          }: a name means one thing in a run`,
        );
      }
      scenarios.set(plan.name, plan);
    }
    if (entry.issues.length > 0) {
      entry.issues.sort((a, b) => a.line - b.line || a.col - b.col);
      entry.plans = [];
    }
  }
}

/**
 * Resolves the arguments to plans, as {@link loadArgs} does, and keeps those
 * `--only` names.
 * @throws {ScenarioError} when a file is invalid (all files are checked)
 * @throws {UsageError} when an argument names nothing
 */
export async function selectPlans(
  args: readonly string[],
  options: SelectOptions,
): Promise<Plan[]> {
  const loaded = await loadArgs(args, options.profile);
  const issues = loaded.flatMap((entry) => entry.issues);
  if (issues.length > 0) throw new ScenarioError(issues);
  const plans = loaded.flatMap((entry) => entry.plans);
  if (options.only && options.only.length > 0) {
    const wanted = new Set(options.only);
    const kept = plans.filter((plan) => wanted.has(plan.name));
    const missing = options.only.filter((name) =>
      !kept.some((plan) => plan.name === name)
    );
    if (missing.length > 0) {
      const names = plans.map((p) => p.name);
      const shown = names.length > 20
        ? `${names.slice(0, 20).join(", ")}, … (${names.length} in all)`
        : names.join(", ");
      throw new UsageError(
        `Cannot select ${
          missing.slice(0, 3).map((name) => quote(name)).join(", ")
        } with --only: not among the loaded scenarios${
          didYouMean(missing[0], names)
        } (${shown})`,
      );
    }
    return kept;
  }
  return plans;
}

/**
 * What an argument is on disk: a `path` to read as a scenario file (anything
 * written like a path, or anything that exists but a folder: a broken link,
 * a FIFO, a device, which the loader then refuses as not a regular file),
 * a `folder` (read only when no built-in has its name), or `none`.
 */
async function pathKind(arg: string): Promise<"path" | "folder" | "none"> {
  if (/[\\/]/.test(arg) || /\.ya?ml$/i.test(arg)) return "path";
  try {
    return (await Deno.lstat(arg)).isDirectory ? "folder" : "path";
  } catch {
    return "none";
  }
}

async function findBuiltinScenario(
  name: string,
  profile: Profile,
): Promise<Plan | undefined> {
  for (const file of builtinFiles()) {
    const plans = await loadFile(file, profile);
    const plan = plans.find((p) => p.name === name);
    if (plan) return plan;
  }
  return undefined;
}
