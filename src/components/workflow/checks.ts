/**
 * Consistency checks of a workflow database, usable after a run or after a
 * crash: each returns whether it held and what it found, with numbers.
 * @module
 */
import type { CheckResult } from "../../invariants.ts";
import type { UnitOfWork } from "../uow/mod.ts";
import type { Ack } from "./ack_log.ts";
import type { Workflow } from "./workflow.ts";

const MAX_LISTED = 3;

/**
 * Every entity's log has one row per version 1..version, ending in its
 * current state; every log row has exactly one outbox row and every outbox
 * row a log row. A rolled-back or half-written transaction breaks it.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../uow/mod.ts";
 * import { checkTransitionLog } from "./checks.ts";
 * await using uow = await openDatabase(":memory:");
 * console.log((await checkTransitionLog(uow)).ok); // true
 * ```
 */
export function checkTransitionLog(uow: UnitOfWork): Promise<CheckResult> {
  return uow.read((tx) => {
    const problems: string[] = [];
    const entities = tx.statement(
      `SELECT e.id AS id, e.version AS version, e.state AS state,
          count(t.id) AS rows, count(DISTINCT t.version) AS versions,
          coalesce(max(t.version), 0) AS top,
          (SELECT to_state FROM transitions l WHERE l.entity_id = e.id
            ORDER BY l.version DESC, l.id DESC LIMIT 1) AS last
        FROM entities e LEFT JOIN transitions t ON t.entity_id = e.id
        GROUP BY e.id
        HAVING rows != e.version OR versions != e.version OR top != e.version
          OR last IS NOT e.state`,
    ).all();
    for (const row of entities.slice(0, MAX_LISTED)) {
      problems.push(
        `entity "${row.id}" is at version ${row.version} in "${row.state}" but its log has ${row.rows} rows up to version ${row.top} ending in "${row.last}"`,
      );
    }
    const unmatched = tx.statement(
      `SELECT t.id AS id, count(o.id) AS n FROM transitions t
        LEFT JOIN outbox o ON o.transition_id = t.id
        GROUP BY t.id HAVING n != 1`,
    ).all();
    for (const row of unmatched.slice(0, MAX_LISTED)) {
      problems.push(`log row ${row.id} has ${row.n} outbox rows`);
    }
    const orphans = tx.statement(
      `SELECT
        (SELECT count(*) FROM outbox o WHERE o.transition_id IS NULL
          OR NOT EXISTS (SELECT 1 FROM transitions t WHERE t.id = o.transition_id)) AS outbox,
        (SELECT count(*) FROM transitions t
          WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.id = t.entity_id)) AS log`,
    ).get()!;
    if (orphans.outbox !== 0) {
      problems.push(`${orphans.outbox} outbox rows have no log row`);
    }
    if (orphans.log !== 0) {
      problems.push(`${orphans.log} log rows have no entity`);
    }
    const totals = tx.statement(
      `SELECT (SELECT count(*) FROM entities) AS entities,
        (SELECT count(*) FROM transitions) AS log,
        (SELECT count(*) FROM outbox) AS outbox`,
    ).get()!;
    const summary =
      `${totals.entities} entities, ${totals.log} log rows, ${totals.outbox} outbox rows`;
    const broken = entities.length + unmatched.length;
    return problems.length === 0
      ? {
        ok: true,
        detail: `${summary}: every version logged once, with one outbox row`,
      }
      : {
        ok: false,
        detail: `${summary}: ${broken} inconsistencies; ${problems.join("; ")}`,
      };
  });
}

/**
 * Every acknowledged commit is in the database: its log row (same entity
 * and version), its outbox row, and an entity at that version or later.
 *
 * @example
 * ```ts
 * import { openDatabase } from "../uow/mod.ts";
 * import { checkAcks } from "./checks.ts";
 * await using uow = await openDatabase(":memory:");
 * console.log((await checkAcks(uow, [])).ok); // true
 * ```
 */
export function checkAcks(
  uow: UnitOfWork,
  acks: readonly Ack[],
): Promise<CheckResult> {
  return uow.read((tx) => {
    const log = tx.statement(
      "SELECT entity_id, version FROM transitions WHERE id = ?",
    );
    const message = tx.statement(
      "SELECT transition_id FROM outbox WHERE id = ?",
    );
    const missing: string[] = [];
    let count = 0;
    for (const ack of acks) {
      const row = log.get(ack.t);
      const outbox = message.get(ack.m);
      const entity = tx.entities.get(ack.e);
      if (
        row?.entity_id !== ack.e || row.version !== ack.v ||
        outbox?.transition_id !== ack.t || entity === undefined ||
        entity.version < ack.v
      ) {
        count++;
        if (missing.length < MAX_LISTED) {
          missing.push(
            `"${ack.e}" v${ack.v} (log row ${ack.t}, message ${ack.m})`,
          );
        }
      }
    }
    return count === 0
      ? {
        ok: true,
        detail: `all ${acks.length} acknowledged commits are present`,
      }
      : {
        ok: false,
        detail: `${count} of ${acks.length} acknowledged commits are missing: ${
          missing.join(", ")
        }`,
      };
  });
}

/**
 * What a workflow published equals what it committed: per entity, one
 * snapshot per log row it wrote, the last one at the entity version and
 * state of its last row; and no more snapshots than its log rows overall.
 *
 * @example
 * ```ts
 * import { TransitionRegistry } from "../fsm/mod.ts";
 * import { openDatabase } from "../uow/mod.ts";
 * import { checkPublished } from "./checks.ts";
 * import { Workflow } from "./workflow.ts";
 * await using uow = await openDatabase(":memory:");
 * using workflow = new Workflow({
 *   uow,
 *   registry: new TransitionRegistry(),
 *   actor: "api",
 * });
 * await workflow.create("o-1", { kind: "order", state: "created" });
 * console.log((await checkPublished(uow, workflow)).ok); // true
 * ```
 */
export function checkPublished(
  uow: UnitOfWork,
  workflow: Workflow,
): Promise<CheckResult> {
  return uow.read((tx) => {
    const actor = workflow.actor;
    const mine = tx.statement(
      `SELECT count(*) AS n, max(version) AS top,
        (SELECT to_state FROM transitions l WHERE l.entity_id = ?1 AND l.actor = ?2
          ORDER BY l.version DESC, l.id DESC LIMIT 1) AS last
       FROM transitions WHERE entity_id = ?1 AND actor = ?2`,
    );
    const problems: string[] = [];
    let stores = 0;
    let mismatched = 0;
    for (const entityId of workflow.entities()) {
      stores++;
      const store = workflow.store(entityId);
      const sets = store.metrics().sets;
      const snapshot = store.get();
      const row = mine.get(entityId, actor)!;
      if (
        sets !== row.n || snapshot.context.version !== row.top ||
        snapshot.state !== row.last
      ) {
        if (mismatched++ < MAX_LISTED) {
          problems.push(
            `"${entityId}": ${sets} snapshots (last v${snapshot.context.version} "${snapshot.state}") for ${row.n} log rows (last v${row.top} "${row.last}")`,
          );
        }
      }
    }
    const logged = tx.transitions.count({ actor });
    if (logged !== workflow.published) {
      problems.unshift(
        `${workflow.published} snapshots published for ${logged} commits`,
      );
    }
    const summary =
      `${actor} published ${workflow.published} snapshots to ${stores} stores, committed ${logged}`;
    return problems.length === 0 ? { ok: true, detail: summary } : {
      ok: false,
      detail: `${summary}; ${mismatched} stores differ: ${problems.join("; ")}`,
    };
  });
}
