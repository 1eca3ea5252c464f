import assert from "node:assert/strict";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { BusyError, ConflictError } from "../../errors.ts";
import { MIGRATIONS } from "./migrations.ts";
import {
  isBusyError,
  openConnections,
  openDatabase,
  type Transaction,
  UnitOfWork,
} from "./unit_of_work.ts";

async function tempDb(): Promise<
  { path: string; dir: string } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-uow-" });
  return {
    path: `${dir}/test.db`,
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** `promise`, or a rejection with `message` if it takes over 5 s (a hang). */
async function withDeadline<T>(promise: Promise<T>, message: string) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), 5000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function seed(tx: Transaction, balances: number[]): void {
  tx.accounts.insertMany(
    balances.map((balance, i) => ({ id: i + 1, balance })),
  );
}

Deno.test("openDatabase() creates a WAL file at the latest schema version", async () => {
  await using tmp = await tempDb();
  {
    await using uow = await openDatabase(tmp.path);
    assert.equal(uow.path, tmp.path);
    await uow.run((tx) => seed(tx, [1]));
  }
  const raw = new DatabaseSync(tmp.path);
  try {
    assert.deepEqual(
      { ...raw.prepare("PRAGMA journal_mode").get() },
      { journal_mode: "wal" },
    );
    assert.equal(
      raw.prepare("PRAGMA user_version").get()?.user_version,
      MIGRATIONS.length,
    );
    const tables = raw.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
    ).all().map((row) => row.name);
    for (
      const table of ["accounts", "entities", "inbox", "outbox", "transitions"]
    ) {
      assert.ok(tables.includes(table), `missing table ${table}`);
    }
  } finally {
    raw.close();
  }
});

Deno.test("openDatabase() honours journalMode and synchronous", async () => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path, {
    journalMode: "delete",
    synchronous: "full",
  });
  const [mode, sync] = await uow.read((tx) => [
    tx.statement("PRAGMA journal_mode").get()?.journal_mode,
    tx.statement("PRAGMA synchronous").get()?.synchronous,
  ]);
  assert.equal(mode, "delete");
  assert.equal(sync, 2); // FULL
});

Deno.test("openDatabase() opens an in-memory database", async () => {
  await using uow = await openDatabase(":memory:");
  await uow.run((tx) => seed(tx, [5, 6]));
  assert.equal((await uow.read((tx) => tx.accounts.totals())).sum, 11);
});

Deno.test("openDatabase() rejects a bad busy policy", async () => {
  await assert.rejects(
    openDatabase(":memory:", { busy: { baseDelayMs: 0 } }),
    RangeError,
  );
  await assert.rejects(
    openDatabase(":memory:", { busy: { retries: -1 } }),
    RangeError,
  );
});

Deno.test("UnitOfWork.migrate()", async (t) => {
  await using tmp = await tempDb();

  await t.step("racing connections each apply the schema once", async () => {
    const connections = await Promise.all(
      Array.from({ length: 4 }, () => openDatabase(tmp.path)),
    );
    try {
      for (const uow of connections) {
        assert.equal(await uow.migrate(), MIGRATIONS.length);
      }
    } finally {
      await Promise.all(connections.map((uow) => uow.close()));
    }
  });

  await t.step("applies only migrations newer than user_version", async () => {
    await using uow = await openDatabase(tmp.path);
    const extra = [...MIGRATIONS, {
      version: MIGRATIONS.length + 1,
      name: "notes",
      sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT) STRICT",
    }];
    assert.equal(await uow.migrate(extra), extra.length);
    assert.equal(await uow.migrate(extra), extra.length); // no-op, no error
    await uow.run((tx) =>
      tx.statement("INSERT INTO notes (text) VALUES ('x')").run()
    );
  });

  await t.step("refuses a database newer than the build", async () => {
    await assert.rejects(openDatabase(tmp.path), /schema version 3 is newer/);
  });

  await t.step(
    "names a failing migration and leaves nothing half-done",
    async () => {
      await using uow = await openDatabase(":memory:", { migrations: [] });
      const broken = [MIGRATIONS[0], {
        version: 2,
        name: "broken",
        sql: "CREATE TABLE a (x); CREATE TABLE oops (",
      }];
      await assert.rejects(uow.migrate(broken), /to version 2 \(broken\)/);
      const version = await uow.read((tx) =>
        tx.statement("PRAGMA user_version").get()?.user_version
      );
      assert.equal(version, 0);
      const tables = await uow.read((tx) =>
        tx.statement("SELECT count(*) AS n FROM sqlite_schema").get()?.n
      );
      assert.equal(tables, 0);
    },
  );

  await t.step("rejects migrations out of order", async () => {
    await using uow = await openDatabase(":memory:", { migrations: [] });
    await assert.rejects(
      uow.migrate([{ version: 2, name: "skip", sql: "" }]),
      RangeError,
    );
  });
});

