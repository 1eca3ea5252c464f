/**
 * Crash durability, end to end: run the workflow scenario through the CLI,
 * SIGKILL the process during its measured load, reopen its database, and
 * check that nothing acknowledged was lost and no transaction is half there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TARGETS } from "../src/components/mod.ts";
import {
  checkAcks,
  checkTransitionLog,
  readAckLog,
} from "../src/components/workflow/mod.ts";
import { openDatabase } from "../src/components/uow/mod.ts";
import { loadScenarioFile } from "../src/scenario/mod.ts";
import { ROOT } from "./_helpers.ts";

const SCENARIO = "workflow-order-lifecycle";
/** Acknowledged commits to wait for before the kill. */
const ACKS_BEFORE_KILL = 300;

/**
 * The shipped scenario without warmup, written to `dir`: every ack is then
 * made by the measured load, so the kill cannot land in the warmup.
 */
async function measuredOnly(dir: string): Promise<string> {
  const plans = await loadScenarioFile(join(ROOT, "scenarios/workflow.yaml"), {
    targets: TARGETS,
  });
  const plan = plans.find((p) => p.name === SCENARIO);
  assert.ok(plan, `${SCENARIO} is in scenarios/workflow.yaml`);
  const file = join(dir, "scenario.yaml");
  // JSON is YAML: the scenario as resolved, with warmup 0.
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      ...plan.config,
      load: { ...plan.config.load, warmup: 0 },
    }),
  );
  return file;
}

/** Acknowledged lines so far in every worker's ack file. */
/** The scenario's scratch folder the run made under `out`, once it exists. */
async function findRunDir(out: string): Promise<string | undefined> {
  for await (const work of Deno.readDir(out)) {
    if (!work.isDirectory || !work.name.startsWith(".work-")) continue;
    for await (const entry of Deno.readDir(`${out}/${work.name}`)) {
      if (entry.name.startsWith(`${SCENARIO}-`)) {
        return `${out}/${work.name}/${entry.name}`;
      }
    }
  }
  return undefined;
}

async function countAcks(runDir: string | undefined): Promise<number> {
  let lines = 0;
  if (runDir === undefined) return 0;
  try {
    for await (const entry of Deno.readDir(runDir)) {
      if (!/^acks-w\d+\.log$/.test(entry.name)) continue;
      const text = await Deno.readTextFile(`${runDir}/${entry.name}`);
      lines += text.split("\n").length - 1;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return lines;
}

Deno.test({
  name:
    "workflow survives SIGKILL mid-load: every acknowledged commit kept, none partial",
  // The resource sanitizer stays on: the child's status and its stderr pipe
  // are both awaited below. The killed CLI leaves its run directory behind
  // (as a crashed service would); `finally` removes it.
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "tensile-crash-" });
    let runDir: string | undefined;
    try {
      const scenario = await measuredOnly(out);
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--v8-flags=--expose-gc",
          "main.ts",
          "run",
          scenario,
          "--profile",
          "full", // long enough that the kill lands mid-load
          "--out",
          out,
          "--quiet",
        ],
        cwd: ROOT,
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const stderr = child.stderr.pipeThrough(new TextDecoderStream())
        .getReader();
      const collected: string[] = [];
      const draining = (async () => {
        for (let r = await stderr.read(); !r.done; r = await stderr.read()) {
          collected.push(r.value);
        }
      })();

      // Wait for the measured load to be well under way (or for the CLI to
      // stop early).
      let exited = false;
      child.status.then(() => exited = true);
      while (
        !exited &&
        await countAcks(runDir ??= await findRunDir(out)) < ACKS_BEFORE_KILL
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(
        exited,
        false,
        `the CLI stopped before the kill:\n${collected.join("")}`,
      );
      child.kill("SIGKILL");
      const status = await child.status;
      await draining;
      assert.equal(status.signal, "SIGKILL");

      assert.ok(runDir, "the run made its scratch folder");
      // Reopening runs SQLite's WAL recovery, as a restarted service would.
      await using uow = await openDatabase(`${runDir}/workflow.db`);
      const integrity = await uow.integrityCheck();
      assert.ok(integrity.ok, integrity.problems.join("\n"));

      const acks = [];
      for await (const entry of Deno.readDir(runDir)) {
        if (/^acks-w\d+\.log$/.test(entry.name)) {
          acks.push(...readAckLog(`${runDir}/${entry.name}`).acks);
        }
      }
      assert.ok(acks.length >= ACKS_BEFORE_KILL, `${acks.length} acks`);
      const kept = await checkAcks(uow, acks);
      assert.ok(kept.ok, kept.detail);

      const whole = await checkTransitionLog(uow);
      assert.ok(whole.ok, whole.detail);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
