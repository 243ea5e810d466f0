import type { Decimal } from '@collector/decimal';
import type { DepthLevel } from '../parse.js';

/** Which side of the book: bids (best = highest) or asks (best = lowest). */
export type BookSideName = 'bids' | 'asks';

/**
 * One side of an order book: price levels keyed by exact Decimal value (no float ever decides equality or order),
 * kept in two parallel arrays sorted worst → best. The touch sits at the end, where most diff-depth changes land,
 * so an insertion or removal there moves only a few array slots; a lookup is a binary search.
 * @internal
 */
export class BookSide {
  private prices: Decimal[] = [];
  private quantities: Decimal[] = [];
  /** +1 for bids (ascending storage: best = highest last), −1 for asks (descending: best = lowest last). */
  private readonly sign: 1 | -1;

  constructor(readonly name: BookSideName) {
    this.sign = name === 'bids' ? 1 : -1;
  }

  /** Number of price levels. */
  get size(): number {
    return this.prices.length;
  }

  /**
   * Index of `price` when present, else `-(insertionPoint) - 1`.
   * Storage order: `sign × price` ascending.
   */
  private search(price: Decimal): number {
    const prices = this.prices;
    const sign = this.sign;
    let lo = 0;
    let hi = prices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = (prices[mid] as Decimal).cmp(price) * sign;
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  /** Sets the absolute quantity at `price`; a zero quantity removes the level (absent levels are fine). */
  set(price: Decimal, quantity: Decimal): void {
    const i = this.search(price);
    if (quantity.isZero()) {
      if (i >= 0) {
        this.prices.splice(i, 1);
        this.quantities.splice(i, 1);
      }
    } else if (i >= 0) {
      this.quantities[i] = quantity;
    } else {
      const at = -i - 1;
      if (at === this.prices.length) {
        this.prices.push(price);
        this.quantities.push(quantity);
      } else {
        this.prices.splice(at, 0, price);
        this.quantities.splice(at, 0, quantity);
      }
    }
  }

  /** Quantity at exactly `price`, or undefined. */
  get(price: Decimal): Decimal | undefined {
    const i = this.search(price);
    return i >= 0 ? this.quantities[i] : undefined;
  }

  /**
   * Replaces every level with `levels` (any order; zero quantities skipped; a repeated price keeps the last).
   * Snapshot levels arrive best first and strictly ordered, which is taken in one pass; anything else is sorted.
   */
  load(levels: readonly DepthLevel[]): void {
    const n = levels.length;
    let ordered = true;
    for (let k = 1; k < n && ordered; k++) {
      // Best first means worse-than-previous: sign × (current − previous) < 0.
      ordered = (levels[k] as DepthLevel)[0].cmp((levels[k - 1] as DepthLevel)[0]) * this.sign < 0;
    }
    const prices: Decimal[] = [];
    const quantities: Decimal[] = [];
    if (ordered) {
      for (let k = n - 1; k >= 0; k--) {
        const [price, quantity] = levels[k] as DepthLevel;
        if (quantity.isZero()) continue;
        prices.push(price);
        quantities.push(quantity);
      }
      this.prices = prices;
      this.quantities = quantities;
      return;
    }
    this.prices = prices;
    this.quantities = quantities;
    for (const [price, quantity] of levels) this.set(price, quantity);
  }

  /** A deep-enough copy: the arrays are new, the (immutable) Decimals are shared. */
  clone(): BookSide {
    const copy = new BookSide(this.name);
    copy.prices = this.prices.slice();
    copy.quantities = this.quantities.slice();
    return copy;
  }

  /** The best `n` levels, best first. */
  top(n: number): DepthLevel[] {
    const out: DepthLevel[] = [];
    const last = this.prices.length - 1;
    const count = Math.min(Math.max(0, Math.floor(n)), this.prices.length);
    for (let k = 0; k < count; k++) out.push([this.prices[last - k] as Decimal, this.quantities[last - k] as Decimal]);
    return out;
  }

  /** Best price, or undefined when the side is empty. */
  bestPrice(): Decimal | undefined {
    return this.prices[this.prices.length - 1];
  }

  /** How many levels have a price no worse than `price` (equal counts). */
  countNoWorseThan(price: Decimal): number {
    const i = this.search(price);
    // Levels at index ≥ the position of `price` are at least as good.
    return i >= 0 ? this.prices.length - i : this.prices.length - (-i - 1);
  }
}
