import type { BinanceClient } from '../client.js';
import { BinanceApiError, BinanceClientError, IpBanError } from '../errors.js';
import { type BinanceClientLogger, SILENT_LOGGER } from '../options.js';
import { backoffDelayMs } from '../rate-limiter.js';
import type { DepthSnapshot } from '../parse.js';
import type { DepthDiffEvent } from '../stream-events.js';
import { type BookMismatch, OrderBook, type RefreshAdopted, type ResyncReason } from './order-book.js';

/** Why a live book took a new snapshot: its known depth ran low, or the periodic check was due. */
export type RefreshReason = 'depth' | 'verify';

/** Why a resync started: the book's own reasons, plus a snapshot that was older than the buffered events. */
export type OrderBooksResyncReason = ResyncReason | 'snapshot-too-old';

/** Events of {@link OrderBooks}, by name. */
export interface OrderBooksEvents {
  /** The book is live: a snapshot bridged the buffered events. */
  synced: { symbol: string; lastUpdateId: number; applied: number; dropped: number; snapshots: number };
  /** A resync started or restarted (a new snapshot will be fetched once an event is buffered). */
  resync: { symbol: string; reason: OrderBooksResyncReason };
  /** A live book stopped following the stream; its last good levels stay readable. */
  stale: { symbol: string; reason: ResyncReason };
  /** A snapshot request failed; it is retried after `retryInMs` (undefined: not retried, see `failed`). */
  snapshotError: { symbol: string; error: unknown; attempt: number; retryInMs: number | undefined };
  /** The snapshot request was refused for good (a 4xx such as -1121 invalid symbol); call `resync(symbol)` to try again. */
  failed: { symbol: string; error: unknown };
  /** A live book took over a fresh snapshot without leaving the live state; `compared` levels per side were checked. */
  refreshed: { symbol: string; reason: RefreshReason; lastUpdateId: number; snapshotUpdateId: number; compared: { bids: number; asks: number } };
  /** A refresh found the local book different from the snapshot at the same update id; the snapshot replaced it. */
  mismatch: { symbol: string; lastUpdateId: number } & BookMismatch;
  /** A refresh request failed (429, 418, network, …); the book stays live and it is retried after `retryInMs`. */
  refreshError: { symbol: string; reason: RefreshReason; error: unknown; attempt: number; retryInMs: number };
}

/** Options of {@link createOrderBooks}. */
export interface OrderBooksOptions {
  /** Where snapshots come from; `client.depth` already waits for the client's shared weight budget. */
  client: Pick<BinanceClient, 'depth'>;
  /** Uppercase symbols to keep a book for. */
  symbols: readonly string[];
  /** `limit` of each snapshot request (weight 250 above 1000). @default 5000 */
  snapshotLimit?: number;
  /** Snapshot requests in flight at once, across every book; the rest queue in order. @default 1 */
  maxConcurrentSnapshots?: number;
  /** Base of the exponential backoff with full jitter between failed or too-old snapshot attempts, in ms. @default 1000 */
  retryDelayMs?: number;
  /** Diff events each book keeps while waiting for its snapshot. @default 1000 */
  maxBufferedEvents?: number;
  /**
   * A live book whose known depth (see `OrderBook.validDepth`) falls below this many levels on either side takes
   * a fresh snapshot while it stays live. Set it above the depth you read, so the refresh lands before the book runs
   * short. Unset: only gaps and disconnects fetch snapshots.
   */
  refreshBelowDepth?: number;
  /**
   * Each live book also takes a fresh snapshot this long after its last one, to compare with (a `mismatch` event
   * when they differ); the first checks are spread over one interval across the books. In ms; 0: off. @default 0
   */
  verifyIntervalMs?: number;
  /** Logger; silent when absent. */
  logger?: BinanceClientLogger;
}

/** Defaults of every optional {@link OrderBooksOptions} field that has one. */
export const DEFAULT_ORDER_BOOKS_OPTIONS = {
  snapshotLimit: 5000,
  maxConcurrentSnapshots: 1,
  retryDelayMs: 1000,
  maxBufferedEvents: 1000,
  verifyIntervalMs: 0,
} as const satisfies Partial<OrderBooksOptions>;

