// A bounded window over a stream: keeps the last `maxItems` items (and at most `maxSize` units of
// a size measure, e.g. characters), counting what it dropped. Pushing is amortised O(1) and never
// copies the whole window, so a guest that prints or traces without end keeps memory bounded.

export class BoundedWindow<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private total = 0;
  /** Items pushed out of the window so far. */
  dropped = 0;

  constructor(
    readonly maxItems: number,
    private readonly sizeOf: ((item: T) => number) | null = null,
    readonly maxSize = Number.POSITIVE_INFINITY,
  ) {
    if (!(Number.isSafeInteger(maxItems) && maxItems >= 0)) throw new Error('BoundedWindow: bad maxItems');
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.sizeOf) this.total += this.sizeOf(item);
    while (this.length > this.maxItems || (this.total > this.maxSize && this.length > 0)) {
      const old = this.items[this.head] as T;
      if (this.sizeOf) this.total -= this.sizeOf(old);
      this.items[this.head++] = undefined;
      this.dropped++;
    }
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** The last item, or undefined. */
  last(): T | undefined {
    return this.length ? (this.items[this.items.length - 1] as T) : undefined;
  }

  /** A copy of the window, oldest first. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Replace the contents (restore), keeping the limits. */
  reset(items: readonly T[], dropped: number): void {
    this.items = [];
    this.head = 0;
    this.total = 0;
    this.dropped = 0;
    for (const i of items) this.push(i);
    this.dropped += dropped;
  }
}
