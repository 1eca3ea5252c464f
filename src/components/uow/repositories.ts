/**
 * Repositories bound to one transaction: accounts, entities (aggregates
 * stored as JSON, with optimistic versions), the transition log, the outbox
 * and the consumers' inbox, one file each. Get them from a transaction
 * (`tx.entities`, ...), never construct them yourself.
 * @module
 */
export * from "./_repository.ts";
export * from "./_accounts.ts";
export * from "./_entities.ts";
export * from "./_transitions.ts";
export * from "./_outbox.ts";
