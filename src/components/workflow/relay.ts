/**
 * The outbox relay: delivers committed outbox messages at least once, and
 * the consumer side that makes redeliveries harmless by deduping on the
 * message id in the same transaction as its effect.
 * @module
 */
import type { OutboxMessage, Transaction, UnitOfWork } from "../uow/mod.ts";

/** Options of {@link relayOutbox}. */
export interface RelayOptions {
  /** Hands one message on; throwing stops the relay, the message stays pending. */
  deliver: (message: OutboxMessage) => unknown;
  /** Messages read per batch; default 100. */
  batchSize?: number;
  /** Stop after this many batches; default: until nothing is pending. */
  maxBatches?: number;
}

/** What one {@link relayOutbox} call did. */
export interface RelayResult {
  /** Messages handed to `deliver`. */
  delivered: number;
  /** Of those, how many this relay marked delivered (another relay may have first). */
  marked: number;
}

/**
 * Delivers pending outbox messages oldest first: reads a batch, hands each
 * to `deliver` outside any transaction, then marks the batch delivered. A
 * crash (or a concurrent relay) between delivery and marking delivers the
 * message again, so consumers must dedupe by id (see {@link inboxConsumer}).
 *
 * @example
 * ```ts
 * import { openDatabase } from "../uow/mod.ts";
 * import { relayOutbox } from "./relay.ts";
 * await using uow = await openDatabase(":memory:");
 * await uow.run((tx) => tx.outbox.add({ topic: "t", key: "k", payload: 1 }));
 * const result = await relayOutbox(uow, { deliver: (m) => console.log(m.id) });
 * console.log(result.delivered); // 1
 * ```
 */
export async function relayOutbox(
  uow: UnitOfWork,
  options: RelayOptions,
): Promise<RelayResult> {
  const batchSize = options.batchSize ?? 100;
  const maxBatches = options.maxBatches ?? Infinity;
  const result: RelayResult = { delivered: 0, marked: 0 };
  for (let batch = 0; batch < maxBatches; batch++) {
    const pending = await uow.read((tx) => tx.outbox.pending(batchSize));
    if (pending.length === 0) break;
    const ids: number[] = [];
    try {
      for (const message of pending) {
        const done = options.deliver(message);
        if (done instanceof Promise) await done;
        ids.push(message.id);
        result.delivered++;
      }
    } finally {
      if (ids.length > 0) {
        result.marked += await uow.run((tx) => tx.outbox.markDelivered(ids));
      }
    }
    if (pending.length < batchSize) break;
  }
  return result;
}

/** Options of {@link inboxConsumer}. */
export interface InboxConsumerOptions {
  /** The consumer's name: each consumer dedupes on its own. */
  consumer: string;
  /** The effect of one message, in the transaction that records its id. */
  handle: (tx: Transaction, message: OutboxMessage) => unknown;
  /** Called for a message id this consumer had already processed. */
  onDuplicate?: (message: OutboxMessage) => void;
}

/**
 * A `deliver` function for {@link relayOutbox} that processes each message
 * id once: it records the id in the inbox and runs `handle` in one
 * transaction, and skips ids already recorded.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../uow/mod.ts";
 * import { inboxConsumer, relayOutbox } from "./relay.ts";
 * await using uow = await openDatabase(":memory:");
 * const deliver = inboxConsumer(uow, { consumer: "mailer", handle: () => {} });
 * await relayOutbox(uow, { deliver });
 * ```
 */
export function inboxConsumer(
  uow: UnitOfWork,
  options: InboxConsumerOptions,
): (message: OutboxMessage) => Promise<boolean> {
  return (message) =>
    uow.run(async (tx) => {
      if (!tx.inbox.markSeen(options.consumer, message.id)) {
        options.onDuplicate?.(message);
        return false;
      }
      const done = options.handle(tx, message);
      if (done instanceof Promise) await done;
      return true;
    });
}
