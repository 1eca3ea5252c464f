/**
 * Does a second writer thread on the same WAL file cost throughput, and how
 * long do transactions wait on "database is locked"? Runs the same number of
 * transfers on 1 Worker, then split over 2, alternating for a few rounds.
 * Target: 2 workers >= 0.9x the throughput of 1, p99.9 busy wait < 50 ms.
 *
 * Run: `deno run -A src/components/uow/bench_workers.ts [transfers] [rounds]`
 * @module
 */
import { openDatabase } from "./unit_of_work.ts";

const ACCOUNTS = 100;

interface Round {
  opsPerSecond: number;
  waits: number[];
  busyRetries: number;
}

async function round(workers: number, transfers: number): Promise<Round> {
  const dir = await Deno.makeTempDir({ prefix: "tensile-uow-scaling-" });
  const path = `${dir}/bank.db`;
  const threads: Worker[] = [];
  try {
    {
      await using uow = await openDatabase(path);
      await uow.run((tx) =>
        tx.accounts.insertMany(
          Array.from(
            { length: ACCOUNTS },
            (_, i) => ({ id: i + 1, balance: 1e12 }),
          ),
        )
      );
    }
    for (let index = 0; index < workers; index++) {
      threads.push(
        new Worker(new URL("./_bench_worker.ts", import.meta.url).href, {
          type: "module",
        }),
      );
    }
    const next = (worker: Worker) =>
      new Promise<MessageEvent["data"]>((resolve, reject) => {
        worker.onmessage = ({ data }) => resolve(data);
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(event.message));
        };
      });
    await Promise.all(threads.map((worker, index) => {
      const ready = next(worker);
      worker.postMessage({
        path,
        transfers: transfers / workers,
        index,
        accounts: ACCOUNTS,
      });
      return ready;
    }));
    const done = await Promise.all(threads.map((worker) => {
      const result = next(worker);
      worker.postMessage("go");
      return result;
    }));
    // From the first worker's first transfer to the last one's last, as the
    // workers timed them: each worker's close (a WAL checkpoint) is left out.
    const seconds = (Math.max(...done.map((d) => d.end as number)) -
      Math.min(...done.map((d) => d.start as number))) / 1000;
    return {
      opsPerSecond: transfers / seconds,
      waits: done.flatMap((d) => Array.from(d.waits as Float64Array)),
      busyRetries: done.reduce((sum, d) => sum + d.busyRetries, 0),
    };
  } finally {
    for (const worker of threads) worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

if (import.meta.main) {
  const transfers = Number(Deno.args[0] ?? 10_000);
  const rounds = Number(Deno.args[1] ?? 3);
  const one: Round[] = [];
  const two: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    one.push(await round(1, transfers));
    two.push(await round(2, transfers));
  }
  const single = median(one.map((r) => r.opsPerSecond));
  const double = median(two.map((r) => r.opsPerSecond));
  const waits = two.flatMap((r) => r.waits);
  const p999 = percentile(waits, 0.999);
  const ratio = double / single;
  console.log(
    [
      `1 worker:  ${single.toFixed(0)} transfers/s (median of ${rounds})`,
      `2 workers: ${double.toFixed(0)} transfers/s, ratio ${
        ratio.toFixed(2)
      } (target >= 0.90)`,
      `busy wait per transaction with 2 workers: p99 ${
        percentile(waits, 0.99).toFixed(2)
      } ms, p99.9 ${p999.toFixed(2)} ms (target < 50 ms), max ${
        Math.max(...waits).toFixed(2)
      } ms, ${
        two.reduce((s, r) => s + r.busyRetries, 0)
      } retries in ${waits.length} transactions`,
    ].join("\n"),
  );
  if (ratio < 0.9 || p999 >= 50) Deno.exitCode = 1;
}
