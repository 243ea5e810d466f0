import {
  attachOrderBooks,
  type BinanceClient,
  createOrderBooks,
  depthStream,
  type MarketStreams,
  type OrderBook,
  type OrderBooks,
} from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import { diffRefreshDepth, diffSnapshotLimit } from '../config.js';
import { GRID_STREAM_OPTIONS } from '../grid.js';
import type { BookRead, BookSource, SourceHooks } from './types.js';

/** Options of {@link createDiffSource}. */
export interface DiffSourceOptions {
  client: Pick<BinanceClient, 'openStreams' | 'depth'>;
  symbols: readonly string[];
  levels: number;
  retryDelayMs: number;
  /** Periodic check of each live book against a fresh snapshot, in ms; 0: off. */
  verifyIntervalMs: number;
  hooks: SourceHooks;
  logger: Logger;
}

/**
 * Diff mode: a local book per symbol kept by the client's `OrderBooks` from `<symbol>@depth@100ms` and REST snapshots
 * (Binance's documented procedure), so any depth up to 5000 levels can be stored.
 *
 * A book never runs out of known levels: its snapshot holds at least twice N levels (the cheapest weight tier
 * that does), and before the known depth on either side falls below N it takes a fresh snapshot while it stays
 * live (`refreshBelowDepth`, half way down the margin); grid ticks go on reading it meanwhile. Each live book is
 * also checked against a fresh snapshot every `verifyIntervalMs`. Refreshes queue with the syncs (4 at a time) and
 * wait for the client's shared weight budget.
 *
 * Skipped: a book that is not `live` (still syncing, or resyncing after a sequence gap, a disconnect or a
 * malformed event), and a live one that knows fewer than N exact levels on a side that the exchange may hold more
 * of (its refresh is late or refused: `stale`). A book is never stored short. A live book with no event since the
 * last tick is written: the diff stream is silent when nothing changes, and a dead connection is detected by the
 * client (no frame, not even a ping, for 30 s) and turns the books stale.
 */
export function createDiffSource(options: DiffSourceOptions): BookSource {
  const { client, symbols, levels, retryDelayMs, verifyIntervalMs, hooks, logger } = options;
  const lastReceived = new Map<string, number>();
  let streams: MarketStreams | undefined;
  let books: OrderBooks | undefined;
  let detach: (() => void) | undefined;

  /** Whether the book knows its top N levels on both sides (or the whole side, where the exchange has fewer). */
  const knowsTop = (book: OrderBook): boolean => {
    const depth = book.validDepth;
    return (depth.bids >= levels || book.knowsWholeSide('bids')) && (depth.asks >= levels || book.knowsWholeSide('asks'));
  };

  const readOne = (symbol: string): BookRead => {
    const book = books?.get(symbol);
    if (book === undefined || book.status === 'syncing') return { ok: false, reason: 'syncing' };
    if (book.status !== 'live') return { ok: false, reason: 'resyncing' };
    if (!knowsTop(book)) return { ok: false, reason: 'stale' };
    const top = book.top(levels);
    return { ok: true, book: { lastUpdateId: top.lastUpdateId as number, eventTime: top.lastEventTime ?? null, bids: top.bids, asks: top.asks } };
  };

  return {
    mode: 'diff',
    async start() {
      books = createOrderBooks({
        client,
        symbols,
        snapshotLimit: diffSnapshotLimit(levels),
        refreshBelowDepth: diffRefreshDepth(levels),
        verifyIntervalMs,
        // Several books sync at once on start; the client's weight limiter still paces them.
        maxConcurrentSnapshots: 4,
        retryDelayMs,
        logger: logger.child({ module: 'order-books' }),
      });
      books.on('resync', ({ symbol, reason }) => hooks.onResync(symbol, reason));
      books.on('refreshed', ({ symbol, reason }) => hooks.onRefresh(symbol, reason));
      books.on('refreshError', ({ symbol, reason }) => hooks.onRefreshFailed(symbol, reason));
      books.on('mismatch', ({ symbol }) => hooks.onMismatch(symbol));
      streams = client.openStreams({ streams: symbols.map((s) => depthStream(s, 100)), ...GRID_STREAM_OPTIONS });
      streams.on('depthDiff', (event) => lastReceived.set(event.symbol, event.receivedAt));
      streams.on('disconnected', (event) => logger.warn({ streams: event.streams.length, reason: event.reason }, 'depth stream disconnected'));
      streams.on('reconnected', (event) => {
        logger.info({ streams: event.streams.length, missedMs: event.missedTo - event.missedFrom }, 'depth stream reconnected');
      });
      streams.on('error', (error) => logger.warn({ err: error }, 'depth stream error'));
      detach = attachOrderBooks(streams, books);
    },
    async read() {
      return new Map(symbols.map((s) => [s, readOne(s)]));
    },
    isLive: (symbol) => {
      const book = books?.get(symbol);
      return book?.status === 'live' && knowsTop(book);
    },
    lastReceivedAt: (symbol) => lastReceived.get(symbol),
    async stop() {
      detach?.();
      books?.close();
      await streams?.close();
    },
  };
}
