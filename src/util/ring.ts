/** The storage of every empty ring: never written, since the first push grows the ring first. */
const NONE: never[] = [];

/**
 * A growable ring buffer: O(1) push and shift at both ends of a power-of-two array, no Array.shift.
 * The array is made on the first push (an idle queue holds none) and dropped by {@link clear}.
 * @internal
 */
export class Ring<T> {
  size = 0;
  private items: (T | undefined)[] = NONE;
  private head = 0;
  private mask = -1;

  /** Appends at the tail, doubling the storage when full (16 slots at first). */
  push(value: T): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = value;
    this.size++;
  }

  /** Removes and returns the oldest value; the ring must not be empty. */
  shift(): T {
    const value = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return value;
  }

  /** Drops every value and the storage with them. */
  clear(): void {
    this.items = NONE;
    this.mask = -1;
    this.head = this.size = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length === 0 ? 16 : old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
