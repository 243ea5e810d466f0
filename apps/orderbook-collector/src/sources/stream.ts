import {
  type BinanceClient,
  type MarketStreams,
  type PartialDepthEvent,
  type PartialDepthFrame,
  partialDepthStream,
  type PartialDepthLevels,
  ResponseFormatError,
} from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import type { StreamSpeedMs } from '../config.js';
import { type Clock, GRID_STREAM_OPTIONS, nextGridTime } from '../grid.js';
import type { BookRead, BookSource, SourceHooks } from './types.js';

/**
 * A push is fresh for at least this long after it arrived, by push period: 2.5 periods of `@depth<N>@100ms` on short
 * grids, 1.5 periods of `@depth<N>` (1000 ms), so the jitter of a push that is due does not skip a grid time.
 */
export const MIN_STREAM_STALE_MS: Readonly<Record<StreamSpeedMs, number>> = { 100: 250, 1000: 1500 };
/**
 * A push that arrives within this many push periods before a grid time is parsed on arrival: it is most likely the one
 * that grid time reads, and parsed then, its parse is not on the path from the grid time to the publish. A little
 * over one period, so each symbol's last push before the grid time falls inside despite jitter.
 */
export const EAGER_PARSE_PERIODS = 1.25;
/** Refused frames are logged once, then once per this many, so a misbehaving server cannot flood the log. */
export const INVALID_FRAME_LOG_EVERY = 100;

/** Options of {@link createStreamSource}. */
export interface StreamSourceOptions {
  client: Pick<BinanceClient, 'openStreams'>;
  symbols: readonly string[];
  levels: PartialDepthLevels;
  intervalMs: number;
  /** Push period of the streams. @default 100 */
  speedMs?: StreamSpeedMs;
  hooks: SourceHooks;
  logger: Logger;
  clock?: Clock;
}

/**
 * Stream mode: the partial depth stream `<symbol>@depth<N>@100ms` (or `@depth<N>`, every 1000 ms) carries the whole
 * top N with its `lastUpdateId`,
 * so every push is a complete, in-sync book and nothing has to be kept in step.
 *
 * Stale: a symbol whose connection is down (from `disconnected` until its next event), or that received no push
 * since the previous grid tick (at least {@link MIN_STREAM_STALE_MS} ago, by the push period), is skipped:
 * the last push would otherwise be written again under a new timestamp as if it were fresh.
 *
 * Levels stay the exchange's text, checked by the client (decimal grammar, bids strictly descending, asks strictly
 * ascending, not crossed) without building a Decimal; a push that fails a check never replaces the last good one.
 *
 * Pushes arrive unparsed (`deferPartialDepth`): only a symbol's newest one is kept, and it is parsed and checked when
 * the book is read (at a grid time, or for `isLive`), or on arrival in the last {@link EAGER_PARSE_PERIODS} push
 * periods before a grid time. With 100 ms pushes on a 1 s grid, about seven pushes in eight are superseded unparsed;
 * a refused push is counted when it is parsed, so one that was superseded first is never counted.
 */
export function createStreamSource(options: StreamSourceOptions): BookSource {
  const { client, symbols, levels, intervalMs, hooks, logger } = options;
  const clock = options.clock ?? Date.now;
  const speedMs = options.speedMs ?? 100;
  const staleAfterMs = Math.max(intervalMs, MIN_STREAM_STALE_MS[speedMs]);
  const eagerMs = EAGER_PARSE_PERIODS * speedMs;
  const symbolOfStream = new Map(symbols.map((s) => [partialDepthStream(s, levels, speedMs), s]));
  /** The newest push of each symbol not parsed yet. */
  const unread = new Map<string, PartialDepthFrame>();
  /** The newest push of each symbol that passed the checks. */
  const latest = new Map<string, PartialDepthEvent>();
  const down = new Set<string>();
  let invalidFrames = 0;
  let streams: MarketStreams | undefined;

  const refused = (error: unknown): void => {
    if (!(error instanceof ResponseFormatError)) return void logger.warn({ err: error }, 'depth stream error');
    hooks.onInvalidFrame();
    invalidFrames++;
    if (invalidFrames % INVALID_FRAME_LOG_EVERY === 1) logger.warn({ err: error, invalidFrames }, 'depth frame refused; nothing of it is stored');
  };

  /** The symbol's newest good push, parsing the one that arrived since the last read. */
  const current = (symbol: string): PartialDepthEvent | undefined => {
    const frame = unread.get(symbol);
    if (frame !== undefined) {
      unread.delete(symbol);
      try {
        latest.set(symbol, frame.parse());
        // Only a good push received since the disconnect ends it (pushes from before were read at the disconnect).
        down.delete(symbol);
      } catch (error) {
        refused(error);
      }
    }
    return latest.get(symbol);
  };

  const readOne = (symbol: string, gridTime: number): BookRead => {
    const event = current(symbol);
    if (event === undefined) return { ok: false, reason: 'no_data' };
    if (down.has(symbol)) return { ok: false, reason: 'disconnected' };
    if (event.receivedAt < gridTime - staleAfterMs) return { ok: false, reason: 'stale' };
    return { ok: true, book: { lastUpdateId: event.lastUpdateId, eventTime: null, bids: event.bids.slice(0, levels), asks: event.asks.slice(0, levels) } };
  };

  return {
    mode: 'stream',
    async start() {
      streams = client.openStreams({ streams: [...symbolOfStream.keys()], deferPartialDepth: true, ...GRID_STREAM_OPTIONS });
      streams.on('partialDepthFrame', (frame) => {
        hooks.onPartialDepth();
        unread.set(frame.symbol, frame);
        const now = clock();
        const gridTime = nextGridTime(now, intervalMs);
        if (now < gridTime - eagerMs) return;
        const previous = latest.get(frame.symbol);
        const read = readOne(frame.symbol, gridTime);
        // Only a push that passed the checks is news: a refused one leaves the book, and its rendering, as they were.
        if (read.ok && latest.get(frame.symbol) !== previous) hooks.onBookAhead(frame.symbol, gridTime, read.book);
      });
      streams.on('disconnected', (event) => {
        logger.warn({ streams: event.streams.length, reason: event.reason }, 'depth stream disconnected');
        for (const stream of event.streams) {
          const symbol = symbolOfStream.get(stream);
          if (symbol === undefined) continue;
          // A push that arrived before the loss is read now, so it cannot end the outage later.
          current(symbol);
          down.add(symbol);
          hooks.onResync(symbol, 'disconnected');
        }
      });
      streams.on('reconnected', (event) => {
        logger.info({ streams: event.streams.length, missedMs: event.missedTo - event.missedFrom }, 'depth stream reconnected');
      });
      streams.on('error', refused);
    },
    async read(gridTime) {
      return new Map(symbols.map((s) => [s, readOne(s, gridTime)]));
    },
    isLive: (symbol) => readOne(symbol, clock()).ok,
    lastReceivedAt: (symbol) => current(symbol)?.receivedAt,
    async stop() {
      await streams?.close();
    },
  };
}
