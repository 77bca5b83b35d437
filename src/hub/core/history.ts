/**
 * The replay buffer of a hub: the last `capacity` messages, ids contiguous.
 */

/** @internal One fanned-out message, shared by every subscriber queue that holds it. */
export interface Entry<O> {
  readonly id: number;
  readonly value: O;
}

/** @internal Ring buffer of the last `capacity` entries (anything with an id). */
export class History<E extends { readonly id: number }> {
  readonly #capacity: number;
  #ring: (E | undefined)[] = [];
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

  add(entry: E): void {
    if (this.#capacity === 0) return;
    if (this.#length < this.#capacity) {
      this.#ring[(this.#start + this.#length) % this.#capacity] = entry;
      this.#length++;
    } else {
      this.#ring[this.#start] = entry;
      this.#start = (this.#start + 1) % this.#capacity;
    }
  }

  /** Appends to `out` the entries whose id is greater than `id`, oldest first. */
  after(id: number, out: E[]): void {
    if (this.#length === 0) return;
    const skip = Math.max(0, Math.min(this.#length, id - this.firstId + 1));
    for (let i = skip; i < this.#length; i++) out.push(this.#ring[(this.#start + i) % this.#capacity]!);
  }

  clear(): void {
    this.#ring = [];
    this.#start = 0;
    this.#length = 0;
  }
}
