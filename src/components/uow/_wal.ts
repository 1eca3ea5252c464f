/**
 * Keeping a WAL file bounded under sustained load: SQLite's automatic
 * checkpoints cannot restart the WAL while readers hold snapshots, so a
 * connection looks at the file's size every few commits and, past the limit,
 * tries a truncating checkpoint right after its own commit.
 * @module
 */
import { isBusyError } from "./_busy.ts";
import type { StatementCache } from "./_transaction.ts";

/**
 * How a connection keeps a WAL file bounded. SQLite's automatic checkpoints
 * (PASSIVE, every 1000 pages) copy pages back into the database but cannot
 * restart the WAL while readers hold snapshots in it, so under sustained
 * reads and writes from several connections the WAL grows without bound
 * (1.4 GB in 10 s against an 89 MB database was seen). Two things bound it:
 * a size limit SQLite truncates the WAL to whenever it restarts, and a
 * checkpoint that restarts it: `PRAGMA wal_checkpoint(TRUNCATE)`, run by a
 * connection right after one of its commits once the file has reached
 * `checkpointAt`. It never blocks: it takes the locks it needs if they are
 * free at that instant, else copies what it can and counts as busy, to be
 * tried again at the next look (every {@link WAL_CHECK_COMMITS} commits or
 * {@link WAL_CHECK_MS} ms, whichever comes first).
 */
export interface WalPolicy {
  /**
   * `PRAGMA journal_size_limit` in bytes: the size SQLite truncates the WAL
   * file to when it restarts it; -1 for none (the file keeps its high-water
   * size).
   */
  sizeLimit: number;
  /**
   * The WAL file size in bytes at which this connection runs a TRUNCATE
   * checkpoint after a commit; 0 never. One connection per database file is
   * enough; more only compete for the same locks.
   */
  checkpointAt: number;
}

/** Bytes in a mebibyte. */
const MiB = 1024 * 1024;

/** The WAL policy used when {@link OpenOptions.wal} leaves a field out. */
export const DEFAULT_WAL_POLICY: Readonly<WalPolicy> = Object.freeze({
  sizeLimit: 16 * MiB,
  checkpointAt: 16 * MiB,
});

/** A connection with a WAL checkpoint policy looks at the WAL this often. */
export const WAL_CHECK_COMMITS = 16;

/** ... and at least this often (ms) while it commits. */
export const WAL_CHECK_MS = 50;

/** The size of a file in bytes; 0 when it is not there. */
export function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/**
 * Looks at the WAL file's size every few commits and runs a TRUNCATE
 * checkpoint once it has reached a bound (see {@link WalPolicy}). Internal.
 */
export class WalGuard {
  #file: string;
  #at: number;
  #commits = 0;
  #lookAt = 0;
  checkpoints = 0;
  busy = 0;
  peak = 0;

  constructor(file: string, checkpointAt: number) {
    this.#file = file;
    this.#at = checkpointAt;
  }

  /** Called after each commit, while the connection is still held. */
  afterCommit(cache: StatementCache): void {
    const now = performance.now();
    if (++this.#commits < WAL_CHECK_COMMITS && now < this.#lookAt) return;
    this.#commits = 0;
    this.#lookAt = now + WAL_CHECK_MS;
    const size = fileSize(this.#file);
    if (size > this.peak) this.peak = size;
    if (size < this.#at) return;
    try {
      // Without a busy handler (timeout 0) this never waits: if a writer or
      // a reader of the WAL is in the way it copies what it can and answers
      // busy = 1.
      const row = cache.get("PRAGMA wal_checkpoint(TRUNCATE)").get();
      if (row?.busy === 0) {
        this.checkpoints++;
        return;
      }
    } catch (error) {
      if (!isBusyError(error)) throw error;
    }
    // Blocked: try again after this connection's next commit.
    this.busy++;
    this.#lookAt = 0;
  }
}

/** The full WAL policy, checked. */
export function walPolicy(partial: Partial<WalPolicy> = {}): WalPolicy {
  const policy = { ...DEFAULT_WAL_POLICY, ...partial };
  const { sizeLimit, checkpointAt } = policy;
  if (!Number.isInteger(sizeLimit) || sizeLimit < -1) {
    throw new RangeError(
      `Cannot open database: WAL size limit must be a whole number of bytes >= -1, got ${sizeLimit}`,
    );
  }
  if (!(checkpointAt >= 0)) {
    throw new RangeError(
      `Cannot open database: WAL checkpoint size must be >= 0 bytes, got ${checkpointAt}`,
    );
  }
  return policy;
}