/** Order books for many symbols, fed by diff events from any source and synced by REST snapshots. */
export interface OrderBooks {
  /** Managed symbols. */
  readonly symbols: readonly string[];
  /** The book of `symbol` (read it with `top`, `topStrings`, `status`, `validDepth`), or undefined if not managed. */
  get(symbol: string): OrderBook | undefined;
  /** Feeds one diff event; events of unmanaged symbols are ignored. Fetches a snapshot when a book needs one. */
  handle(event: DepthDiffEvent): void;
  /** The stream carrying `symbols` (default: all) disconnected: their books go stale until events resume. */
  onStreamDisconnected(symbols?: readonly string[]): void;
  /** The stream reconnected: the books resync from the next events (a snapshot is fetched once one is buffered). */
  onStreamReconnected(symbols?: readonly string[]): void;
  /** Starts a resync of one book by hand: a live book goes stale; a waiting (or `failed`) one fetches a snapshot again. */
  resync(symbol: string): void;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof OrderBooksEvents>(name: K, listener: (event: OrderBooksEvents[K]) => void): () => void;
  /** Resolves when every managed book (or `symbol`'s) is live. */
  whenLive(symbol?: string): Promise<void>;
  /** Snapshot requests queued or in flight (refreshes included). */
  pendingSnapshots(): number;
  /** Takes a fresh snapshot of a live book now, as the periodic check does; a book not live ignores it. */
  refresh(symbol: string, reason?: RefreshReason): void;
  /** Stops fetching snapshots and clears timers; the books stay readable. */
  close(): void;
}

type FetchState = 'idle' | 'queued' | 'fetching' | 'waiting' | 'failed';

interface Entry {
  book: OrderBook;
  state: FetchState;
  /** Consecutive failed or too-old attempts, for the backoff. */
  attempt: number;
  /** Snapshots fetched since the last sync. */
  snapshots: number;
  /** Bumped on every disconnect: a snapshot requested before it is thrown away. */
  generation: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Why a live book wants a fresh snapshot; undefined: it does not. */
  refresh: RefreshReason | undefined;
  /** Consecutive failed refresh attempts, for their backoff. */
  refreshAttempt: number;
  /** Fires the periodic check. */
  verifyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Position among the books, to spread their first checks. */
  index: number;
}

function bad(name: string, value: unknown, expected: string): never {
  throw new BinanceClientError('INVALID_OPTION', `invalid option ${name}: ${JSON.stringify(value)} (expected ${expected})`);
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) bad(name, value, `an integer in 1..${max}`);
  return value;
}

/**
 * Keeps a local order book per symbol by Binance's procedure: buffer diff events, fetch a snapshot once the
 * first one is buffered, refetch while the snapshot is older than the buffer, then apply events; on a gap or a
 * disconnect the book goes stale and resyncs. Snapshot requests are queued across all books with bounded
 * concurrency and go through the client's weight limiter, so starting hundreds of books waits instead of earning 429s.
 * @throws {BinanceClientError} INVALID_OPTION naming the bad option.
 * @example
 * const books = createOrderBooks({ client, symbols: ['BTCUSDT', 'ETHUSDT'] });
 * streams.on('depthDiff', (e) => books.handle(e));
 * books.on('synced', ({ symbol }) => console.log(symbol, books.get(symbol)!.topStrings(5)));
 */
