/**
 * The `race` op of the `fsm` target and its `one_winner_per_race`
 * invariant: contenders (one per engine task) fire transitions at one fresh
 * entity from its initial state, held at a barrier until every one has
 * passed the registry's up-front state check, so the race truly overlaps.
 * Private to the folder.
 * @module
 */
import { ConflictError } from "../../errors.ts";
import type { CheckResult } from "../../invariants.ts";
import type { Rng } from "../../target.ts";
import type { Entity, TransitionContext, UserRef } from "./context.ts";
import type { ExecuteFn, RegistryPort } from "./_defects.ts";
import { TransitionRegistry } from "./registry.ts";
import { defineTransition, specOf, type Transition } from "./transition.ts";
import type { Machine } from "./yaml_machine.ts";

/**
 * The same transition with `gate` run first as its guard (before any guard
 * of its own), so the `race` op can hold contenders after the registry's
 * up-front state check and before the commit.
 */
export function gatedTransition<P, D>(
  transition: Transition<P, D>,
  gate: (ctx: TransitionContext) => boolean | Promise<boolean>,
): Transition<P, D> {
  const spec = specOf(transition);
  const own = spec.guard;
  spec.guard = own === undefined
    ? gate
    : async (ctx, params) => (await gate(ctx)) && (await own(ctx, params));
  return defineTransition(spec);
}

/** What {@link Races} needs from the instance it runs in. */
export interface RaceOptions {
  /** Contenders per race (one per task). */
  contenders: number;
  /** Who fires the transitions. */
  user: UserRef;
  /** A fresh entity in the machine's initial state, for each race. */
  newEntity: () => Entity;
  /** Ops started anywhere in the worker so far (the idle watch reads it). */
  progress: () => number;
  /** How contenders execute on a registry (a defect may replace it). */
  walkOn: (registry: RegistryPort) => ExecuteFn;
}

/** The race counters {@link Races.counters} reports. */
export interface RaceCounters {
  /** Races that finished (every contender settled). */
  races: number;
  /** Of those, races whose every contender passed the state check first. */
  overlapped_races: number;
  /** Contenders refused at the state check: a winner had already committed. */
  late_contenders: number;
}

/**
 * One race: `size` contenders fire at one fresh entity. When no op starts
 * anywhere in the worker for a while (the other tasks ran out of
 * iterations), the barrier opens early (see {@link IdleWatch}) and the race
 * does not count as overlapped.
 */
interface Race {
  entity: Entity;
  size: number;
  joined: number;
  /** Contenders that passed the up-front state check (reached the guard). */
  passed: number;
  /** Contenders at the barrier, or refused before it. */
  arrived: number;
  /** Takes no more contenders. */
  closed: boolean;
  /** The barrier has opened. */
  released: boolean;
  gate: Promise<boolean>;
  open: (value: boolean) => void;
  settled: number;
  winners: number;
  losers: number;
}

/** What a race's guard learns of the contender running it, via metadata. */
interface Contender {
  race: Race;
  passed: boolean;
}

/** How long no op may start before a waiting race barrier opens early. */
const IDLE_MS = 1;

/**
 * Calls `onIdle` once no op has started for {@link IDLE_MS} and at least two
 * event-loop turns, which inside a worker means every live task is waiting
 * (at a barrier) or done. Turns are MessageChannel messages, which run after
 * the microtasks every interleaving lives in, and only while armed. The time
 * bound keeps a task that is between two of the engine's own event-loop
 * turns from looking idle.
 */
export class IdleWatch {
  #channel: MessageChannel | undefined;
  #armed = false;
  #seen = 0;
  #since = 0;
  #quiet = 0;
  #progress: () => number;
  #onIdle: () => void;

  /** Watches `progress` (ops started), calling `onIdle` when it stalls. */
  constructor(progress: () => number, onIdle: () => void) {
    this.#progress = progress;
    this.#onIdle = onIdle;
  }

  /** Starts watching, unless it already is. */
  arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    this.#seen = this.#progress();
    this.#since = performance.now();
    this.#quiet = 0;
    this.#post();
  }

  /** Stops watching. */
  disarm(): void {
    this.#armed = false;
  }

  #post(): void {
    if (this.#channel === undefined) {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => this.#tick();
      this.#channel = channel;
    }
    this.#channel.port2.postMessage(null);
  }

  #tick(): void {
    if (!this.#armed) return;
    const progress = this.#progress();
    if (progress !== this.#seen) {
      this.#seen = progress;
      this.#since = performance.now();
      this.#quiet = 0;
    } else if (
      ++this.#quiet >= 2 && performance.now() - this.#since >= IDLE_MS
    ) {
      this.#armed = false;
      this.#onIdle();
      return;
    }
    this.#post();
  }

  /** Stops watching and closes its channel. */
  close(): void {
    this.#armed = false;
    this.#channel?.port1.close();
    this.#channel?.port2.close();
    this.#channel = undefined;
  }
}

/**
 * The races of one worker: each `join` is one contender of the race being
 * filled, and the tally proves each finished race had one winner.
 */
