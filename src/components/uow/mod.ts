/**
 * The SQLite unit of work: {@link openDatabase} opens a connection (WAL,
 * migrations applied) whose {@link UnitOfWork.run} runs `BEGIN IMMEDIATE`
 * transactions with repositories bound to them, retrying "database is locked"
 * with bounded backoff. {@link uowTarget} is its load-test adapter; what every
 * SQLite-backed target shares with it (connection options, busy counters, the
 * `integrity` invariant) comes from `sqlite_target.ts`, through this door.
 *
 * @example
 * ```ts
 * import { openDatabase } from "./mod.ts";
 * await using uow = await openDatabase(":memory:");
 * await uow.run((tx) => {
 *   tx.accounts.insertMany([{ id: 1, balance: 100 }, { id: 2, balance: 0 }]);
 *   tx.accounts.transfer(1, 2, 40);
 * });
 * ```
 * @module
 */
export {
  backoffDelay,
  DEFAULT_BUSY_POLICY,
  DEFAULT_WAL_POLICY,
  isBusyError,
  openConnections,
  openDatabase,
  removeDatabase,
  UnitOfWork,
  WAL_CHECK_COMMITS,
  WAL_CHECK_MS,
} from "./unit_of_work.ts";
export type {
  BusyPolicy,
  IntegrityReport,
  JournalMode,
  OpenOptions,
  ReadTransaction,
  Synchronous,
  Transaction,
  UnitOfWorkOptions,
  UnitOfWorkStats,
  WalPolicy,
} from "./unit_of_work.ts";
export {
  AccountRepository,
  EntityRepository,
  InboxRepository,
  OutboxRepository,
  TransitionRepository,
} from "./repositories.ts";
export type {
  Account,
  AccountReader,
  AccountTotals,
  EntityChanges,
  EntityRange,
  EntityReader,
  InboxReader,
  NewAccount,
  NewEntity,
  NewMessage,
  NewTransition,
  OutboxMessage,
  OutboxReader,
  RowWriteOptions,
  StatementSource,
  StoredEntity,
  TransferResult,
  TransitionFilter,
  TransitionReader,
  TransitionRecord,
} from "./repositories.ts";
export { type Migration, MIGRATIONS } from "./migrations.ts";
export {
  type Aggregate,
  AGGREGATE_FORMAT,
  parseAggregate,
  serializeAggregate,
} from "./aggregate.ts";
export {
  checkIntegrity,
  CONNECTION_COUNTERS,
  CONNECTION_OPTIONS,
  CONNECTION_PEAK_COUNTERS,
  connectionCounters,
  type ConnectionOptions,
  connectionOptions,
  createRunDatabase,
  INTEGRITY_INVARIANT,
  SEED_BATCH,
  type SeedBatches,
  seedInBatches,
} from "./sqlite_target.ts";
export { type UowDefect, type UowOptions, uowTarget } from "./ops.ts";
