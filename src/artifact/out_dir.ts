/**
 * The folder a run writes its results to (`--out`): checked before any load
 * runs, locked against a second run, with a scratch folder of the run's own
 * that is the only thing the tool ever deletes.
 * @module
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { plainReason } from "../files.ts";

/** The file names a run writes into its output folder. */
export const OUT_FILES = ["result.json", "report.md", "report.html"] as const;

const LOCK_FILE = ".tensile.lock";

/** The output folder cannot be used; the message says why (exit 2). */
export class OutDirError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "OutDirError";
  }
}

/** What the lock file records, so a second run can name the first. */
interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  /** Tells this run's lock from another's, even in the same process. */
  id?: string;
}

/**
 * A locked output folder. Dispose it (`await using`) to remove the run's
 * scratch folder and release the lock.
 */
export class OutDir {
  /** The folder, as given. */
  readonly path: string;
  #scratch?: string;
  #lock: string;
  #lockText: string;

  private constructor(path: string, lock: string, lockText: string) {
    this.path = path;
    this.#lock = lock;
    this.#lockText = lockText;
  }

  /**
   * Creates (if needed), checks and locks `path`: a folder that cannot be
   * written, a dangling symlink, a result file that is a folder, or a run
   * already writing there is refused now, before any load runs.
   */
  static async open(path: string): Promise<OutDir> {
    const fail = (why: string) =>
      new OutDirError(`Cannot write results to "${path}": ${why}`);
    await ensureFolder(path, fail);
    for (const name of OUT_FILES) {
      const info = await Deno.lstat(join(path, name)).catch(() => undefined);
      if (info && !info.isFile) {
        throw fail(
          `"${name}" there is ${
            info.isDirectory ? "a folder" : "not a regular file"
          }: move it away or choose another --out`,
        );
      }
    }
    const lock = join(path, LOCK_FILE);
    const info: LockInfo = {
      pid: Deno.pid,
      host: hostname(),
      started_at: new Date().toISOString(),
      id: crypto.randomUUID(),
    };
    const text = JSON.stringify(info) + "\n";
    await takeLock(lock, text, fail);
    return new OutDir(path, lock, text);
  }

  /** Path of a file in the folder. */
  file(name: typeof OUT_FILES[number]): string {
    return join(this.path, name);
  }

  /**
   * A fresh folder for one scenario's files (databases), inside a scratch
   * folder this run created: never one that existed before.
   */
  async scratch(name: string): Promise<string> {
    this.#scratch ??= await Deno.makeTempDir({
      dir: this.path,
      prefix: ".work-",
    });
    return await Deno.makeTempDir({ dir: this.#scratch, prefix: `${name}-` });
  }

  /** Removes one scratch folder this run made (symlinks are not followed). */
  async discard(folder: string): Promise<void> {
    if (this.#scratch && folder.startsWith(this.#scratch)) {
      await Deno.remove(folder, { recursive: true }).catch(() => {});
    }
  }

  /** The scratch folder kept for a look, if any scenario left files in it. */
  get kept(): string | undefined {
    return this.#scratch;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#scratch) {
      // Only when empty: a failed scenario's files stay for a look.
      await Deno.remove(this.#scratch).then(
        () => this.#scratch = undefined,
        () => {},
      );
    }
    const text = await Deno.readTextFile(this.#lock).catch(() => "");
    if (text === this.#lockText) await Deno.remove(this.#lock).catch(() => {});
  }

  /**
   * Releases the lock at once, for a process about to exit (which skips
   * `await using`): only if the lock is still this run's.
   */
  releaseSync(): void {
    try {
      if (Deno.readTextFileSync(this.#lock) === this.#lockText) {
        Deno.removeSync(this.#lock);
      }
    } catch {
      // already gone
    }
  }
}

async function ensureFolder(
  path: string,
  fail: (why: string) => OutDirError,
): Promise<void> {
  const info = await Deno.lstat(path).catch(() => undefined);
  if (info?.isSymlink) {
    const target = await Deno.stat(path).catch(() => undefined);
    if (!target) {
      throw fail(
        `it is a symlink to "${await Deno.readLink(
          path,
        )}", which does not exist`,
      );
    }
    if (!target.isDirectory) throw fail("it is a symlink to a file");
  } else if (info && !info.isDirectory) {
    throw fail("it is a file, not a folder");
  }
  try {
    await Deno.mkdir(path, { recursive: true });
  } catch (error) {
    throw fail(plainReason(error));
  }
  // A folder may exist yet refuse writes (read-only, another user's).
  const probe = join(path, `.tensile-probe-${crypto.randomUUID()}`);
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    throw fail(`it cannot be written (${plainReason(error)})`);
  }
}

async function takeLock(
  lock: string,
  text: string,
  fail: (why: string) => OutDirError,
): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    // Written whole under a name of its own, then linked into place: the
    // lock appears complete or not at all, and the link fails if one exists.
    const temp = `${lock}.${crypto.randomUUID()}`;
    try {
      await Deno.writeTextFile(temp, text);
      await Deno.link(temp, lock);
      return;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw fail(plainReason(error));
      }
    } finally {
      await Deno.remove(temp).catch(() => {});
    }
    const seen = await Deno.readTextFile(lock).catch(() => undefined);
    if (seen === undefined) continue; // released meanwhile: try again
    const owner = parseLock(seen);
    if (owner === undefined) {
      throw fail(
        `"${lock}" is there but is not a tensile lock: remove it if no run is using the folder`,
      );
    }
    if (isAlive(owner)) {
      throw fail(
        `another tensile run (pid ${owner.pid} on ${owner.host}, started ${owner.started_at}) is writing there: wait for it or choose another --out (remove "${lock}" if that run is gone)`,
      );
    }
    // The run that held it is gone (killed): its lock is stale. One run at
    // a time may clear it, holding a guard file; under the guard it removes
    // the lock only if it is still the stale one read above (another run may
    // have cleared it and taken the folder in between).
    const guard = `${lock}.takeover`;
    try {
      await Deno.writeTextFile(guard, "", { createNew: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        throw fail(plainReason(error));
      }
      await clearAbandoned(guard);
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    try {
      if (await Deno.readTextFile(lock).catch(() => undefined) === seen) {
        await Deno.remove(lock);
      }
    } finally {
      await Deno.remove(guard).catch(() => {});
    }
  }
  throw fail(`cannot take the lock "${lock}": other runs keep taking it`);
}

/** A takeover guard left by a run killed mid-takeover goes after 10 s. */
async function clearAbandoned(guard: string): Promise<void> {
  const info = await Deno.stat(guard).catch(() => undefined);
  if (info?.mtime && Date.now() - info.mtime.getTime() > 10_000) {
    await Deno.remove(guard).catch(() => {});
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text);
    return typeof info?.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock's owner still runs; unknown counts as alive. */
function isAlive(owner: LockInfo): boolean {
  if (owner.host !== hostname() || Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${owner.pid}`);
    return true;
  } catch {
    return false;
  }
}