Deno.test("UnitOfWork.run()", async (t) => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path);
  await uow.run((tx) => seed(tx, [100, 0]));

  await t.step(
    "commits what the callback wrote and returns its value",
    async () => {
      const result = await uow.run((tx) => tx.accounts.transfer(1, 2, 30));
      assert.equal(result.from.balance, 70);
      // A second connection sees the commit.
      await using other = await openDatabase(tmp.path);
      assert.equal((await other.read((tx) => tx.accounts.get(2)))?.balance, 30);
    },
  );

  await t.step("rolls back and rethrows when the callback throws", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      uow.run(async (tx) => {
        tx.accounts.setBalance(1, 0);
        await Promise.resolve();
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.equal((await uow.read((tx) => tx.accounts.get(1)))?.balance, 70);
  });

  await t.step("a transaction cannot be used after it ended", async () => {
    let leaked: Transaction | undefined;
    await uow.run((tx) => {
      leaked = tx;
      assert.equal(tx.active, true);
    });
    assert.equal(leaked!.active, false);
    assert.throws(
      () => leaked!.accounts.get(1),
      /already committed or rolled back/,
    );
  });

  await t.step("tasks sharing the connection never interleave", async () => {
    const before = (await uow.read((tx) => tx.accounts.get(2)))!.balance;
    // Each task reads, yields to the event loop, then writes what it read + 1.
    // Interleaved, they would overwrite each other (or fail to BEGIN).
    await Promise.all(
      Array.from({ length: 25 }, () =>
        uow.run(async (tx) => {
          const account = tx.accounts.get(2)!;
          await new Promise((resolve) => setTimeout(resolve, 0));
          tx.accounts.setBalance(2, account.balance + 1);
        })),
    );
    assert.equal(
      (await uow.read((tx) => tx.accounts.get(2)))?.balance,
      before + 25,
    );
  });

  await t.step(
    "a stale expected version is a ConflictError and is counted",
    async () => {
      const seen = (await uow.read((tx) => tx.accounts.get(1)))!;
      await uow.run((tx) =>
        tx.accounts.setBalance(1, 60, { expectedVersion: seen.version })
      );
      const conflicts = uow.stats.conflicts;
      await assert.rejects(
        uow.run((tx) =>
          tx.accounts.setBalance(1, 50, { expectedVersion: seen.version })
        ),
        ConflictError,
      );
      assert.equal(uow.stats.conflicts, conflicts + 1);
      assert.equal((await uow.read((tx) => tx.accounts.get(1)))?.balance, 60);
    },
  );
});

Deno.test("UnitOfWork prepares each statement once per connection", async () => {
  const db = new DatabaseSync(":memory:", { timeout: 0 });
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  db.prepare = (sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  };
  await using uow = new UnitOfWork(db);
  await uow.migrate();
  await uow.run((tx) => seed(tx, [100, 0]));
  await uow.run((tx) => tx.accounts.transfer(1, 2, 1));
  const warm = prepared.length;
  const mine = "SELECT balance FROM accounts WHERE id = ?";
  const seen = new Set<StatementSync>();
  for (let i = 0; i < 20; i++) {
    await uow.run((tx) => {
      tx.accounts.transfer(1, 2, 1);
      seen.add(tx.statement(mine));
    });
    await uow.read((tx) => seen.add(tx.statement(mine)));
  }
  // Twenty more transfers and forty lookups prepared only the new SQL, once.
  assert.deepEqual(prepared.slice(warm), [mine]);
  assert.equal(seen.size, 1);
  assert.equal(uow.stats.statements, new Set(prepared).size);
  // Another connection has statements of its own.
  await using other = await openDatabase(":memory:");
  const theirs = await other.read((tx) => tx.statement(mine));
  assert.ok(!seen.has(theirs));
});

