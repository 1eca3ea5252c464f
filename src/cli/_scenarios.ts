/**
 * Turns command-line arguments (files, built-in names, scenario names) into
 * validated plans.
 * @module
 */
import { RENAMED, TARGETS } from "../components/mod.ts";
import {
  loadScenarioFile,
  type Plan,
  type Profile,
  ScenarioError,
} from "../scenario/mod.ts";
import { didYouMean } from "../scenario/mod.ts";
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

/**
 * Resolves each argument to a file, a built-in file (`calibrate`) or a
 * built-in scenario (`calibrate-noop`); no argument means every built-in.
 * @throws {ScenarioError} when a file is invalid (all files are checked)
 * @throws {UsageError} when an argument names nothing
 */
export async function selectPlans(
  args: readonly string[],
  options: SelectOptions,
): Promise<Plan[]> {
  const plans: Plan[] = [];
  const errors: ScenarioError[] = [];
  const tryLoad = async (file: string) => {
    try {
      return await loadFile(file, options.profile);
    } catch (error) {
      if (error instanceof ScenarioError) {
        errors.push(error);
        return [];
      }
      throw error;
    }
  };
  const inputs = args.length > 0 ? args : builtinFiles();
  for (const arg of inputs) {
    if (await isFile(arg)) {
      plans.push(...await tryLoad(arg));
      continue;
    }
    const builtin = builtinFile(arg);
    if (builtin) {
      plans.push(...await tryLoad(builtin));
      continue;
    }
    const found = await findBuiltinScenario(arg, options.profile);
    if (found) {
      plans.push(found);
      continue;
    }
    throw new UsageError(
      `Cannot find scenario "${arg}": no such file, built-in suite or built-in scenario (see \`tensile list\`)`,
    );
  }
  if (errors.length > 0) {
    throw new ScenarioError(errors.flatMap((error) => error.issues));
  }
  const seen = new Map<string, string>();
  for (const plan of plans) {
    const first = seen.get(plan.name);
    if (first !== undefined) {
      throw new UsageError(
        `Cannot run scenario "${plan.name}" twice: it comes from "${first}" and "${plan.file}" (names are unique in a run)`,
      );
    }
    seen.set(plan.name, plan.file);
  }
  if (options.only && options.only.length > 0) {
    const wanted = new Set(options.only);
    const kept = plans.filter((plan) => wanted.has(plan.name));
    const missing = options.only.filter((name) =>
      !kept.some((plan) => plan.name === name)
    );
    if (missing.length > 0) {
      const names = plans.map((p) => p.name);
      throw new UsageError(
        `Cannot select "${
          missing.join('", "')
        }" with --only: not among the loaded scenarios${
          didYouMean(missing[0], names)
        } (${names.join(", ")})`,
      );
    }
    return kept;
  }
  return plans;
}

/** Whether a path names something to read as a file (not a folder). */
async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
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
