import { type Decimal, formatDecimal, isDecimal } from '@collector/decimal';
import { BinanceClientError } from '../errors.js';
import type { DepthLevel, DepthSnapshot } from '../parse.js';
import type { DepthDiffEvent } from '../stream-events.js';
import { BookSide } from './book-side.js';

/**
 * - `syncing`: no book yet; diff events are buffered until a snapshot bridges them.
 * - `live`: the book follows the diff stream.
 * - `stale`: a resync is in progress; the last good book stays readable but is no longer updated.
 */
export type OrderBookStatus = 'syncing' | 'live' | 'stale';

/** Why a book stopped following the stream. */
export type ResyncReason =
  /** An event's `U` was beyond local id + 1: updates were missed. */
  | 'gap'
  /** The stream carrying the symbol disconnected. */
  | 'disconnected'
  /** A diff event was malformed (bad ids, a non-Decimal or negative level); it was not applied. */
  | 'invalid-event'
  /** Asked for by the caller. */
  | 'manual';

/** Options of {@link OrderBook}. */
export interface OrderBookOptions {
  /**
   * Most diff events kept while waiting for a snapshot; the oldest are dropped beyond it (which can only make a
   * snapshot look too old, never corrupt the book). @default 1000
   */
  maxBufferedEvents?: number;
}

/** Defaults of {@link OrderBookOptions}. */
export const DEFAULT_ORDER_BOOK_OPTIONS = {
  maxBufferedEvents: 1000,
} as const satisfies OrderBookOptions;

/** What {@link OrderBook.apply} did with an event. */
export type ApplyResult =
  /** Applied to the live book; `refresh` is set when this event brought the book to a pending refresh snapshot. */
  | { kind: 'applied'; refresh?: RefreshAdopted }
  /** Kept until a snapshot arrives (status `syncing` or `stale`). */
  | { kind: 'buffered' }
  /** Dropped: `u` ≤ local update id (already in the book), or a duplicate while buffering. */
  | { kind: 'ignored'; reason: 'stale' | 'other-symbol' }
  /** `U` > local id + 1: nothing applied, the book is now resyncing and this event starts the new buffer. */
  | { kind: 'gap'; expectedUpdateId: number; firstUpdateId: number }
  /** Malformed: nothing applied; a live book is now resyncing. */
  | { kind: 'invalid'; message: string };

/** What {@link OrderBook.applySnapshot} did with a snapshot. */
export type SnapshotResult =
  /** The book is live at `lastUpdateId` after applying `applied` buffered events (and dropping `dropped`). */
  | { kind: 'synced'; lastUpdateId: number; applied: number; dropped: number }
  /** `snapshot.lastUpdateId` < the first buffered `U`: fetch a newer snapshot. Nothing changed. */
  | { kind: 'too-old'; snapshotUpdateId: number; firstBufferedUpdateId: number }
  /** The book is live already; the snapshot was not used. */
  | { kind: 'ignored' }
  /** Malformed snapshot, not used. */
  | { kind: 'invalid'; message: string };

/** A level where the local book and a refresh snapshot disagreed, compared at one update id. */
export interface BookMismatch {
  side: 'bids' | 'asks';
  /** Position from the touch (0 = best) of the first differing level. */
  index: number;
  /** The local book's level there (undefined: the local book had none). */
  local: DepthLevel | undefined;
  /** The snapshot's level there, after the buffered events (undefined: it had none). */
  snapshot: DepthLevel | undefined;
}

/** A refresh snapshot taken over by a live book. */
export interface RefreshAdopted {
  kind: 'adopted';
  /** Update id the book is at: the snapshot's, or the last event applied on top of it. */
  lastUpdateId: number;
  snapshotUpdateId: number;
  /** Levels compared per side (those both books knew), at `lastUpdateId`. */
  compared: ValidDepth;
  /** The first disagreement found, undefined when both books agreed; the snapshot won either way. */
  mismatch: BookMismatch | undefined;
}

