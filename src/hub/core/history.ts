/**
 * The replay buffer of a hub's topic: the last `capacity` messages of that topic, oldest first.
 */

/** @internal One fanned-out message, shared by every subscriber queue that holds it. */
export interface Entry<O> {
  readonly id: number;
  readonly value: O;
}

/** @internal Ring buffer of the last `capacity` entries (anything with an id), ids increasing. */
export class History<E extends { readonly id: number }> {
  readonly #capacity: number;
  readonly #ring: (E | undefined)[] = [];
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Id of the oldest entry kept, 0 when empty. */
  get firstId(): number {
    return this.#length === 0 ? 0 : this.#ring[this.#start]!.id;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds `entry`; returns the entry it pushed out (the oldest, when full), or `entry` itself when the capacity is 0. */
  add(entry: E): E | undefined {
    if (this.#capacity === 0) return entry;
    if (this.#length < this.#capacity) {
      this.#ring[(this.#start + this.#length) % this.#capacity] = entry;
      this.#length++;
      return undefined;
    }
    const out = this.#ring[this.#start];
    this.#ring[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#capacity;
    return out;
  }

  /** Removes and returns the oldest entry, or undefined when empty. */
  shift(): E | undefined {
    if (this.#length === 0) return undefined;
    const out = this.#ring[this.#start];
    this.#ring[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.#capacity;
    this.#length--;
    return out;
  }

  /** Appends to `out` the entries whose id is greater than `id`, oldest first. */
  after(id: number, out: E[]): void {
    if (this.#length === 0) return;
    // ids increase but need not be contiguous (a topic's ids are interleaved with others'): find the first above `id`
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ring[(this.#start + mid) % this.#capacity]!.id > id) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < this.#length; i++) out.push(this.#ring[(this.#start + i) % this.#capacity]!);
  }
}