Deno.test("UnitOfWork.run() retries a locked database with backoff", async (t) => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path, {
    busy: { retries: 1000, baseDelayMs: 1, maxDelayMs: 2 },
  });
  await uow.run((tx) => seed(tx, [10, 10]));
  const blocker = new DatabaseSync(tmp.path, { timeout: 0 });
  try {
    await t.step(
      "waits until the other writer commits, counting retries",
      async () => {
        blocker.exec("BEGIN IMMEDIATE");
        const pending = uow.run((tx) => tx.accounts.transfer(1, 2, 5));
        while (uow.stats.busyRetries < 3) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        blocker.exec("COMMIT");
        const result = await pending;
        assert.equal(result.to.balance, 15);
        assert.ok(uow.stats.busyWaitMs > 0);
        assert.equal(uow.stats.busyErrors, 0);
      },
    );

    await t.step("a lock held while committing is retried too", async () => {
      // In rollback-journal mode a commit needs readers gone.
      await using journal = await tempDb();
      await using deleteMode = await openDatabase(journal.path, {
        journalMode: "delete",
        busy: { retries: 1000, baseDelayMs: 1, maxDelayMs: 2 },
      });
      await deleteMode.run((tx) => seed(tx, [1]));
      const reader = new DatabaseSync(journal.path, { timeout: 0 });
      try {
        reader.exec("BEGIN");
        reader.prepare("SELECT * FROM accounts").all(); // holds SHARED
        const pending = deleteMode.run((tx) => tx.accounts.setBalance(1, 2));
        while (deleteMode.stats.busyRetries < 3) {
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        reader.exec("COMMIT");
        await pending;
        assert.equal(
          (await deleteMode.read((tx) => tx.accounts.get(1)))?.balance,
          2,
        );
      } finally {
        reader.close();
      }
    });
  } finally {
    blocker.close();
  }
});

Deno.test("UnitOfWork backs off exponentially with jitter, and counts it", async (t) => {
  await using tmp = await tempDb();
  {
    await using setup = await openDatabase(tmp.path);
    await setup.run((tx) => seed(tx, [10, 10]));
  }
  const blocker = new DatabaseSync(tmp.path, { timeout: 0 });
  try {
    await t.step(
      "delays double up to maxDelayMs, jittered within the upper half",
      async () => {
        const jitter = [0, 0.5, 0.75, 0.25, 0, 0.5, 0.999];
        const delays: number[] = [];
        await using uow = await openDatabase(tmp.path, {
          busy: { retries: 10, baseDelayMs: 1, maxDelayMs: 8 },
          random: () => jitter[delays.length],
          sleep: (ms) => {
            delays.push(ms);
            if (delays.length === jitter.length) blocker.exec("COMMIT");
            return Promise.resolve();
          },
        });
        const before = uow.stats;
        blocker.exec("BEGIN IMMEDIATE");
        await uow.run((tx) => tx.accounts.transfer(1, 2, 1));
        // ceilings 1, 2, 4, 8, 8, 8, 8; delay = ceiling/2 + jitter·ceiling/2
        assert.deepEqual(delays, [0.5, 1.5, 3.5, 5, 4, 6, 7.996]);
        const after = uow.stats;
        assert.equal(after.busyRetries - before.busyRetries, 7);
        assert.equal(after.busyRetried - before.busyRetried, 1);
        assert.equal(after.busyErrors, 0);
        assert.equal(after.commits - before.commits, 1);
      },
    );

    await t.step(
      "a transaction retried at BEGIN and again at COMMIT counts once",
      async () => {
        let sleeps = 0;
        await using uow = await openDatabase(tmp.path, {
          busy: { retries: 10, baseDelayMs: 1, maxDelayMs: 1 },
          sleep: () => {
            sleeps++;
            if (sleeps === 2) blocker.exec("COMMIT");
            return Promise.resolve();
          },
        });
        const before = uow.stats;
        blocker.exec("BEGIN IMMEDIATE");
        await uow.run((tx) => tx.accounts.get(1));
        await uow.run((tx) => tx.accounts.get(1)); // no lock: not retried
        assert.equal(uow.stats.busyRetries - before.busyRetries, 2);
        assert.equal(uow.stats.busyRetried - before.busyRetried, 1);
      },
    );

    await t.step(
      "read() retries a lock without counting a rollback",
      async () => {
        // Rollback-journal mode: a writer's EXCLUSIVE lock blocks readers.
        await using journal = await tempDb();
        let sleeps = 0;
        const reader = new DatabaseSync(journal.path, { timeout: 0 });
        try {
          await using uow = await openDatabase(journal.path, {
            journalMode: "delete",
            sleep: () => {
              if (++sleeps === 3) reader.exec("ROLLBACK");
              return Promise.resolve();
            },
          });
          await uow.run((tx) => seed(tx, [7]));
          const before = uow.stats;
          reader.exec("BEGIN EXCLUSIVE");
          const balance = await uow.read((tx) => tx.accounts.get(1)?.balance);
          assert.equal(balance, 7);
          const after = uow.stats;
          assert.equal(after.busyRetries - before.busyRetries, 3);
          assert.equal(after.busyRetried - before.busyRetried, 1);
          assert.equal(after.rollbacks, before.rollbacks);
          assert.equal(after.reads - before.reads, 1);
        } finally {
          reader.close();
        }
      },
    );

    await t.step("retries while opening count in the stats", async () => {
      await using journal = await tempDb();
      await (await openDatabase(journal.path, { journalMode: "delete" }))
        .close();
      const holder = new DatabaseSync(journal.path, { timeout: 0 });
      try {
        holder.exec("BEGIN EXCLUSIVE");
        let sleeps = 0;
        await using uow = await openDatabase(journal.path, {
          journalMode: "delete",
          sleep: () => {
            if (++sleeps === 2) holder.exec("ROLLBACK");
            return Promise.resolve();
          },
        });
        assert.equal(uow.stats.busyRetries, 2);
        assert.equal(uow.stats.busyRetried, 1);
      } finally {
        holder.close();
      }
    });
  } finally {
    blocker.close();
  }
});