/** What {@link OrderBook.applyRefresh} did with a snapshot fetched while live. */
export type RefreshResult =
  /** Taken over: the book now knows the snapshot's depth, and stayed live throughout. */
  | RefreshAdopted
  /** Newer than the book: kept, and taken over by the event that reaches its update id. */
  | { kind: 'pending'; snapshotUpdateId: number }
  /** Older than the events kept since {@link OrderBook.beginRefresh}: fetch another. Nothing changed. */
  | { kind: 'too-old'; snapshotUpdateId: number; firstBufferedUpdateId: number | undefined }
  /** No refresh in progress (the book is not live, or {@link OrderBook.beginRefresh} was not called). */
  | { kind: 'ignored' }
  /** Malformed snapshot, not used. */
  | { kind: 'invalid'; message: string };

/** Top of the book with exact Decimal levels. */
export interface OrderBookTop {
  symbol: string;
  status: OrderBookStatus;
  /** Update id the book is at; undefined before the first snapshot. */
  lastUpdateId: number | undefined;
  /** Exchange time `E` of the last applied event, epoch ms; undefined when none was applied since the snapshot. */
  lastEventTime: number | undefined;
  /** Best (highest) first. */
  bids: DepthLevel[];
  /** Best (lowest) first. */
  asks: DepthLevel[];
}

/** Top of the book with canonical decimal strings (`formatDecimal`: no exponent, no trailing zeros). */
export interface OrderBookTopStrings extends Omit<OrderBookTop, 'bids' | 'asks'> {
  bids: [price: string, quantity: string][];
  asks: [price: string, quantity: string][];
}

/** Per side, how many levels from the touch are known to match the exchange. */
export interface ValidDepth {
  bids: number;
  asks: number;
}

/** Limit of the snapshot request, used to tell a complete side (fewer levels than asked) from a cut one. */
export interface ApplySnapshotOptions {
  /** The `limit` the snapshot was requested with. Unknown: every side is taken as cut at its worst level. */
  limit?: number;
}

/**
 * Where a side's knowledge ends: `'all'` (the snapshot held the whole side), a price (levels worse than it may have
 * existed beyond the snapshot), or `'none'` (no snapshot yet, or an empty side of unknown completeness).
 */
type Boundary = Decimal | 'all' | 'none';

function levelProblem(levels: unknown, side: string): string | undefined {
  if (!Array.isArray(levels)) return `${side} is not an array`;
  for (let i = 0; i < levels.length; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length < 2) return `${side}[${i}] is not a [price, qty] pair`;
    const [price, quantity] = level as unknown[];
    if (!isDecimal(price) || !price.isFinite() || !price.isPositive() || price.isZero()) return `${side}[${i}] price is not a positive Decimal`;
    if (!isDecimal(quantity) || !quantity.isFinite() || (quantity.isNegative() && !quantity.isZero())) {
      return `${side}[${i}] qty is not a non-negative Decimal`;
    }
  }
  return undefined;
}

function idProblem(event: DepthDiffEvent): string | undefined {
  const { firstUpdateId: U, finalUpdateId: u } = event;
  if (!Number.isSafeInteger(U) || !Number.isSafeInteger(u) || U < 0 || U > u) return `bad update ids U=${String(U)} u=${String(u)}`;
  return undefined;
}

/** The nearer to the touch of two knowledge boundaries: levels no worse than it are known to both books. */
function sharedBoundary(a: Boundary, b: Boundary, side: BookSide): Boundary {
  if (a === 'none' || b === 'none') return 'none';
  if (a === 'all') return b;
  if (b === 'all') return a;
  // The better of the two worst prices: the higher bid, the lower ask.
  return a.cmp(b) * (side.name === 'bids' ? 1 : -1) >= 0 ? a : b;
}