export function createOrderBooks(options: OrderBooksOptions): OrderBooks {
  const o = options as Partial<OrderBooksOptions>;
  if (o.client === undefined || typeof o.client.depth !== 'function') bad('client', '[value]', 'a BinanceClient');
  if (!Array.isArray(o.symbols) || o.symbols.length === 0) bad('symbols', o.symbols, 'a non-empty array of symbols');
  for (const s of o.symbols) if (typeof s !== 'string' || !/^[A-Z0-9]+$/.test(s)) bad('symbols', s, 'uppercase symbols such as BTCUSDT');
  const client = o.client;
  const snapshotLimit = positiveInteger('snapshotLimit', o.snapshotLimit ?? DEFAULT_ORDER_BOOKS_OPTIONS.snapshotLimit, 5000);
  const maxConcurrent = positiveInteger('maxConcurrentSnapshots', o.maxConcurrentSnapshots ?? DEFAULT_ORDER_BOOKS_OPTIONS.maxConcurrentSnapshots);
  const retryDelayMs = o.retryDelayMs ?? DEFAULT_ORDER_BOOKS_OPTIONS.retryDelayMs;
  if (!Number.isSafeInteger(retryDelayMs) || retryDelayMs < 0) bad('retryDelayMs', retryDelayMs, 'an integer ≥ 0');
  const maxBufferedEvents = positiveInteger('maxBufferedEvents', o.maxBufferedEvents ?? DEFAULT_ORDER_BOOKS_OPTIONS.maxBufferedEvents);
  const refreshBelowDepth = o.refreshBelowDepth === undefined ? undefined : positiveInteger('refreshBelowDepth', o.refreshBelowDepth, 5000);
  const verifyIntervalMs = o.verifyIntervalMs ?? DEFAULT_ORDER_BOOKS_OPTIONS.verifyIntervalMs;
  if (!Number.isSafeInteger(verifyIntervalMs) || verifyIntervalMs < 0) bad('verifyIntervalMs', verifyIntervalMs, 'an integer ≥ 0');
  const log = o.logger ?? SILENT_LOGGER;

  const entries = new Map<string, Entry>();
  for (const symbol of o.symbols) {
    entries.set(symbol, {
      book: new OrderBook(symbol, { maxBufferedEvents }),
      state: 'idle',
      attempt: 0,
      snapshots: 0,
      generation: 0,
      timer: undefined,
      refresh: undefined,
      refreshAttempt: 0,
      verifyTimer: undefined,
      index: entries.size,
    });
  }
  const queue: string[] = [];
  let inFlight = 0;
  let closed = false;
  type AnyListener = (event: OrderBooksEvents[keyof OrderBooksEvents]) => void;
  const listeners = new Map<keyof OrderBooksEvents, Set<AnyListener>>();

  function emit<K extends keyof OrderBooksEvents>(name: K, event: OrderBooksEvents[K]): void {
    const set = listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not leave a book between two states.
        log.error({ event: name, err: error }, 'order book listener threw');
      }
    }
  }

  /** A book waiting for a snapshot, or a live one wanting a refresh that has none on its way. */
  function wantsSnapshot(entry: Entry): boolean {
    if (entry.book.needsSnapshot) return true;
    return entry.refresh !== undefined && entry.book.status === 'live' && !entry.book.refreshPending;
  }

  function request(symbol: string, entry: Entry): void {
    if (closed || entry.state !== 'idle' || !wantsSnapshot(entry)) return;
    entry.state = 'queued';
    queue.push(symbol);
    pump();
  }

  /** Schedules the periodic check of a book `delayMs` from now (replacing any scheduled one). */
  function scheduleVerify(symbol: string, entry: Entry, delayMs: number): void {
    if (verifyIntervalMs === 0 || closed) return;
    clearTimeout(entry.verifyTimer);
    entry.verifyTimer = setTimeout(() => {
      entry.verifyTimer = undefined;
      wantRefresh(symbol, entry, 'verify');
    }, delayMs);
    entry.verifyTimer.unref?.();
  }

  function wantRefresh(symbol: string, entry: Entry, reason: RefreshReason): void {
    if (entry.book.status !== 'live') return;
    entry.refresh ??= reason;
    request(symbol, entry);
  }

  function adopted(symbol: string, entry: Entry, result: RefreshAdopted): void {
    const reason = entry.refresh ?? 'verify';
    entry.refresh = undefined;
    entry.refreshAttempt = 0;
    if (result.mismatch !== undefined) {
      const { side, index, local, snapshot } = result.mismatch;
      log.warn(
        { symbol, lastUpdateId: result.lastUpdateId, side, index, local: local?.map(String), snapshot: snapshot?.map(String) },
        'order book differed from the refresh snapshot; the snapshot replaced it',
      );
      emit('mismatch', { symbol, lastUpdateId: result.lastUpdateId, ...result.mismatch });
    }
    log.debug?.({ symbol, reason, lastUpdateId: result.lastUpdateId, compared: result.compared }, 'order book refreshed');
    emit('refreshed', { symbol, reason, lastUpdateId: result.lastUpdateId, snapshotUpdateId: result.snapshotUpdateId, compared: result.compared });
    scheduleVerify(symbol, entry, verifyIntervalMs);
    checkDepth(symbol, entry);
  }

  /** Asks for a refresh when the known depth on either side is below `refreshBelowDepth`. */
  function checkDepth(symbol: string, entry: Entry): void {
    if (refreshBelowDepth === undefined || entry.refresh !== undefined || entry.book.status !== 'live') return;
    const depth = entry.book.validDepth;
    const short = (side: 'bids' | 'asks'): boolean => depth[side] < refreshBelowDepth && !entry.book.knowsWholeSide(side);
    if (short('bids') || short('asks')) wantRefresh(symbol, entry, 'depth');
  }

  function pump(): void {
    while (!closed && inFlight < maxConcurrent && queue.length > 0) {
      const symbol = queue.shift() as string;
      const entry = entries.get(symbol) as Entry;
      if (entry.state !== 'queued') continue;
      // A book that no longer waits (stream down, buffer dropped) does not spend weight now; its next event re-queues it.
      if (!wantsSnapshot(entry)) {
        entry.state = 'idle';
        continue;
      }
      inFlight++;
      entry.state = 'fetching';
      void fetchSnapshot(symbol, entry).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  function retryLater(symbol: string, entry: Entry, delayMs: number): void {
    entry.state = 'waiting';
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.state = 'idle';
      request(symbol, entry);
    }, delayMs);
    entry.timer.unref?.();
  }

  async function fetchRefresh(symbol: string, entry: Entry): Promise<void> {
    const reason = entry.refresh ?? 'verify';
    // Before the request: the events from here on are what the snapshot will have to catch up on.
    entry.book.beginRefresh();
    let snapshot;
    try {
      snapshot = await client.depth({ symbol, limit: snapshotLimit });
    } catch (error) {
      if (closed) return;
      entry.book.cancelRefresh();
      entry.refreshAttempt++;
      const delay = error instanceof IpBanError ? error.retryAfterMs : backoffDelayMs(entry.refreshAttempt - 1, retryDelayMs);
      log.warn({ symbol, reason, err: error, attempt: entry.refreshAttempt, retryInMs: delay }, 'order book refresh failed; the book stays live, retrying');
      emit('refreshError', { symbol, reason, error, attempt: entry.refreshAttempt, retryInMs: delay });
      retryLater(symbol, entry, delay);
      return;
    }
    if (closed) return;
    entry.state = 'idle';
    if (entry.book.status !== 'live') {
      // The book left the live state while the request ran: the snapshot may still bridge its new buffer.
      installSnapshot(symbol, entry, snapshot);
      return;
    }
    const result = entry.book.applyRefresh(snapshot, { limit: snapshotLimit });
    switch (result.kind) {
      case 'adopted':
        adopted(symbol, entry, result);
        return;
      case 'pending':
        // Adopted by the event that reaches it (handle()).
        return;
      case 'too-old':
      case 'invalid': {
        entry.book.cancelRefresh();
        entry.refreshAttempt++;
        const delay = backoffDelayMs(entry.refreshAttempt - 1, retryDelayMs);
        const message = result.kind === 'invalid' ? result.message : `snapshot ${result.snapshotUpdateId} older than the kept events`;
        log.warn({ symbol, reason, message, retryInMs: delay }, 'order book refresh snapshot not usable, retrying');
        emit('refreshError', { symbol, reason, error: new BinanceClientError('RESPONSE_FORMAT', message), attempt: entry.refreshAttempt, retryInMs: delay });
        retryLater(symbol, entry, delay);
        return;
      }
      case 'ignored':
        // The book resynced while the request ran (its refresh was dropped then); nothing to adopt.
        return;
    }
  }

  async function fetchSnapshot(symbol: string, entry: Entry): Promise<void> {
    if (entry.book.status === 'live') return fetchRefresh(symbol, entry);
    const generation = entry.generation;
    let snapshot;
    try {
      snapshot = await client.depth({ symbol, limit: snapshotLimit });
    } catch (error) {
      if (closed) return;
      entry.attempt++;
      if (error instanceof BinanceApiError && error.status >= 400 && error.status < 500) {
        entry.state = 'failed';
        log.error({ symbol, err: error }, 'order book snapshot refused; not retrying');
        emit('snapshotError', { symbol, error, attempt: entry.attempt, retryInMs: undefined });
        emit('failed', { symbol, error });
        return;
      }
      const delay = error instanceof IpBanError ? error.retryAfterMs : backoffDelayMs(entry.attempt - 1, retryDelayMs);
      log.warn({ symbol, err: error, attempt: entry.attempt, retryInMs: delay }, 'order book snapshot failed, retrying');
      emit('snapshotError', { symbol, error, attempt: entry.attempt, retryInMs: delay });
      retryLater(symbol, entry, delay);
      return;
    }
    if (closed) return;
    entry.snapshots++;
    entry.state = 'idle';
    if (generation !== entry.generation) {
      log.debug?.({ symbol }, 'order book snapshot outdated by a disconnect, dropped');
      request(symbol, entry);
      return;
    }
    installSnapshot(symbol, entry, snapshot);
  }

  function installSnapshot(symbol: string, entry: Entry, snapshot: DepthSnapshot): void {
    const result = entry.book.applySnapshot(snapshot, { limit: snapshotLimit });
    switch (result.kind) {
      case 'synced': {
        const snapshots = entry.snapshots;
        entry.attempt = 0;
        entry.snapshots = 0;
        log.info({ symbol, lastUpdateId: result.lastUpdateId, applied: result.applied, snapshots }, 'order book synced');
        emit('synced', { symbol, lastUpdateId: result.lastUpdateId, applied: result.applied, dropped: result.dropped, snapshots });
        forgetRefresh(entry);
        // The first checks are spread over one interval, so the books do not all ask at once.
        scheduleVerify(symbol, entry, Math.ceil((verifyIntervalMs * (entry.index + 1)) / entries.size));
        checkDepth(symbol, entry);
        return;
      }
      case 'too-old': {
        entry.attempt++;
        // Step 4: the REST snapshot lags the stream; fetch again (after a short, growing pause).
        const delay = backoffDelayMs(entry.attempt - 1, retryDelayMs);
        log.info({ symbol, snapshotUpdateId: result.snapshotUpdateId, firstBufferedUpdateId: result.firstBufferedUpdateId, retryInMs: delay }, 'order book snapshot too old');
        emit('resync', { symbol, reason: 'snapshot-too-old' });
        retryLater(symbol, entry, delay);
        return;
      }
      case 'invalid': {
        entry.attempt++;
        const delay = backoffDelayMs(entry.attempt - 1, retryDelayMs);
        log.warn({ symbol, message: result.message, retryInMs: delay }, 'order book snapshot invalid, retrying');
        emit('snapshotError', { symbol, error: new BinanceClientError('RESPONSE_FORMAT', result.message), attempt: entry.attempt, retryInMs: delay });
        retryLater(symbol, entry, delay);
        return;
      }
      case 'ignored':
        return;
    }
  }

  /** A book that leaves the live state drops its wish for a refresh: the resync brings a snapshot anyway. */
  function forgetRefresh(entry: Entry): void {
    entry.refresh = undefined;
    entry.refreshAttempt = 0;
  }

  function leaveLive(symbol: string, entry: Entry, reason: ResyncReason, wasLive: boolean): void {
    forgetRefresh(entry);
    if (wasLive) {
      log.warn({ symbol, reason }, 'order book stale, resyncing');
      emit('stale', { symbol, reason });
    }
    emit('resync', { symbol, reason });
    request(symbol, entry);
  }

  function selected(symbols: readonly string[] | undefined): [string, Entry][] {
    if (symbols === undefined) return [...entries];
    return symbols.flatMap((s) => {
      const entry = entries.get(s);
      return entry ? [[s, entry] as [string, Entry]] : [];
    });
  }

  return {
    symbols: [...entries.keys()],

    get(symbol) {
      return entries.get(symbol)?.book;
    },

    handle(event) {
      const entry = entries.get(event.symbol);
      if (entry === undefined || closed) return;
      const wasLive = entry.book.status === 'live';
      const result = entry.book.apply(event);
      if (result.kind === 'applied') {
        if (result.refresh !== undefined) adopted(event.symbol, entry, result.refresh);
        else checkDepth(event.symbol, entry);
      } else if (result.kind === 'gap') {
        log.warn({ symbol: event.symbol, expectedUpdateId: result.expectedUpdateId, firstUpdateId: result.firstUpdateId }, 'order book gap');
        leaveLive(event.symbol, entry, 'gap', wasLive);
      } else if (result.kind === 'invalid') {
        log.warn({ symbol: event.symbol, message: result.message }, 'order book event invalid');
        if (wasLive) leaveLive(event.symbol, entry, 'invalid-event', true);
      } else if (result.kind === 'buffered') {
        request(event.symbol, entry);
      }
    },

    onStreamDisconnected(symbols) {
      for (const [symbol, entry] of selected(symbols)) {
        const wasLive = entry.book.status === 'live';
        entry.generation++;
        forgetRefresh(entry);
        entry.book.resync('disconnected');
        if (entry.state === 'waiting' || entry.state === 'failed') {
          clearTimeout(entry.timer);
          entry.timer = undefined;
          entry.state = 'idle';
        }
        if (wasLive) emit('stale', { symbol, reason: 'disconnected' });
        emit('resync', { symbol, reason: 'disconnected' });
      }
    },

    onStreamReconnected(symbols) {
      for (const [symbol, entry] of selected(symbols)) {
        log.debug?.({ symbol }, 'order book stream reconnected, waiting for the first event');
        request(symbol, entry);
      }
    },

    resync(symbol) {
      const entry = entries.get(symbol);
      if (entry === undefined) return;
      const wasLive = entry.book.status === 'live';
      // A book that is not live keeps its buffered events: they are what the next snapshot must bridge.
      if (wasLive) entry.book.resync('manual');
      if (entry.state === 'failed') entry.state = 'idle';
      leaveLive(symbol, entry, 'manual', wasLive);
    },

    on(name, listener) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      const stored = listener as AnyListener;
      set.add(stored);
      return () => {
        set.delete(stored);
      };
    },

    whenLive(symbol) {
      const wanted = symbol === undefined ? [...entries.keys()] : [symbol];
      const pending = new Set(wanted.filter((s) => entries.get(s)?.book.status !== 'live'));
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const off = this.on('synced', ({ symbol: s }) => {
          pending.delete(s);
          if (pending.size === 0) {
            off();
            resolve();
          }
        });
      });
    },

    refresh(symbol, reason = 'verify') {
      const entry = entries.get(symbol);
      if (entry !== undefined) wantRefresh(symbol, entry, reason);
    },

    pendingSnapshots() {
      let n = 0;
      for (const entry of entries.values()) if (entry.state === 'queued' || entry.state === 'fetching') n++;
      return n;
    },

    close() {
      closed = true;
      queue.length = 0;
      for (const entry of entries.values()) {
        clearTimeout(entry.timer);
        clearTimeout(entry.verifyTimer);
        entry.timer = undefined;
        entry.verifyTimer = undefined;
      }
    },
  };
}

