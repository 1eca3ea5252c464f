/**
 * `tensile compare`: BASE artifacts against HEAD artifacts, each metric of
 * each scenario and op judged regression, improvement or within noise;
 * printed in a format, written to `--out`, and exit 4 on a regression with
 * `--fail-on-regression`.
 * @module
 */
import { join } from "node:path";
import {
  compareArtifacts,
  hasRegression,
  type NamedArtifact,
  readArtifact,
  writeFileAtomic,
} from "../artifact/mod.ts";
import {
  compareGithubAppends,
  renderCompareGithub,
  renderCompareHtml,
  renderCompareJson,
  renderCompareMarkdown,
  renderCompareTerminal,
} from "../report/mod.ts";
import { UsageError } from "./_scenarios.ts";
import type { CompareFormat } from "./_compare_args.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { appendEach, type Io, quotedText } from "./io.ts";

/** Options of `tensile compare`. */
export interface CompareCommandOptions {
  base?: string[];
  head?: string[];
  format: CompareFormat;
  out?: string;
  failOnRegression: boolean;
  /** Minimum effect as a fraction (0.05). */
  noise: number;
  alpha: number;
  resamples: number;
  seed: number;
}

/** Which files are BASE and which HEAD, from positionals or the options. */
function sides(
  files: readonly string[],
  options: CompareCommandOptions,
): { base: string[]; head: string[] } {
  if (options.base || options.head) {
    if (!options.base || !options.head || files.length > 0) {
      throw new UsageError(
        "Cannot compare: give both --base FILES... and --head FILES..., or exactly two files (BASE HEAD) without them",
      );
    }
    return { base: options.base, head: options.head };
  }
  if (files.length !== 2) {
    throw new UsageError(
      `Cannot compare ${files.length} file${
        files.length === 1 ? "" : "s"
      }: expected BASE.json HEAD.json, or --base FILES... --head FILES...`,
    );
  }
  return { base: [files[0]], head: [files[1]] };
}

/** Runs `tensile compare`; returns the exit code. */
export async function compareCommand(
  files: readonly string[],
  options: CompareCommandOptions,
  io: Io,
): Promise<ExitCode> {
  const { base, head } = sides(files, options);
  const read = (paths: string[]) =>
    Promise.all(
      paths.map(async (file): Promise<NamedArtifact> => ({
        file,
        artifact: await readArtifact(file),
      })),
    );
  const compare = compareArtifacts(await read(base), await read(head), {
    alpha: options.alpha,
    noise: options.noise,
    resamples: options.resamples,
    seed: options.seed,
  });
  switch (options.format) {
    case "terminal":
      io.out(renderCompareTerminal(compare, {
        color: io.color.out,
        unicode: io.unicode,
        columns: io.columns.out,
      }));
      break;
    case "markdown":
      io.out(renderCompareMarkdown(compare));
      break;
    case "github":
      io.out(renderCompareGithub(compare));
      await appendEach(compareGithubAppends(compare), io);
      break;
    case "json":
      io.out(renderCompareJson(compare));
      break;
    case "html":
      io.out(renderCompareHtml(compare));
      break;
    default: {
      const never: never = options.format;
      throw new TypeError(`Unknown format "${never}"`);
    }
  }
  if (options.out !== undefined) {
    await Deno.mkdir(options.out, { recursive: true });
    const json = join(options.out, "compare.json");
    const md = join(options.out, "compare.md");
    await writeFileAtomic(json, renderCompareJson(compare));
    const html = join(options.out, "compare.html");
    await writeFileAtomic(md, renderCompareMarkdown(compare));
    await writeFileAtomic(html, renderCompareHtml(compare));
    io.err(
      `Wrote ${quotedText(json, io)}, ${quotedText(md, io)} and ${
        quotedText(html, io)
      }\n`,
    );
  }
  // A gate whose BASE and HEAD share no scenario compared nothing: passing
  // it would hide a wrong file or a renamed suite.
  if (compare.scenarios.length === 0) {
    io.err(
      "error: no scenario ran on both sides, so nothing was compared (are these the right files? scenarios pair by name)\n",
    );
    return EXIT.usage;
  }
  return options.failOnRegression && hasRegression(compare)
    ? EXIT.regression
    : EXIT.ok;
}