/** Compares the levels both sides know, best first: how many, and the first that differs. */
function compareSides(local: BookSide, localBoundary: Boundary, fresh: BookSide, freshBoundary: Boundary): { compared: number; mismatch: BookMismatch | undefined } {
  const shared = sharedBoundary(localBoundary, freshBoundary, local);
  if (shared === 'none') return { compared: 0, mismatch: undefined };
  const localCount = shared === 'all' ? local.size : local.countNoWorseThan(shared);
  const freshCount = shared === 'all' ? fresh.size : fresh.countNoWorseThan(shared);
  const a = local.top(localCount);
  const b = fresh.top(freshCount);
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !x[0].eq(y[0]) || !x[1].eq(y[1])) {
      return { compared: Math.min(a.length, b.length), mismatch: { side: local.name, index: i, local: x, snapshot: y } };
    }
  }
  return { compared: n, mismatch: undefined };
}

function asStrings(levels: DepthLevel[]): [string, string][] {
  return levels.map(([p, q]) => [formatDecimal(p), formatDecimal(q)]);
}

/**
 * A local order book for one symbol, kept from diff-depth events and a REST snapshot by Binance's documented
 * procedure (web-socket-streams.md, "How to manage a local order book correctly", wording of 2025-11-12).
 * Pure: no I/O and no timers. {@link createOrderBooks} drives it with a client and a stream.
 *
 * Every event and snapshot is validated in full before anything changes, so a bad one never leaves the book
 * half-updated.
 * @example
 * const book = new OrderBook('BTCUSDT');
 * for (const e of earlyEvents) book.apply(e);              // buffered
 * book.applySnapshot(await client.depth({ symbol: 'BTCUSDT', limit: 5000 }), { limit: 5000 });
 * book.apply(nextEvent);                                    // applied while live
 * book.topStrings(5);
 */
export class OrderBook {
  /** Uppercase symbol; events of other symbols are ignored. */
  readonly symbol: string;
  private readonly maxBuffered: number;
  private bidSide = new BookSide('bids');
  private askSide = new BookSide('asks');
  private buffer: DepthDiffEvent[] = [];
  private currentStatus: OrderBookStatus = 'syncing';
  private updateId: number | undefined;
  private eventTime: number | undefined;
  private bidBoundary: Boundary = 'none';
  private askBoundary: Boundary = 'none';
  private resyncs = 0;
  private lastReason: ResyncReason | undefined;
  /** Events applied since a refresh began (undefined: no refresh in progress): what a refresh snapshot must catch up on. */
  private refreshBuffer: DepthDiffEvent[] | undefined;
  /** A refresh snapshot newer than the book, waiting for the event that reaches its update id. */
  private pendingRefresh: { snapshot: DepthSnapshot; limit: number | undefined } | undefined;

