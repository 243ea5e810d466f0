/**
 * A first-in first-out queue of at most `capacity` items that drops its oldest item to make room: a ring buffer,
 * so a dropped item is released at once and memory never exceeds `capacity` slots.
 * @internal
 */
export class DropOldestQueue<T> {
  private items: (T | undefined)[] = [];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.size;
  }

  /** Appends `item`; returns true when the oldest item was dropped for it. */
  push(item: T): boolean {
    if (this.size === this.capacity) {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
      return true;
    }
    if (this.size === this.items.length) this.grow();
    this.items[(this.start + this.size) % this.items.length] = item;
    this.size++;
    return false;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.items.length;
    this.size--;
    return item;
  }

  /** Doubles the slots (up to `capacity`), so a queue that stays short stays small. */
  private grow(): void {
    const slots = Math.min(this.capacity, Math.max(16, this.items.length * 2));
    const items = new Array<T | undefined>(slots);
    for (let i = 0; i < this.size; i++) items[i] = this.items[(this.start + i) % this.items.length];
    this.items = items;
    this.start = 0;
  }
}