/** Options of {@link createOrderBook}: those of {@link createOrderBooks} for one symbol. */
export interface OrderBookFeedOptions extends Omit<OrderBooksOptions, 'symbols'> {
  symbol: string;
}

/** One symbol's book with its driver. */
export interface OrderBookFeed extends Omit<OrderBooks, 'get' | 'symbols' | 'whenLive'> {
  readonly book: OrderBook;
  /** Resolves when the book is live. */
  whenLive(): Promise<void>;
}

/**
 * {@link createOrderBooks} for a single symbol.
 * @example
 * const feed = createOrderBook({ client, symbol: 'BTCUSDT', snapshotLimit: 1000 });
 * streams.on('depthDiff', (e) => feed.handle(e));
 * await feed.whenLive();
 * feed.book.topStrings(10);
 */
export function createOrderBook(options: OrderBookFeedOptions): OrderBookFeed {
  const { symbol, ...rest } = options;
  const books = createOrderBooks({ ...rest, symbols: [symbol] });
  return {
    book: books.get(symbol) as OrderBook,
    handle: (event) => books.handle(event),
    onStreamDisconnected: (symbols) => books.onStreamDisconnected(symbols),
    onStreamReconnected: (symbols) => books.onStreamReconnected(symbols),
    resync: (s) => books.resync(s),
    on: (name, listener) => books.on(name, listener),
    whenLive: () => books.whenLive(symbol),
    pendingSnapshots: () => books.pendingSnapshots(),
    refresh: (s, reason) => books.refresh(s, reason),
    close: () => books.close(),
  };
}

