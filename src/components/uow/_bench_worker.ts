/**
 * Worker side of `bench_workers.ts`: opens its own connection, waits for
 * "go", runs transfers and reports each transaction's busy wait and when
 * its transfers started and ended (before its close).
 * @module
 */
import { openDatabase } from "./unit_of_work.ts";

const scope = self as unknown as {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async ({ data }) => {
  const { path, transfers, index, accounts } = data as {
    path: string;
    transfers: number;
    index: number;
    accounts: number;
  };
  const uow = await openDatabase(path);
  scope.postMessage({ type: "ready" });
  scope.onmessage = async () => {
    const waits = new Float64Array(transfers);
    // Wall-clock ms (comparable across Workers), taken around the transfers
    // only: opening and the closing checkpoint are not what is measured.
    const start = performance.timeOrigin + performance.now();
    for (let i = 0; i < transfers; i++) {
      const from = ((i * 7 + index * 13) % accounts) + 1;
      const to = (from % accounts) + 1;
      const before = uow.stats.busyWaitMs;
      await uow.run((tx) => tx.accounts.transfer(from, to, 1));
      waits[i] = uow.stats.busyWaitMs - before;
    }
    const end = performance.timeOrigin + performance.now();
    const { busyRetries } = uow.stats;
    await uow.close();
    scope.postMessage({ type: "done", waits, busyRetries, start, end });
  };
};