Deno.test("UnitOfWork.run() gives up with a BusyError after bounded retries", async () => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path, {
    busy: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
  });
  await uow.run((tx) => seed(tx, [10, 10]));
  const blocker = new DatabaseSync(tmp.path, { timeout: 0 });
  try {
    blocker.exec("BEGIN IMMEDIATE");
    await assert.rejects(
      uow.run((tx) => tx.accounts.transfer(1, 2, 5)),
      (error) =>
        error instanceof BusyError &&
        /stayed locked after 3 retries/.test(error.message) &&
        isBusyError(error.cause),
    );
    assert.equal(uow.stats.busyRetries, 3);
    assert.equal(uow.stats.busyErrors, 1);
    blocker.exec("ROLLBACK");
    // The connection is still usable and nothing was written.
    assert.equal((await uow.read((tx) => tx.accounts.totals())).sum, 20);
    await uow.run((tx) => tx.accounts.transfer(1, 2, 5));
  } finally {
    blocker.close();
  }
});

Deno.test("UnitOfWork.read() sees one snapshot while another connection writes", async () => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path);
  await using writer = await openDatabase(tmp.path);
  await uow.run((tx) => seed(tx, [10, 10]));
  const seen = await uow.read(async (tx) => {
    const before = tx.accounts.get(1)!.balance;
    await writer.run((w) => w.accounts.setBalance(1, 99));
    return [before, tx.accounts.get(1)!.balance];
  });
  assert.deepEqual(seen, [10, 10]);
  assert.equal((await uow.read((tx) => tx.accounts.get(1)))?.balance, 99);
});

Deno.test("UnitOfWork.integrityCheck()", async (t) => {
  await using tmp = await tempDb();

  await t.step("is ok on a healthy database", async () => {
    await using uow = await openDatabase(tmp.path);
    await uow.run((tx) => {
      tx.entities.insertMany(
        Array.from({ length: 2000 }, (_, i) => ({
          id: `e-${i}`,
          kind: "item",
          state: "new",
          data: { text: "x".repeat(200) },
        })),
      );
    });
    assert.deepEqual(await uow.integrityCheck(), { ok: true, problems: [] });
    assert.deepEqual(await uow.integrityCheck({ quick: true }), {
      ok: true,
      problems: [],
    });
  });

  await t.step("reports a foreign key pointing nowhere", async () => {
    await using uow = await openDatabase(tmp.path, { foreignKeys: false });
    await uow.run((tx) =>
      tx.outbox.add({ topic: "t", key: "k", payload: {}, transitionId: 424242 })
    );
    const report = await uow.integrityCheck();
    assert.equal(report.ok, false);
    assert.match(
      report.problems[0],
      /foreign key: row \d+ of outbox points at a missing transitions row/,
    );
    await uow.run((tx) => tx.statement("DELETE FROM outbox").run());
  });

  await t.step("reports corrupted pages", async () => {
    // Every connection is closed, so the WAL was checkpointed into the file.
    const bytes = await Deno.readFile(tmp.path);
    const pageSize = (bytes[16] << 8) | bytes[17];
    // Scribble over whole b-tree pages, keeping page 1 (the header).
    bytes.fill(0x5a, pageSize * 4, pageSize * 8);
    await Deno.writeFile(tmp.path, bytes);
    await using uow = await openDatabase(tmp.path);
    const report = await uow.integrityCheck();
    assert.equal(report.ok, false);
    assert.ok(report.problems.length > 0);
  });
});