/**
 * What {@link attachOrderBooks} needs from a stream handle: `client.openStreams(...)` fits, and so does any emitter
 * with these events.
 */
export interface DepthStreamSource {
  on(event: 'depthDiff', listener: (event: DepthDiffEvent) => void): unknown;
  on(event: 'disconnected' | 'reconnected', listener: (event: { streams: string[] }) => void): unknown;
  off(event: 'depthDiff', listener: (event: DepthDiffEvent) => void): unknown;
  off(event: 'disconnected' | 'reconnected', listener: (event: { streams: string[] }) => void): unknown;
}

const DIFF_DEPTH_STREAM = /^([A-Za-z0-9]+)@depth(?:@\d+ms)?$/;

/** Uppercase symbols of the diff-depth streams among `streams` (partial-depth and other streams are skipped). */
export function symbolsOfDepthStreams(streams: readonly string[]): string[] {
  return streams.flatMap((name) => {
    const match = DIFF_DEPTH_STREAM.exec(name);
    return match ? [(match[1] as string).toUpperCase()] : [];
  });
}

/**
 * Wires a stream handle to order books: every `depthDiff` goes to `handle`, and a `disconnected`/`reconnected`
 * of a connection marks the books of its `<symbol>@depth[@100ms]` streams stale and resyncs them.
 * Returns a function that detaches the listeners.
 * @example
 * const streams = client.openStreams(symbols.map((s) => `${s.toLowerCase()}@depth@100ms`));
 * const books = createOrderBooks({ client, symbols });
 * const detach = attachOrderBooks(streams, books);
 */
export function attachOrderBooks(source: DepthStreamSource, books: Pick<OrderBooks, 'handle' | 'onStreamDisconnected' | 'onStreamReconnected'>): () => void {
  const onDiff = (event: DepthDiffEvent): void => books.handle(event);
  const onDisconnected = (event: { streams: string[] }): void => books.onStreamDisconnected(symbolsOfDepthStreams(event.streams));
  const onReconnected = (event: { streams: string[] }): void => books.onStreamReconnected(symbolsOfDepthStreams(event.streams));
  source.on('depthDiff', onDiff);
  source.on('disconnected', onDisconnected);
  source.on('reconnected', onReconnected);
  return () => {
    source.off('depthDiff', onDiff);
    source.off('disconnected', onDisconnected);
    source.off('reconnected', onReconnected);
  };
}