  /** @throws {BinanceClientError} INVALID_OPTION for an empty symbol or a bad `maxBufferedEvents`. */
  constructor(symbol: string, options: OrderBookOptions = {}) {
    if (typeof symbol !== 'string' || symbol === '') {
      throw new BinanceClientError('INVALID_OPTION', `invalid option symbol: ${JSON.stringify(symbol)} (expected a non-empty string)`);
    }
    const maxBuffered = options.maxBufferedEvents ?? DEFAULT_ORDER_BOOK_OPTIONS.maxBufferedEvents;
    if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
      throw new BinanceClientError('INVALID_OPTION', `invalid option maxBufferedEvents: ${JSON.stringify(maxBuffered)} (expected an integer ≥ 1)`);
    }
    this.symbol = symbol;
    this.maxBuffered = maxBuffered;
  }

  /** See {@link OrderBookStatus}. */
  get status(): OrderBookStatus {
    return this.currentStatus;
  }

  /** Update id the book is at (the snapshot's, then each applied event's `u`); undefined before the first snapshot. */
  get lastUpdateId(): number | undefined {
    return this.updateId;
  }

  /** Exchange time `E` of the last applied event, epoch ms. */
  get lastEventTime(): number | undefined {
    return this.eventTime;
  }

  /** Events waiting for a snapshot. */
  get bufferedEvents(): number {
    return this.buffer.length;
  }

  /** `U` of the first buffered event: a snapshot must have `lastUpdateId` ≥ this. */
  get firstBufferedUpdateId(): number | undefined {
    return this.buffer[0]?.firstUpdateId;
  }

  /** True while waiting for a snapshot and at least one event is buffered (the moment to fetch one, by §4). */
  get needsSnapshot(): boolean {
    return this.currentStatus !== 'live' && this.buffer.length > 0;
  }

  /** How many times the book has left the live state. */
  get resyncCount(): number {
    return this.resyncs;
  }

  /** Why the book last left the live state; undefined if it never did. */
  get lastResyncReason(): ResyncReason | undefined {
    return this.lastReason;
  }

  /** Number of levels held per side (including levels beyond {@link validDepth}). */
  get size(): ValidDepth {
    return { bids: this.bidSide.size, asks: this.askSide.size };
  }

  /**
   * Levels per side, counted from the touch, known to match the exchange: those at prices no worse than the
   * snapshot's worst level. Beyond it, levels may have existed that the snapshot did not carry; a level
   * that appears there through a diff is kept but not counted. A side the snapshot returned in full
   * (fewer levels than the request's `limit`) is entirely valid.
   */
  get validDepth(): ValidDepth {
    return { bids: this.countValid(this.bidSide, this.bidBoundary), asks: this.countValid(this.askSide, this.askBoundary) };
  }

  /** Whether the last snapshot held the whole side (fewer levels than its `limit`), so every level of it is known. */
  knowsWholeSide(side: 'bids' | 'asks'): boolean {
    return (side === 'bids' ? this.bidBoundary : this.askBoundary) === 'all';
  }

  /** True between {@link beginRefresh} and the snapshot's adoption (or the book leaving the live state). */
  get refreshing(): boolean {
    return this.refreshBuffer !== undefined;
  }

  /** True while a refresh snapshot newer than the book waits for the stream to reach it. */
  get refreshPending(): boolean {
    return this.pendingRefresh !== undefined;
  }

  private countValid(side: BookSide, boundary: Boundary): number {
    if (boundary === 'none') return 0;
    if (boundary === 'all') return side.size;
    return side.countNoWorseThan(boundary);
  }

  /**
   * Feeds one diff event. While live, it is applied (or ignored when `u` ≤ the local id, or starts a resync on
   * a gap); otherwise it is buffered for the next snapshot.
   */
  apply(event: DepthDiffEvent): ApplyResult {
    if (event.symbol !== this.symbol) return { kind: 'ignored', reason: 'other-symbol' };
    const idIssue = idProblem(event);
    if (idIssue !== undefined) return this.reject(idIssue);

    if (this.currentStatus !== 'live') return this.bufferEvent(event);

    const local = this.updateId as number;
    // The docs ignore u < local id; u = local id is a repeat of the last applied event, equally already in the book.
    if (event.finalUpdateId <= local) return { kind: 'ignored', reason: 'stale' };
    const levelIssue = levelProblem(event.bids, 'bids') ?? levelProblem(event.asks, 'asks');
    if (levelIssue !== undefined) return this.reject(levelIssue);
    if (event.firstUpdateId > local + 1) {
      this.startResync('gap');
      this.buffer.push(event);
      return { kind: 'gap', expectedUpdateId: local + 1, firstUpdateId: event.firstUpdateId };
    }
    this.applyLevels(this.bidSide, this.askSide, event);
    this.updateId = event.finalUpdateId;
    this.eventTime = event.eventTime;
    if (this.refreshBuffer === undefined) return { kind: 'applied' };
    this.refreshBuffer.push(event);
    // Beyond the bound the oldest go: a snapshot older than what is left is then refused as too old, never misapplied.
    if (this.refreshBuffer.length > this.maxBuffered) this.refreshBuffer.shift();
    const pending = this.pendingRefresh;
    if (pending === undefined || this.updateId < pending.snapshot.lastUpdateId) return { kind: 'applied' };
    this.pendingRefresh = undefined;
    const refresh = this.adopt(pending.snapshot, pending.limit);
    return refresh.kind === 'adopted' ? { kind: 'applied', refresh } : { kind: 'applied' };
  }

  private reject(message: string): ApplyResult {
    // A dropped event leaves a hole in the sequence: a live book can no longer be trusted, and a buffer with a
    // hole cannot bridge a snapshot.
    if (this.currentStatus === 'live') this.startResync('invalid-event');
    else this.buffer = [];
    return { kind: 'invalid', message: `depth ${this.symbol}: ${message}` };
  }

  private bufferEvent(event: DepthDiffEvent): ApplyResult {
    const levelIssue = levelProblem(event.bids, 'bids') ?? levelProblem(event.asks, 'asks');
    if (levelIssue !== undefined) return this.reject(levelIssue);
    const last = this.buffer[this.buffer.length - 1];
    if (last !== undefined) {
      if (event.finalUpdateId <= last.finalUpdateId) return { kind: 'ignored', reason: 'stale' };
      // Keep the buffer contiguous, so whichever event a snapshot lands in, everything after it is present.
      if (event.firstUpdateId > last.finalUpdateId + 1) this.buffer = [];
    }
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) this.buffer.shift();
    return { kind: 'buffered' };
  }

  private applyLevels(bids: BookSide, asks: BookSide, event: DepthDiffEvent): void {
    for (const [price, quantity] of event.bids) bids.set(price, quantity);
    for (const [price, quantity] of event.asks) asks.set(price, quantity);
  }

  /**
   * Installs a REST snapshot (steps 4–7 of the procedure): refuses it as too old when
   * `lastUpdateId` < the first buffered `U`; otherwise drops buffered events with `u` ≤ `lastUpdateId`, checks that the
   * first remaining one bridges (`U` ≤ lastUpdateId + 1 ≤ `u`), applies the rest and goes live. The new book is built
   * aside and swapped in only when complete; until then a stale book stays readable.
   *
   * With nothing buffered the snapshot is installed as is: the next event must then bridge or it is a gap.
   */
  applySnapshot(snapshot: DepthSnapshot, options: ApplySnapshotOptions = {}): SnapshotResult {
    if (this.currentStatus === 'live') return { kind: 'ignored' };
    const problem = this.snapshotProblem(snapshot);
    if (problem !== undefined) return { kind: 'invalid', message: problem };
    const lastUpdateId = snapshot.lastUpdateId;

    const first = this.buffer[0];
    if (first !== undefined && lastUpdateId < first.firstUpdateId) {
      return { kind: 'too-old', snapshotUpdateId: lastUpdateId, firstBufferedUpdateId: first.firstUpdateId };
    }
    let start = 0;
    while (start < this.buffer.length && (this.buffer[start] as DepthDiffEvent).finalUpdateId <= lastUpdateId) start++;
    const bridge = this.buffer[start];
    if (bridge !== undefined && bridge.firstUpdateId > lastUpdateId + 1) {
      // Unreachable with a contiguous buffer and lastUpdateId ≥ first U; kept as the documented check.
      this.buffer = this.buffer.slice(start);
      return { kind: 'too-old', snapshotUpdateId: lastUpdateId, firstBufferedUpdateId: bridge.firstUpdateId };
    }

    const bids = new BookSide('bids');
    const asks = new BookSide('asks');
    bids.load(snapshot.bids);
    asks.load(snapshot.asks);
    let updateId = lastUpdateId;
    let eventTime: number | undefined;
    for (let k = start; k < this.buffer.length; k++) {
      const event = this.buffer[k] as DepthDiffEvent;
      this.applyLevels(bids, asks, event);
      updateId = event.finalUpdateId;
      eventTime = event.eventTime;
    }

    const applied = this.buffer.length - start;
    this.bidSide = bids;
    this.askSide = asks;
    this.bidBoundary = this.boundary(snapshot.bids, 'bids', options.limit);
    this.askBoundary = this.boundary(snapshot.asks, 'asks', options.limit);
    this.updateId = updateId;
    this.eventTime = eventTime;
    this.buffer = [];
    this.currentStatus = 'live';
    return { kind: 'synced', lastUpdateId: updateId, applied, dropped: start };
  }

  private snapshotProblem(snapshot: DepthSnapshot): string | undefined {
    const lastUpdateId: unknown = snapshot.lastUpdateId;
    if (typeof lastUpdateId !== 'number' || !Number.isSafeInteger(lastUpdateId) || lastUpdateId < 0) {
      return `depth ${this.symbol}: snapshot lastUpdateId is not an integer`;
    }
    const levelIssue = levelProblem(snapshot.bids, 'snapshot bids') ?? levelProblem(snapshot.asks, 'snapshot asks');
    return levelIssue === undefined ? undefined : `depth ${this.symbol}: ${levelIssue}`;
  }

  /**
   * Starts a refresh of a live book (call it before requesting the snapshot): from now on the applied events are
   * also kept, so a snapshot taken after this call can be brought up to the book's update id. The book stays live
   * and readable throughout. Returns false (and does nothing) when the book is not live.
   */
  beginRefresh(): boolean {
    if (this.currentStatus !== 'live') return false;
    this.refreshBuffer ??= [];
    return true;
  }

  /** Gives up a refresh in progress (a failed request); the book carries on as it was. */
  cancelRefresh(): void {
    this.refreshBuffer = undefined;
    this.pendingRefresh = undefined;
  }

  /**
   * Takes over a snapshot fetched after {@link beginRefresh}, without leaving the live state (the documented
   * procedure, run beside the live book): events up to the snapshot's `lastUpdateId` are dropped, the kept ones
   * after it are applied to it, and the result replaces the book, which now knows the snapshot's depth.
   * A snapshot newer than the book waits (`pending`) for the event that reaches its update id.
   *
   * Every adoption is also a check: the local book and the caught-up snapshot are at the same update id, so
   * the levels both know must be equal; the first difference is returned as `mismatch`, and the snapshot wins.
   */
  applyRefresh(snapshot: DepthSnapshot, options: ApplySnapshotOptions = {}): RefreshResult {
    if (this.currentStatus !== 'live' || this.refreshBuffer === undefined) return { kind: 'ignored' };
    const problem = this.snapshotProblem(snapshot);
    if (problem !== undefined) return { kind: 'invalid', message: problem };
    if (snapshot.lastUpdateId > (this.updateId as number)) {
      this.pendingRefresh = { snapshot, limit: options.limit };
      return { kind: 'pending', snapshotUpdateId: snapshot.lastUpdateId };
    }
    return this.adopt(snapshot, options.limit);
  }

  private adopt(snapshot: DepthSnapshot, limit: number | undefined): RefreshAdopted | { kind: 'too-old'; snapshotUpdateId: number; firstBufferedUpdateId: number | undefined } {
    const kept = this.refreshBuffer ?? [];
    const lastUpdateId = snapshot.lastUpdateId;
    let start = 0;
    while (start < kept.length && (kept[start] as DepthDiffEvent).finalUpdateId <= lastUpdateId) start++;
    const bridge = kept[start];
    // Every event after the snapshot must be among the kept ones, starting with the one that spans lastUpdateId + 1.
    const bridged = bridge === undefined ? lastUpdateId === this.updateId : bridge.firstUpdateId <= lastUpdateId + 1;
    if (!bridged) {
      this.refreshBuffer = undefined;
      return { kind: 'too-old', snapshotUpdateId: lastUpdateId, firstBufferedUpdateId: kept[0]?.firstUpdateId };
    }
    const bids = new BookSide('bids');
    const asks = new BookSide('asks');
    bids.load(snapshot.bids);
    asks.load(snapshot.asks);
    for (let k = start; k < kept.length; k++) this.applyLevels(bids, asks, kept[k] as DepthDiffEvent);
    const bidBoundary = this.boundary(snapshot.bids, 'bids', limit);
    const askBoundary = this.boundary(snapshot.asks, 'asks', limit);
    const bidCheck = compareSides(this.bidSide, this.bidBoundary, bids, bidBoundary);
    const askCheck = compareSides(this.askSide, this.askBoundary, asks, askBoundary);
    this.bidSide = bids;
    this.askSide = asks;
    this.bidBoundary = bidBoundary;
    this.askBoundary = askBoundary;
    this.refreshBuffer = undefined;
    this.pendingRefresh = undefined;
    return {
      kind: 'adopted',
      lastUpdateId: this.updateId as number,
      snapshotUpdateId: lastUpdateId,
      compared: { bids: bidCheck.compared, asks: askCheck.compared },
      mismatch: bidCheck.mismatch ?? askCheck.mismatch,
    };
  }

  private boundary(levels: readonly DepthLevel[], side: 'bids' | 'asks', limit: number | undefined): Boundary {
    if (limit !== undefined && levels.length < limit) return 'all';
    // Worst = lowest bid or highest ask; scanned rather than taken from the end, so no ordering is assumed.
    const worseSign = side === 'bids' ? -1 : 1;
    let worst: Decimal | undefined;
    for (const [price, quantity] of levels) {
      if (quantity.isZero()) continue;
      if (worst === undefined || price.cmp(worst) * worseSign > 0) worst = price;
    }
    return worst ?? 'none';
  }

  /**
   * Leaves the live state (a disconnect, a caller's decision): the book stays readable as `stale` (or stays
   * `syncing` if it never synced), buffered events are dropped, and the next events wait for a new snapshot.
   */
  resync(reason: ResyncReason = 'manual'): void {
    if (this.currentStatus === 'live') this.startResync(reason);
    else this.buffer = [];
  }

  private startResync(reason: ResyncReason): void {
    this.resyncs++;
    this.lastReason = reason;
    this.buffer = [];
    this.refreshBuffer = undefined;
    this.pendingRefresh = undefined;
    this.currentStatus = this.updateId === undefined ? 'syncing' : 'stale';
  }

  /** Best bid level, or undefined. */
  bestBid(): DepthLevel | undefined {
    return this.bidSide.top(1)[0];
  }

  /** Best ask level, or undefined. */
  bestAsk(): DepthLevel | undefined {
    return this.askSide.top(1)[0];
  }

  /** Quantity at exactly `price` on a side, or undefined. */
  quantityAt(side: 'bids' | 'asks', price: Decimal): Decimal | undefined {
    return (side === 'bids' ? this.bidSide : this.askSide).get(price);
  }

  /**
   * The best `n` levels of each side, best first, as exact Decimals. Not capped at {@link validDepth}: compare
   * with it when levels far from the touch matter. Check `status`: a `stale` book is the last good one, not live.
   * @default n 10
   */
  top(n = 10): OrderBookTop {
    return {
      symbol: this.symbol,
      status: this.currentStatus,
      lastUpdateId: this.updateId,
      lastEventTime: this.eventTime,
      bids: this.bidSide.top(n),
      asks: this.askSide.top(n),
    };
  }

  /** {@link top} with canonical decimal strings (e.g. `"61837.63"`, `"0.001"`). */
  topStrings(n = 10): OrderBookTopStrings {
    const t = this.top(n);
    return { ...t, bids: asStrings(t.bids), asks: asStrings(t.asks) };
  }
}
