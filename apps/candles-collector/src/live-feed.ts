import type { Kline, KlineEvent, MarketStreams } from '@collector/binance-client';
import type { CollectorContext } from './context.js';
import type { ExchangeClock } from './exchange-clock.js';
import { seriesId, type SeriesKey } from './progress.js';

/** `btcusdt@kline_1m`. */
export function klineStreamName(key: SeriesKey): string {
  return `${key.symbol.toLowerCase()}@kline_${key.interval}`;
}

/**
 * Routes stream updates to the sink. A series whose history is still loading, or that is being repaired after a
 * reconnect, holds its updates in a buffer that drains, in order, when it goes live: no gap, no overlap.
 */
export class LiveRouter {
  private readonly held = new Map<string, { kline: Kline; eventTime: number }[]>();

  constructor(private readonly ctx: CollectorContext) {}

  /** Updates of this series wait until {@link release}. */
  hold(key: SeriesKey): void {
    if (!this.held.has(seriesId(key))) this.held.set(seriesId(key), []);
  }

  /** Sends the held updates of the series to the sink, then lets new ones through. */
  release(key: SeriesKey): void {
    const buffer = this.held.get(seriesId(key));
    this.held.delete(seriesId(key));
    for (const { kline, eventTime } of buffer ?? []) this.ctx.sink.offer(kline, eventTime);
  }

  route(event: KlineEvent): void {
    const buffer = this.held.get(seriesId(event.kline));
    if (buffer) buffer.push({ kline: event.kline, eventTime: event.eventTime });
    else this.ctx.sink.offer(event.kline, event.eventTime);
  }
}

/** Stream mode: kline streams of every series on shared connections. */
export interface StreamFeed {
  /** True while every connection is up. */
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Opens the kline streams first (the hand-over needs their updates from before the history ends) and wires
 * drops to repairs: after a reconnect each affected series is held, its missed window fetched over REST, and
 * only then released.
 */
export async function openStreamFeed(
  ctx: CollectorContext,
  keys: readonly SeriesKey[],
  router: LiveRouter,
  clock: ExchangeClock,
  repair: (key: SeriesKey) => Promise<void>,
): Promise<StreamFeed> {
  const byStream = new Map(keys.map((key) => [klineStreamName(key), key]));
  const streams: MarketStreams = ctx.client.openStreams({ streams: [...byStream.keys()] });
  const down = new Set<number>();
  streams.on('kline', (event) => {
    clock.observe(event.eventTime, event.receivedAt);
    router.route(event);
  });
  streams.on('disconnected', (event) => {
    down.add(event.connectionId);
    ctx.logger.warn({ connectionId: event.connectionId, streams: event.streams.length, reason: event.reason }, 'stream connection lost');
  });
  streams.on('reconnected', (event) => {
    down.delete(event.connectionId);
    ctx.metrics.reconnects.inc();
    ctx.logger.info({ connectionId: event.connectionId, missedMs: event.missedTo - event.missedFrom }, 'stream connection back; repairing the missed window');
    for (const name of event.streams) {
      const key = byStream.get(name);
      if (key === undefined || !ctx.progress.has(seriesId(key))) continue;
      router.hold(key);
      repair(key)
        .catch((error: unknown) => ctx.logger.error({ err: error, ...key }, 'repair after reconnect failed; the periodic catch-up retries'))
        .finally(() => router.release(key));
    }
  });
  streams.on('error', (error) => ctx.logger.warn({ err: error }, 'stream error'));
  await streams.ready();
  ctx.logger.info({ streams: byStream.size }, 'kline streams open');
  return { connected: () => down.size === 0, close: () => streams.close() };
}

/**
 * Poll mode, the fallback: the last two candles of every series every `REALTIME_INTERVAL`, through the client's
 * weight budget (with many series the budget, not the interval, sets the pace).
 */
export function startPollFeed(ctx: CollectorContext, keys: readonly SeriesKey[]): { close(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !ctx.signal.aborted) {
      const started = Date.now();
      await Promise.all(
        keys.map(async (key) => {
          try {
            const rows = await ctx.client.klines({ symbol: key.symbol, interval: key.interval as Kline['interval'], limit: 2 });
            for (const kline of rows) ctx.sink.offer(kline);
          } catch (error) {
            if (!stopped) ctx.logger.warn({ err: error, ...key }, 'poll failed');
          }
        }),
      );
      const wait = ctx.config.realtimeIntervalMs - (Date.now() - started);
      if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    async close() {
      stopped = true;
      // A poll may be waiting for weight; shutdown does not wait for it.
      await Promise.race([loop, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}
