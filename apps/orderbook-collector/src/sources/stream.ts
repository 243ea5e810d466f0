import {
  type BinanceClient,
  type MarketStreams,
  type PartialDepthEvent,
  partialDepthStream,
  type PartialDepthLevels,
  ResponseFormatError,
} from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import type { Clock } from '../grid.js';
import type { BookRead, BookSource, SourceHooks } from './types.js';

/** Binance pushes `@depth<N>@100ms` every 100 ms; a book is reused for at most this long on short grids. */
export const MIN_STREAM_STALE_MS = 250;
/** Refused frames are logged once, then once per this many, so a misbehaving server cannot flood the log. */
export const INVALID_FRAME_LOG_EVERY = 100;

/** Options of {@link createStreamSource}. */
export interface StreamSourceOptions {
  client: Pick<BinanceClient, 'openStreams'>;
  symbols: readonly string[];
  levels: PartialDepthLevels;
  intervalMs: number;
  hooks: SourceHooks;
  logger: Logger;
  clock?: Clock;
}

/**
 * Stream mode: the partial depth stream `<symbol>@depth<N>@100ms` carries the whole top N with its `lastUpdateId`,
 * so every push is a complete, in-sync book and nothing has to be kept in step.
 *
 * Stale: a symbol whose connection is down (from `disconnected` until its next event), or that received no push
 * since the previous grid tick (at least {@link MIN_STREAM_STALE_MS} ago, since pushes come every 100 ms), is skipped:
 * the last push would otherwise be written again under a new timestamp as if it were fresh.
 *
 * Levels stay the exchange's text, checked by the client (decimal grammar, bids strictly descending, asks strictly
 * ascending, not crossed) without building a Decimal; a push that fails a check never replaces the last good one.
 */
export function createStreamSource(options: StreamSourceOptions): BookSource {
  const { client, symbols, levels, intervalMs, hooks, logger } = options;
  const clock = options.clock ?? Date.now;
  const staleAfterMs = Math.max(intervalMs, MIN_STREAM_STALE_MS);
  const symbolOfStream = new Map(symbols.map((s) => [partialDepthStream(s, levels, 100), s]));
  const latest = new Map<string, PartialDepthEvent>();
  const down = new Set<string>();
  let invalidFrames = 0;
  let streams: MarketStreams | undefined;

  const readOne = (symbol: string, gridTime: number): BookRead => {
    const event = latest.get(symbol);
    if (event === undefined) return { ok: false, reason: 'no_data' };
    if (down.has(symbol)) return { ok: false, reason: 'disconnected' };
    if (event.receivedAt < gridTime - staleAfterMs) return { ok: false, reason: 'stale' };
    return { ok: true, book: { lastUpdateId: event.lastUpdateId, eventTime: null, bids: event.bids.slice(0, levels), asks: event.asks.slice(0, levels) } };
  };

  return {
    mode: 'stream',
    async start() {
      streams = client.openStreams({ streams: [...symbolOfStream.keys()] });
      streams.on('partialDepth', (event) => {
        latest.set(event.symbol, event);
        down.delete(event.symbol);
      });
      streams.on('disconnected', (event) => {
        logger.warn({ streams: event.streams.length, reason: event.reason }, 'depth stream disconnected');
        for (const stream of event.streams) {
          const symbol = symbolOfStream.get(stream);
          if (symbol === undefined) continue;
          down.add(symbol);
          hooks.onResync(symbol, 'disconnected');
        }
      });
      streams.on('reconnected', (event) => {
        logger.info({ streams: event.streams.length, missedMs: event.missedTo - event.missedFrom }, 'depth stream reconnected');
      });
      streams.on('error', (error) => {
        if (!(error instanceof ResponseFormatError)) return logger.warn({ err: error }, 'depth stream error');
        hooks.onInvalidFrame();
        invalidFrames++;
        if (invalidFrames % INVALID_FRAME_LOG_EVERY === 1) logger.warn({ err: error, invalidFrames }, 'depth frame refused; nothing of it is stored');
      });
    },
    async read(gridTime) {
      return new Map(symbols.map((s) => [s, readOne(s, gridTime)]));
    },
    isLive: (symbol) => readOne(symbol, clock()).ok,
    lastReceivedAt: (symbol) => latest.get(symbol)?.receivedAt,
    async stop() {
      await streams?.close();
    },
  };
}