Deno.test("UnitOfWork.close()", async (t) => {
  await using tmp = await tempDb();

  await t.step("waits for the running transaction", async () => {
    const uow = await openDatabase(tmp.path);
    let finished = false;
    const running = uow.run(async (tx) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seed(tx, [1]);
      finished = true;
    });
    await uow.close();
    assert.equal(finished, true);
    await running;
    assert.equal(uow.isOpen, false);
    await assert.rejects(uow.run(() => {}), /the connection is closed/);
  });

  await t.step("tasks queued behind a close are refused", async () => {
    const uow = await openDatabase(tmp.path);
    const first = uow.run(() =>
      new Promise((resolve) => setTimeout(resolve, 5))
    );
    const closing = uow.close();
    const late = uow.run(() => 1);
    await first;
    await closing;
    await assert.rejects(late, /the connection is closed/);
  });

  await t.step("concurrent and repeated calls all resolve", async () => {
    const uow = await openDatabase(tmp.path);
    const running = uow.run(() =>
      new Promise((resolve) => setTimeout(resolve, 5))
    );
    const closes = [uow.close(), uow.close(), uow[Symbol.asyncDispose]()];
    await running;
    await Promise.all(closes);
    await uow.close();
    assert.equal(uow.isOpen, false);
  });

  await t.step("openConnections() counts open connections", async () => {
    const base = openConnections();
    const a = await openDatabase(tmp.path);
    const b = await openDatabase(":memory:");
    assert.equal(openConnections(), base + 2);
    await Promise.all([a.close(), a.close()]);
    assert.equal(openConnections(), base + 1);
    b[Symbol.dispose]();
    await b.close();
    assert.equal(openConnections(), base);
    // A failed open closes what it opened.
    await assert.rejects(
      openDatabase(tmp.path, { migrations: [] }),
      /is newer than this build/,
    );
    assert.equal(openConnections(), base);
  });

  await t.step("Symbol.dispose closes at once, rolling back", async () => {
    let leaked: Transaction | undefined;
    {
      using uow = await openDatabase(tmp.path);
      const pending = uow.run((tx) => {
        leaked = tx;
        tx.accounts.setBalance(1, 77);
        return new Promise((resolve) => setTimeout(resolve, 5));
      });
      pending.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.ok(leaked);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    await using uow = await openDatabase(tmp.path);
    assert.equal((await uow.read((tx) => tx.accounts.get(1)))?.balance, 1);
  });

  await t.step("rapid open/close cycles leave the file healthy", async () => {
    await using writer = await openDatabase(tmp.path);
    for (let i = 0; i < 100; i++) {
      await using uow = await openDatabase(tmp.path);
      await uow.read((tx) => tx.accounts.get(1));
      await writer.run((tx) => tx.accounts.setBalance(1, i));
    }
    assert.equal((await writer.integrityCheck()).ok, true);
    assert.equal((await writer.read((tx) => tx.accounts.get(1)))?.balance, 99);
  });
});

