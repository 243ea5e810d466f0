import { BinanceSimError } from './errors.js';
import { symbolKey, type SimSymbol, type SymbolMarket } from './market.js';
import { remembered } from './remembered.js';

/** A book rendered as on the wire: `[price, qty]` strings, best first. */
export interface SimBookState {
  lastUpdateId: number;
  bids: [string, string][];
  asks: [string, string][];
}

/** One tick's changes: new absolute quantities (0 = removed) by price, in ticks and steps. */
export interface BookDiff {
  U: number;
  u: number;
  bids: Map<number, number>;
  asks: Map<number, number>;
}

/** Options of an {@link OrderBook}. */
export interface OrderBookOptions {
  /** Levels kept per side (fewer on the bid side when the price has fewer ticks). */
  levels: number;
  /** Ticks whose changes are retained for {@link OrderBook.stateAt}. */
  history: number;
}

/** Renders a price in ticks with 8 decimals, without BigInt. */
export function priceFormatter(tickDecimals: number): (ticks: number) => string {
  const pad = '0'.repeat(8 - tickDecimals);
  if (tickDecimals === 0) return (t) => `${t}.${pad}`;
  return (t) => {
    const s = String(t).padStart(tickDecimals + 1, '0');
    return `${s.slice(0, -tickDecimals)}.${s.slice(-tickDecimals)}${pad}`;
  };
}

/** Renders a quantity in steps with the symbol's render decimals, without BigInt. */
export function qtyFormatter(stepDecimals: number, renderDecimals: number): (steps: number) => string {
  const zeros = '0'.repeat(renderDecimals - stepDecimals);
  if (renderDecimals === 0) return (q) => String(q);
  return (q) => {
    const s = `${q}${zeros}`.padStart(renderDecimals + 1, '0');
    return `${s.slice(0, -renderDecimals)}.${s.slice(-renderDecimals)}`;
  };
}

/** One side of the book: parallel arrays of prices and quantities, best first (no per-level objects). */
class Side {
  readonly prices: number[] = [];
  readonly qtys: number[] = [];

  constructor(readonly isBid: boolean) {}

