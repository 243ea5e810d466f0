import {
  attachOrderBooks,
  type BinanceClient,
  createOrderBooks,
  depthStream,
  type MarketStreams,
  type OrderBooks,
} from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import { diffSnapshotLimit } from '../config.js';
import type { BookRead, BookSource, SourceHooks } from './types.js';

/** Options of {@link createDiffSource}. */
export interface DiffSourceOptions {
  client: Pick<BinanceClient, 'openStreams' | 'depth'>;
  symbols: readonly string[];
  levels: number;
  retryDelayMs: number;
  hooks: SourceHooks;
  logger: Logger;
}

/**
 * Diff mode: a local book per symbol kept by the client's `OrderBooks` from `<symbol>@depth@100ms` and REST snapshots
 * (Binance's documented procedure), so any depth up to 5000 levels can be stored.
 *
 * Stale: a book that is not `live` (still syncing, or resyncing after a sequence gap, a disconnect or a malformed
 * event) is skipped. A live book with no event since the last tick is not stale: the diff stream is silent when
 * nothing changes, and a dead connection is detected by the client (no frame, not even a ping, for 30 s) and turns
 * the books stale. Levels beyond what the snapshot covered are never written: when deletions near the touch leave
 * fewer than N known levels on a side, only the known ones are stored (`truncated`).
 */
export function createDiffSource(options: DiffSourceOptions): BookSource {
  const { client, symbols, levels, retryDelayMs, hooks, logger } = options;
  const lastReceived = new Map<string, number>();
  let streams: MarketStreams | undefined;
  let books: OrderBooks | undefined;
  let detach: (() => void) | undefined;

  const readOne = (symbol: string): BookRead => {
    const book = books?.get(symbol);
    if (book === undefined || book.status === 'syncing') return { ok: false, reason: 'syncing' };
    if (book.status !== 'live') return { ok: false, reason: 'resyncing' };
    const top = book.top(levels);
    const valid = book.validDepth;
    const bids = top.bids.length > valid.bids ? top.bids.slice(0, valid.bids) : top.bids;
    const asks = top.asks.length > valid.asks ? top.asks.slice(0, valid.asks) : top.asks;
    return {
      ok: true,
      book: {
        lastUpdateId: top.lastUpdateId as number,
        eventTime: top.lastEventTime ?? null,
        bids,
        asks,
        truncated: bids !== top.bids || asks !== top.asks,
      },
    };
  };

  return {
    mode: 'diff',
    async start() {
      books = createOrderBooks({
        client,
        symbols,
        snapshotLimit: diffSnapshotLimit(levels),
        // Several books sync at once on start; the client's weight limiter still paces them.
        maxConcurrentSnapshots: 4,
        retryDelayMs,
        logger: logger.child({ module: 'order-books' }),
      });
      books.on('resync', ({ symbol, reason }) => hooks.onResync(symbol, reason));
      streams = client.openStreams({ streams: symbols.map((s) => depthStream(s, 100)) });
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
    isLive: (symbol) => books?.get(symbol)?.status === 'live',
    lastReceivedAt: (symbol) => lastReceived.get(symbol),
    async stop() {
      detach?.();
      books?.close();
      await streams?.close();
    },
  };
}
