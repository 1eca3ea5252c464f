/**
 * Bounded ring buffers for the state store: {@link Ring} keeps the last N
 * snapshots (history); {@link DeliveryQueue} is a subscriber's queue, where
 * each item also carries how many deliveries were dropped just before it.
 *
 * Both start small and grow by doubling up to their limit, so a subscriber
 * with a large capacity costs memory only when its consumer falls behind.
 * @module
 */

const INITIAL_SLOTS = 16;

/** A fixed-limit ring that overwrites its oldest item when full. */
export class Ring<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  readonly limit: number;

  /** Creates an empty ring that holds at most `limit` items. */
  constructor(limit: number) {
    this.limit = limit;
    this.#items = new Array(Math.min(limit, INITIAL_SLOTS)).fill(undefined);
  }

  /** Items held now. */
  get size(): number {
    return this.#size;
  }

  /** Appends an item, overwriting the oldest one when the ring is full. */
  push(item: T): void {
    const items = this.#items;
    if (this.#size < items.length) {
      let i = this.#head + this.#size;
      if (i >= items.length) i -= items.length;
      items[i] = item;
      this.#size++;
      return;
    }
    if (items.length < this.limit) {
      this.#grow();
      this.push(item);
      return;
    }
    items[this.#head] = item;
    this.#head = this.#head + 1 === items.length ? 0 : this.#head + 1;
  }

  /** The newest `n` items (all when `n` is larger), oldest first. */
  last(n: number): T[] {
    const count = Math.max(0, Math.min(n, this.#size));
    const items = this.#items;
    const out: T[] = new Array(count);
    let i = this.#head + this.#size - count;
    for (let k = 0; k < count; k++, i++) {
      out[k] = items[i % items.length] as T;
    }
    return out;
  }

  /** Drops every item (and the references it held). */
  clear(): void {
    this.#items = new Array(Math.min(this.limit, INITIAL_SLOTS)).fill(
      undefined,
    );
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array(Math.min(this.limit, old.length * 2)).fill(
      undefined,
    );
    for (let k = 0; k < this.#size; k++) {
      next[k] = old[(this.#head + k) % old.length];
    }
    this.#items = next;
    this.#head = 0;
  }
}

/**
 * A subscriber's bounded FIFO. Each slot holds an item and the number of
 * items dropped immediately before it, so a consumer learns where its gaps
 * are. The caller enforces the limit (it decides what to drop).
 */
export class DeliveryQueue<T> {
  #items: (T | undefined)[];
  #missed: number[];
  #head = 0;
  #size = 0;
  readonly limit: number;

  /** Creates an empty queue that may grow to `limit` items. */
  constructor(limit: number) {
    this.limit = limit;
    const slots = Math.min(limit, INITIAL_SLOTS);
    this.#items = new Array(slots).fill(undefined);
    this.#missed = new Array(slots).fill(0);
  }

  /** Items queued now. */
  get size(): number {
    return this.#size;
  }

  /** Whether the queue holds `limit` items. */
  get full(): boolean {
    return this.#size >= this.limit;
  }

  /** Appends an item preceded by `missed` dropped ones. Caller checks room. */
  push(item: T, missed: number): void {
    if (this.#size === this.#items.length) this.#grow();
    const items = this.#items;
    let i = this.#head + this.#size;
    if (i >= items.length) i -= items.length;
    items[i] = item;
    this.#missed[i] = missed;
    this.#size++;
  }

  /** Dropped-before count of the oldest item (0 when empty). */
  headMissed(): number {
    return this.#size === 0 ? 0 : this.#missed[this.#head];
  }

  /** Adds `n` to the dropped-before count of the oldest item. */
  addHeadMissed(n: number): void {
    this.#missed[this.#head] += n;
  }

  /** Removes and returns the oldest item. Caller checks it is not empty. */
  shift(): T {
    const items = this.#items;
    const head = this.#head;
    const item = items[head] as T;
    items[head] = undefined;
    this.#head = head + 1 === items.length ? 0 : head + 1;
    this.#size--;
    return item;
  }

  /** Drops every item and shrinks back to the initial slots. */
  clear(): void {
    const slots = Math.min(this.limit, INITIAL_SLOTS);
    this.#items = new Array(slots).fill(undefined);
    this.#missed = new Array(slots).fill(0);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const oldItems = this.#items;
    const oldMissed = this.#missed;
    const slots = Math.min(this.limit, oldItems.length * 2);
    const items = new Array(slots).fill(undefined);
    const missed = new Array(slots).fill(0);
    for (let k = 0; k < this.#size; k++) {
      const j = (this.#head + k) % oldItems.length;
      items[k] = oldItems[j];
      missed[k] = oldMissed[j];
    }
    this.#items = items;
    this.#missed = missed;
    this.#head = 0;
  }
}