  /** Index of the first level not better than `price`. */
  indexOf(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.prices[mid] as number;
      if (this.isBid ? p > price : p < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Quantity at `price`, 0 when absent. */
  get(price: number): number {
    const i = this.indexOf(price);
    return this.prices[i] === price ? (this.qtys[i] as number) : 0;
  }

  /** Sets a level (0 removes it); returns the previous quantity (0 when absent). */
  set(price: number, q: number): number {
    const i = this.indexOf(price);
    const present = this.prices[i] === price;
    const old = present ? (this.qtys[i] as number) : 0;
    if (q === 0) {
      if (!present) return 0;
      if (i === this.prices.length - 1) {
        this.prices.pop();
        this.qtys.pop();
      } else {
        this.prices.splice(i, 1);
        this.qtys.splice(i, 1);
      }
    } else if (present) this.qtys[i] = q;
    else if (i === this.prices.length) {
      this.prices.push(price);
      this.qtys.push(q);
    } else {
      this.prices.splice(i, 0, price);
      this.qtys.splice(i, 0, q);
    }
    return old;
  }

  /** Every level as a price → quantity map. */
  toMap(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.prices.length; i++) m.set(this.prices[i] as number, this.qtys[i] as number);
    return m;
  }
}

interface HistoryEntry {
  U: number;
  u: number;
  /** flat triples [price (negative for asks), new qty, old qty] */
  changes: number[];
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Renderings a book keeps per formatter: a book renders the same top levels ten times a second per stream (40 levels
 * a partial-depth push, mostly the same as the last push's), and the string work was a third of a push's cost.
 */
const MAX_CACHED_RENDERINGS = 1_000;

/**
 * An evolving order book for one symbol: levels on the tick grid, dense near the touch and
 * sparser deeper, following a target mid price a few levels per tick. Every tick is a pure
 * function of (seed, symbol, previous state, target mid), so the same ticks give the same book.
 */
export class OrderBook {
  readonly bids = new Side(true);
  readonly asks = new Side(false);
  lastUpdateId: number;
  private readonly random: () => number;
  private readonly history: HistoryEntry[] = [];
  private readonly gapScale: number;
  private readonly maxQtySteps: number;
  private readonly fmtPrice: (t: number) => string;
  private readonly fmtQty: (q: number) => string;
  /** The rendering of a zero quantity, e.g. "0.00000000". */
  readonly zero: string;

  constructor(
    readonly info: SimSymbol,
    seed: number,
    midTicks: number,
    private readonly opts: OrderBookOptions,
  ) {
    const key = symbolKey(`${info.symbol}#book`, seed);
    this.random = rng(key);
    this.lastUpdateId = 1_000_000_000 + (key % 1_000_000_000);
    // average extra gap so 5000 levels span about 1.5% of the price
    this.gapScale = Math.max(0, info.basePriceTicks * 4e-6 - 1);
    this.maxQtySteps = Math.max(10, Math.floor(info.baseVolumeSteps / 20));
    this.fmtPrice = remembered(priceFormatter(info.tickDecimals), MAX_CACHED_RENDERINGS);
    this.fmtQty = remembered(qtyFormatter(info.stepDecimals, info.qtyRenderDecimals), MAX_CACHED_RENDERINGS);
    this.zero = this.fmtQty(0);
    const mid = Math.max(2, Math.round(midTicks));
    let p = mid - 1;
    for (let i = 0; i < opts.levels && p >= 1; i++, p -= this.gap(i)) this.bids.set(p, this.randomQty());
    p = mid + Math.floor(this.random() * 2);
    for (let i = 0; i < opts.levels; i++, p += this.gap(i)) this.asks.set(p, this.randomQty());
  }

  private gap(depth: number): number {
    return 1 + Math.floor(this.random() * 2 * this.gapScale * Math.min(1, (depth + 1) / 2500));
  }

  private randomQty(): number {
    const r = this.random();
    return 1 + Math.floor(r * r * r * this.maxQtySteps);
  }

  /** Advances one tick toward `midTicks`; returns the changes under their update ids. */
  advance(midTicks: number): BookDiff {
    const R = this.random;
    const diff: BookDiff = { U: this.lastUpdateId + 1, u: 0, bids: new Map(), asks: new Map() };
    const olds = new Map<number, number>();
    const set = (side: Side, price: number, q: number): void => {
      const old = side.set(price, q);
      const key = side.isBid ? price : -price;
      if (!olds.has(key)) olds.set(key, old);
      (side.isBid ? diff.bids : diff.asks).set(price, q);
    };
    const bestBid = (): number => this.bids.prices[0] ?? 0;
    const bestAsk = (): number => this.asks.prices[0] ?? Number.MAX_SAFE_INTEGER;

    // follow the market: trade through a few levels toward the target, then refill the other side
    const shifts = 1 + Math.floor(R() * 4);
    for (let i = 0; i < shifts; i++) {
      if (midTicks > bestAsk() && this.asks.prices.length > 1) {
        set(this.asks, bestAsk(), 0);
        const p = Math.min(bestAsk() - 1, bestBid() + 1 + Math.floor(R() * 2));
        if (p > bestBid()) set(this.bids, p, this.randomQty());
      } else if (midTicks < bestBid() && this.bids.prices.length > 1) {
        set(this.bids, bestBid(), 0);
        const p = Math.max(bestBid() + 1, bestAsk() - 1 - Math.floor(R() * 2));
        if (p < bestAsk()) set(this.asks, p, this.randomQty());
      }
    }

    // churn near the touch: modify, cancel, or add a level between existing ones
    const ops = 1 + Math.floor(R() * 6);
    for (let i = 0; i < ops; i++) {
      const side = R() < 0.5 ? this.bids : this.asks;
      const r = R();
      const idx = Math.floor(R() * R() * 30);
      const price = side.prices[idx];
      if (price === undefined) continue;
      if (r < 0.5) set(side, price, this.randomQty());
      else if (r < 0.7) {
        if (side.prices.length > 2) set(side, price, 0);
      } else {
        const inner = idx === 0 ? (side.isBid ? bestAsk() : bestBid()) : (side.prices[idx - 1] as number);
        const room = Math.abs(inner - price) - 1;
        if (room <= 0) continue;
        const q = side.isBid ? price + 1 + Math.floor(R() * room) : price - 1 - Math.floor(R() * room);
        if (q >= 1) set(side, q, this.randomQty());
      }
    }

    // now and then a deep level changes
    if (R() < 0.2) {
      const side = R() < 0.5 ? this.bids : this.asks;
      if (side.prices.length > 1001) {
        const price = side.prices[1000 + Math.floor(R() * (side.prices.length - 1000))] as number;
        set(side, price, R() < 0.3 ? 0 : this.randomQty());
      }
    }

    // keep the level count within [levels + 100, levels + 400], a few levels per tick
    for (const side of [this.bids, this.asks]) {
      for (let n = 0; n < 20 && side.prices.length < this.opts.levels + 100; n++) {
        const last = side.prices.at(-1) as number;
        const p = side.isBid ? last - this.gap(side.prices.length) : last + this.gap(side.prices.length);
        if (p < 1) break;
        set(side, p, this.randomQty());
      }
      for (let n = 0; n < 20 && side.prices.length > this.opts.levels + 400; n++) set(side, side.prices.at(-1) as number, 0);
    }

    const changes: number[] = [];
    for (const [key, old] of olds) {
      const side = key > 0 ? this.bids : this.asks;
      changes.push(key, side.get(Math.abs(key)), old);
    }
    diff.u = this.lastUpdateId + Math.max(1, olds.size + Math.floor(R() * 5));
    this.lastUpdateId = diff.u;
    if (this.opts.history > 0) {
      this.history.push({ U: diff.U, u: diff.u, changes });
      if (this.history.length > this.opts.history * 1.25) this.history.splice(0, this.history.length - this.opts.history);
    }
    return diff;
  }

  /** Top `limit` levels per side, rendered. */
  snapshot(limit: number): SimBookState {
    return { lastUpdateId: this.lastUpdateId, bids: this.render(this.bids, limit), asks: this.render(this.asks, limit) };
  }

  /**
   * The partial-depth payload of the top `limit` levels, the same text as `JSON.stringify(snapshot(limit))` (with the
   * sides swapped when `crossed`, a fault). Written out in one pass: at 5,000 pushes a second, building the arrays of
   * {@link snapshot} and stringifying them was most of the simulator's CPU, taken from the collector it serves on
   * the same machine. Prices and quantities are digits and a dot: nothing to escape.
   */
  partialDepthJson(limit: number, crossed = false): string {
    const bids = this.sideJson(this.bids, limit);
    const asks = this.sideJson(this.asks, limit);
    return `{"lastUpdateId":${this.lastUpdateId},"bids":${crossed ? asks : bids},"asks":${crossed ? bids : asks}}`;
  }

  private sideJson(side: Side, limit: number): string {
    const n = Math.min(limit, side.prices.length);
    let text = '[';
    for (let i = 0; i < n; i++) {
      text += `${i === 0 ? '' : ','}["${this.fmtPrice(side.prices[i] as number)}","${this.fmtQty(side.qtys[i] as number)}"]`;
    }
    return `${text}]`;
  }

  private render(side: Side, limit: number): [string, string][] {
    const n = Math.min(limit, side.prices.length);
    const out = new Array<[string, string]>(n);
    for (let i = 0; i < n; i++) out[i] = [this.fmtPrice(side.prices[i] as number), this.fmtQty(side.qtys[i] as number)];
    return out;
  }

  /** Renders one diff's side, best first, as `[price, qty]` strings. */
  renderChanges(changes: Map<number, number>, isBid: boolean): [string, string][] {
    const prices = [...changes.keys()].sort(isBid ? (a, b) => b - a : (a, b) => a - b);
    return prices.map((p) => [this.fmtPrice(p), this.fmtQty(changes.get(p) as number)]);
  }

  /** Oldest and newest update id whose state {@link stateAt} can rebuild. */
  retained(): [number, number] {
    const first = this.history[this.history.length - Math.min(this.history.length, this.opts.history)];
    return [first ? first.U - 1 : this.lastUpdateId, this.lastUpdateId];
  }

  /**
   * The book right after update id `id`: `id` must be the `u` of a retained tick, or the id
   * just before the oldest retained tick. Rebuilt by undoing the newer ticks.
   */
  stateAt(id: number, levels: number): SimBookState {
    if (id === this.lastUpdateId) return this.snapshot(levels);
    const [oldest] = this.retained();
    const start = this.history.length - Math.min(this.history.length, this.opts.history);
    // undo every retained tick after the one that ended at `id`
    let undoFrom = -1;
    if (id === oldest) undoFrom = start;
    else {
      for (let i = this.history.length - 1; i >= start; i--) {
        const h = this.history[i] as HistoryEntry;
        if (h.u === id) undoFrom = i + 1;
        if (h.u <= id) break;
      }
    }
    if (undoFrom < 0) {
      throw new BinanceSimError(
        'BOOK_STATE_UNAVAILABLE',
        `trueBook ${this.info.symbol}: no state after update id ${id}; retained ${oldest}..${this.lastUpdateId}, and only ids that end a tick (an event's u) have a state`,
      );
    }
    const bids = this.bids.toMap();
    const asks = this.asks.toMap();
    for (let i = this.history.length - 1; i >= undoFrom; i--) {
      const c = (this.history[i] as HistoryEntry).changes;
      for (let j = c.length - 3; j >= 0; j -= 3) {
        const key = c[j] as number;
        const map = key > 0 ? bids : asks;
        const old = c[j + 2] as number;
        if (old === 0) map.delete(Math.abs(key));
        else map.set(Math.abs(key), old);
      }
    }
    const top = (m: Map<number, number>, isBid: boolean): [string, string][] =>
      [...m.keys()]
        .sort(isBid ? (a, b) => b - a : (a, b) => a - b)
        .slice(0, levels)
        .map((p) => [this.fmtPrice(p), this.fmtQty(m.get(p) as number)]);
    return { lastUpdateId: id, bids: top(bids, true), asks: top(asks, false) };
  }
}

/** Options of a {@link BookRegistry}: those of every book, and how fast their prices drift. */
export interface BookRegistryOptions extends OrderBookOptions {
  /** How many times faster than the sim clock the books' target price runs along the market's price path (1: in step). */
  drift: number;
}

/** Creates each symbol's book on first use and keeps them; idle symbols cost nothing. */
export class BookRegistry {
  private readonly books = new Map<string, OrderBook>();
  /** Sim time from which the books' price path runs ahead of the clock: the first time a book asks for its target. */
  private origin: number | undefined;

  constructor(
    private readonly markets: ReadonlyMap<string, SymbolMarket>,
    private readonly seed: number,
    private readonly now: () => number,
    private readonly opts: BookRegistryOptions,
  ) {}

  /**
   * The price, in ticks, a book follows at sim time `t`: the market price at `t`, or with a drift above 1 the
   * price the market reaches `drift` times as far from the first book's creation, so a minute of ticks walks through `drift` minutes of moves.
   */
  targetTicks(market: SymbolMarket, t: number): number {
    if (this.opts.drift === 1) return midTicks(market, t);
    this.origin ??= t;
    return midTicks(market, this.origin + Math.floor((t - this.origin) * this.opts.drift));
  }

  /** The book of a served symbol, created now if needed; undefined for other symbols. */
  get(symbol: string): OrderBook | undefined {
    const hit = this.books.get(symbol);
    if (hit) return hit;
    const market = this.markets.get(symbol);
    if (!market) return undefined;
    const book = new OrderBook(market.info, this.seed, this.targetTicks(market, this.now()), this.opts);
    this.books.set(symbol, book);
    return book;
  }

  /** The book if it exists already. */
  find(symbol: string): OrderBook | undefined {
    return this.books.get(symbol);
  }

  /** Every book created so far. */
  all(): IterableIterator<[string, OrderBook]> {
    return this.books.entries();
  }
}

/** The market price at time t, in ticks. */
export function midTicks(market: SymbolMarket, t: number): number {
  const minute = Math.floor(t / 60_000);
  return Number(market.partialMinute(minute, t).close / 10n ** BigInt(8 - market.info.tickDecimals));
}