Deno.test("Transaction.afterCommit()", async (t) => {
  await using uow = await openDatabase(":memory:");
  await uow.run((tx) => seed(tx, [0]));

  await t.step(
    "runs hooks after the commit, in commit order across tasks",
    async () => {
      const seen: number[] = [];
      await Promise.all(
        Array.from({ length: 10 }, () =>
          uow.run(async (tx) => {
            const balance = tx.accounts.get(1)!.balance + 1;
            tx.accounts.setBalance(1, balance);
            await Promise.resolve();
            tx.afterCommit(async () => {
              await new Promise((resolve) => setTimeout(resolve, 0));
              seen.push(balance);
            });
          })),
      );
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    },
  );

  await t.step(
    "a slow hook holds up later hooks, not later transactions",
    async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => release = resolve);
      const order: string[] = [];
      const first = uow.run((tx) => {
        tx.accounts.setBalance(1, 100);
        tx.afterCommit(async () => {
          await gate;
          order.push("first hook");
        });
      });
      const second = uow.run((tx) => {
        tx.accounts.setBalance(1, 200);
        tx.afterCommit(() => {
          order.push("second hook");
        });
      });
      // A third transaction commits while the first hook still waits (with
      // hooks run under the lock it would wait for the gate: a deadlock).
      await withDeadline(
        uow.run((tx) => {
          order.push(`third sees ${tx.accounts.get(1)?.balance}`);
        }),
        "the third transaction waited for the first one's hook",
      );
      assert.deepEqual(order, ["third sees 200"]);
      release();
      await Promise.all([first, second]);
      assert.deepEqual(order, [
        "third sees 200",
        "first hook",
        "second hook",
      ]);
    },
  );

  await t.step("never runs them after a rollback", async () => {
    let ran = false;
    await assert.rejects(uow.run((tx) => {
      tx.afterCommit(() => {
        ran = true;
      });
      throw new Error("no");
    }));
    assert.equal(ran, false);
  });

  await t.step("a failing hook is rethrown but the commit stands", async () => {
    let second = false;
    await assert.rejects(
      uow.run((tx) => {
        tx.accounts.setBalance(1, 42);
        tx.afterCommit(() => {
          throw new Error("publish failed");
        });
        tx.afterCommit(() => {
          second = true;
        });
      }),
      /publish failed/,
    );
    assert.equal(second, true);
    assert.equal((await uow.read((tx) => tx.accounts.get(1)))?.balance, 42);
  });
});

Deno.test("openDatabase() bounds the WAL: a TRUNCATE checkpoint once it reaches checkpointAt, tried again while a reader blocks it", async (t) => {
  await using tmp = await tempDb();
  const LIMIT = 256 * 1024;
  const walSize = () => {
    try {
      return Deno.statSync(`${tmp.path}-wal`).size;
    } catch {
      return 0;
    }
  };
  await using uow = await openDatabase(tmp.path, {
    wal: { sizeLimit: LIMIT, checkpointAt: LIMIT },
  });
  let id = 0;
  const write = async (commits: number) => {
    for (let i = 0; i < commits; i++) {
      await uow.run((tx) =>
        tx.entities.insert({
          id: `blob-${++id}`,
          kind: "blob",
          state: "new",
          data: "x".repeat(4000),
        })
      );
    }
  };
  const reader = new DatabaseSync(tmp.path, { timeout: 0 });
  try {
    await t.step(
      "a reader's snapshot keeps it from finishing: busy, and the WAL grows",
      async () => {
        await write(1);
        reader.exec("BEGIN");
        reader.prepare("SELECT count(*) FROM entities").get(); // a WAL snapshot
        await write(200);
        assert.equal(uow.stats.checkpoints, 0);
        assert.ok(uow.stats.checkpointsBusy > 0, JSON.stringify(uow.stats));
        assert.ok(walSize() > 2 * LIMIT, `WAL ${walSize()} bytes`);
      },
    );
    await t.step(
      "once the reader is done, the next commit truncates the WAL",
      async () => {
        reader.exec("COMMIT");
        await write(1);
        assert.equal(uow.stats.checkpoints, 1);
        assert.equal(walSize(), 0);
        assert.ok(uow.stats.walBytesPeak > 2 * LIMIT);
      },
    );
  } finally {
    reader.close();
  }
});

Deno.test("openDatabase() leaves the WAL alone when checkpointAt is 0, and in-memory databases have none", async () => {
  await using tmp = await tempDb();
  await using uow = await openDatabase(tmp.path, {
    wal: { sizeLimit: -1, checkpointAt: 0 },
  });
  for (let i = 0; i < 40; i++) {
    await uow.run((tx) => tx.accounts.insert({ id: i + 1, balance: 1 }));
  }
  assert.equal(uow.stats.walBytesPeak, 0);
  await using memory = await openDatabase(":memory:");
  await memory.run((tx) => tx.accounts.insert({ id: 1, balance: 1 }));
  assert.equal(memory.stats.checkpoints + memory.stats.checkpointsBusy, 0);
});