export class Races {
  #machine: Machine;
  #options: RaceOptions;
  #walk: ExecuteFn;
  #idle: IdleWatch;
  #race: Race | undefined;
  #open = new Set<Race>();
  #races = 0;
  #overlapped = 0;
  #late = 0;
  #oneWinner = 0;
  #manyWinners = 0;
  #noWinner = 0;

  /**
   * Races on `machine`'s transitions, run on their own registry behind a
   * barrier guard.
   */
  constructor(machine: Machine, options: RaceOptions) {
    this.#machine = machine;
    this.#options = options;
    const registry = new TransitionRegistry();
    for (const transition of machine.transitions) {
      registry.register(gatedTransition(transition, this.#barrier));
    }
    this.#walk = options.walkOn(registry);
    this.#idle = new IdleWatch(options.progress, () => this.#openEarly());
  }

  /** Contenders per race. */
  get contenders(): number {
    return this.#options.contenders;
  }

  /**
   * Joins the race being filled (or a new one) with a transition from the
   * initial state; settles when this contender won, or throws its
   * ConflictError when another did.
   */
  async join(rng: Rng): Promise<void> {
    let race = this.#race;
    if (race === undefined || race.closed) race = this.#newRace();
    if (++race.joined >= race.size) race.closed = true;
    const contender: Contender = { race, passed: false };
    const machine = this.#machine;
    const choices = machine.available(machine.initial);
    const transition = choices[rng.int(0, choices.length - 1)];
    // Runs synchronously up to the barrier in the guard, or to a refusal.
    const running = this.#walk(race.entity, transition.name, {
      params: machine.sampleParams(transition.name, rng),
      expect: machine.initial,
      user: this.#options.user,
      metadata: { contender },
    });
    if (!contender.passed) this.#arrive(race);
    try {
      await running;
      race.winners++;
    } catch (error) {
      if (error instanceof ConflictError) {
        race.losers++;
        if (!contender.passed) this.#late++;
      }
      throw error;
    } finally {
      race.settled++;
      if (race.closed && race.settled === race.joined) this.#tally(race);
    }
  }

  /** The counters since the start. */
  counters(): RaceCounters {
    return {
      races: this.#races,
      overlapped_races: this.#overlapped,
      late_contenders: this.#late,
    };
  }

  /**
   * `one_winner_per_race`: every finished race had exactly one winner, and
   * at least one race overlapped (a sequential race proves nothing).
   */
  result(): CheckResult {
    for (const race of [...this.#open]) {
      if (race.settled === race.joined) this.#tally(race);
    }
    const bad = this.#manyWinners + this.#noWinner;
    return {
      ok: bad === 0 && this.#overlapped > 0,
      detail:
        `${this.#races} races with ${this.contenders} contenders each, ${this.#overlapped} overlapped: ${this.#oneWinner} had one winner, ${this.#manyWinners} had several, ${this.#noWinner} had none${
          this.#overlapped === 0
            ? ` (no race overlapped, so nothing was proved: a race needs race_contenders (${this.contenders}) tasks, at most load.concurrency)`
            : ""
        }`,
    };
  }

  /** Forgets unfinished races and stops the idle watch. */
  close(): void {
    this.#open.clear();
    this.#idle.close();
  }

  #newRace(): Race {
    let open!: (value: boolean) => void;
    const gate = new Promise<boolean>((resolve) => open = resolve);
    const race: Race = {
      entity: this.#options.newEntity(),
      size: this.#options.contenders,
      joined: 0,
      passed: 0,
      arrived: 0,
      closed: false,
      released: false,
      gate,
      open,
      settled: 0,
      winners: 0,
      losers: 0,
    };
    this.#race = race;
    this.#open.add(race);
    return race;
  }

  /** The race transitions' guard: the contender passed the state check. */
  #barrier = (ctx: TransitionContext): boolean | Promise<boolean> => {
    const contender = ctx.metadata.contender as Contender | undefined;
    if (contender === undefined) return true;
    contender.passed = true;
    contender.race.passed++;
    return this.#arrive(contender.race);
  };

  #arrive(race: Race): boolean | Promise<boolean> {
    race.arrived++;
    if (race.released) return true;
    if (race.arrived >= race.size) {
      this.#release(race);
      return true;
    }
    this.#idle.arm();
    return race.gate;
  }

  #release(race: Race): void {
    race.released = true;
    race.closed = true;
    race.open(true);
    this.#idle.disarm();
  }

  /** No task can join the waiting race any more: let its contenders go. */
  #openEarly(): void {
    const race = this.#race;
    if (race !== undefined && !race.released && race.arrived > 0) {
      this.#release(race);
    }
  }

  #tally(race: Race): void {
    this.#open.delete(race);
    if (race.winners === 1) this.#oneWinner++;
    else if (race.winners > 1) this.#manyWinners++;
    else if (race.losers > 0) this.#noWinner++;
    else return;
    this.#races++;
    if (race.passed === race.size) this.#overlapped++;
  }
}
