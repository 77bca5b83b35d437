/**
 * A growable ring buffer: O(1) push and shift at both ends of a power-of-two array, no Array.shift.
 * @internal
 */
export class Ring<T> {
  size = 0;
  private items: (T | undefined)[] = new Array(16);
  private head = 0;
  private mask = 15;

  /** Appends at the tail, doubling the storage when full. */
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
    this.items = new Array(16);
    this.mask = 15;
    this.head = this.size = 0;
  }

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
