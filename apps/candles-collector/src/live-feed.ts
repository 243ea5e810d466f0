import { type KlineEvent, klineStream, type MarketStreams } from '@collector/binance-client';
import type { Candle, CandleSeries } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import type { CollectorContext } from './context.js';
import type { ExchangeClock } from './exchange-clock.js';
import { seriesId } from './progress.js';

/** One held stream update. */
interface HeldUpdate {
  kline: Candle<Decimal>;
  eventTime: number;
}

/**
 * Routes stream updates to the sink. A series whose history is still loading, or that is being repaired after a
 * reconnect, holds its updates until it goes live, then drains them in order: no gap, no overlap. Only the latest
 * update of each candle is held (a closed one is never replaced), so a long history costs one entry per candle,
 * not one per update.
 */
export class LiveRouter {
  /** Per series id, per open time. Maps keep insertion order, so candles drain oldest first. */
  private readonly held = new Map<string, Map<number, HeldUpdate>>();

  constructor(private readonly ctx: CollectorContext) {}

  /** Updates of this series wait until {@link release}. */
  hold(key: CandleSeries): void {
    if (!this.held.has(seriesId(key))) this.held.set(seriesId(key), new Map());
  }

  /** Forgets the held updates of a series no longer collected here. */
  drop(key: CandleSeries): void {
    this.held.delete(seriesId(key));
  }

  /** Sends the held updates of the series to the sink, then lets new ones through. */
  release(key: CandleSeries): void {
    const buffer = this.held.get(seriesId(key));
    this.held.delete(seriesId(key));
    for (const { kline, eventTime } of buffer?.values() ?? []) this.ctx.sink.offer(kline, eventTime);
  }

  route(event: KlineEvent): void {
    const { kline } = event;
    const buffer = this.held.get(seriesId(kline));
    if (!buffer) {
      this.ctx.sink.offer(kline, event.eventTime);
      return;
    }
    if (buffer.get(kline.openTime)?.kline.isClosed && !kline.isClosed) return;
    buffer.set(kline.openTime, { kline, eventTime: event.eventTime });
  }
}

/** Stream mode: the kline streams of the series collected now, on shared connections. */
export interface StreamFeed {
  /** True while every connection is up. */
  connected(): boolean;
  /** Subscribes the series' streams; resolves once the exchange acknowledged them. */
  add(keys: readonly CandleSeries[]): Promise<void>;
  /** Unsubscribes the series' streams. */
  remove(keys: readonly CandleSeries[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the stream connections (series are added as they start: the hand-over needs their updates from before the
 * history ends) and wires drops to repairs: after a reconnect each affected series is held, its missed window
 * fetched over REST, and only then released.
 */
export async function openStreamFeed(ctx: CollectorContext, router: LiveRouter, clock: ExchangeClock, repair: (key: CandleSeries) => Promise<void>): Promise<StreamFeed> {
  const byStream = new Map<string, CandleSeries>();
  const streams: MarketStreams = ctx.client.openStreams({ streams: [] });
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
  return {
    connected: () => down.size === 0,
    async add(keys) {
      const names = keys.map((key) => klineStream(key.symbol, key.interval));
      keys.forEach((key, i) => byStream.set(names[i] as string, key));
      await streams.subscribe(names);
      ctx.logger.info({ added: names.length, streams: byStream.size }, 'kline streams open');
    },
    async remove(keys) {
      const names = keys.map((key) => klineStream(key.symbol, key.interval));
      for (const name of names) byStream.delete(name);
      await streams.unsubscribe(names);
    },
    close: () => streams.close(),
  };
}
