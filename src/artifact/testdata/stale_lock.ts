import { join } from "node:path";

/** Leaves in `dir` the lock of a tensile run whose process is gone. */
export async function writeStaleLock(dir: string): Promise<void> {
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  await Deno.writeTextFile(
    join(dir, ".tensile.lock"),
    JSON.stringify({
      pid: dead.pid,
      host: Deno.hostname(),
      started_at: "2026-01-01T00:00:00.000Z",
    }) + "\n",
  );
}
