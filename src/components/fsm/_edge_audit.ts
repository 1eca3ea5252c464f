/**
 * The `declared_edges_only` invariant of the `fsm` target: entities that
 * report every change of their state, checked against the declared machine
 * independently of the registry that moves them. Private to the folder.
 * @module
 */
import type { CheckResult } from "../../invariants.ts";
import type { Entity } from "./context.ts";
import type { Machine } from "./yaml_machine.ts";

/** Counts every state change of the entities it watches. */
export class EdgeAudit {
  /** State changes seen. */
  moves = 0;
  /** Of those, the ones along an edge the machine does not declare. */
  illegal = 0;
  /** The first illegal change, as text. */
  first = "";
  #machine: Machine;

  /** Judges moves by `machine`'s edges and states. */
  constructor(machine: Machine) {
    this.#machine = machine;
  }

  /** Records one state change. */
  record(from: string, to: string): void {
    this.moves++;
    if (!this.#machine.isEdge(from, to) || !this.#machine.isState(to)) {
      if (this.illegal === 0) this.first = `"${from}" -> "${to}"`;
      this.illegal++;
    }
  }

  /** `declared_edges_only`: no change went along an undeclared edge. */
  result(): CheckResult {
    return {
      ok: this.illegal === 0,
      detail:
        `${this.moves} moves checked, ${this.illegal} along undeclared edges${
          this.illegal === 0 ? "" : ` (first: ${this.first})`
        }`,
    };
  }
}

/**
 * An entity whose every state change is checked against the declared
 * machine, independently of the registry that moves it.
 */
export class AuditedEntity implements Entity {
  readonly type: string;
  id: number;
  version = 0;
  #state: string;
  #audit: EdgeAudit;

  /** An entity `type`/`id` in `state`, reporting its moves to `audit`. */
  constructor(type: string, id: number, state: string, audit: EdgeAudit) {
    this.type = type;
    this.id = id;
    this.#state = state;
    this.#audit = audit;
  }

  /** The current state. */
  get state(): string {
    return this.#state;
  }

  /** Moves to `next`, reporting the move. */
  set state(next: string) {
    this.#audit.record(this.#state, next);
    this.#state = next;
  }

  /** A new entity takes this one's place in the initial state. */
  restart(id: number, state: string): void {
    this.id = id;
    this.#state = state;
    this.version++;
  }
}
