import type { Kline } from '@collector/binance-client';
import type { Publisher } from '@collector/pubsub';
import type { Logger } from '@collector/service-kit';
import type { Store } from '@collector/store';
import type { CollectorContext } from './context.js';
import type { CandlesMetrics } from './metrics.js';
import { type SeriesProgress, seriesId, stateStream } from './progress.js';
import { untilDone } from './retry.js';

/** Rows per upsert statement batch; bounds memory when the database was away for a while. */
const MAX_BATCH = 5000;

interface PendingUpdate {
  kline: Kline;
  /** Exchange event time of a stream update; absent for REST. */
  eventTime: number | undefined;
}

/** Options of {@link CandleSink}: the collector's shared parts it writes with. */
export type CandleSinkOptions = Pick<CollectorContext, 'store' | 'metrics' | 'logger' | 'signal' | 'progress' | 'now'> & {
  publisher: Publisher | undefined;
  retryDelayMs: number;
};

/**
 * The one live write path: updates are upserted in batches, closed candles advance the state of their series
 * when the prefix is complete, then every written update is published. While a write is in flight new updates
 * collect, so batches grow with load and a database outage costs memory per candle, not per update.
 */
export class CandleSink {
  private pending = new Map<string, PendingUpdate>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: CandleSinkOptions) {}

  /** Queues an update; the latest version of a candle wins, and a closed version is never replaced by an open one. */
  offer(kline: Kline, eventTime?: number): void {
    const id = `${kline.symbol}|${kline.interval}|${kline.openTime}`;
    const existing = this.pending.get(id);
    if (existing?.kline.isClosed && !kline.isClosed) return;
    this.pending.set(id, { kline, eventTime });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once everything offered before the call is written (or the sink is aborted). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Let the offers of the current tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.size > 0) {
      const batch: PendingUpdate[] = [];
      for (const [id, update] of this.pending) {
        batch.push(update);
        this.pending.delete(id);
        if (batch.length === MAX_BATCH) break;
      }
      try {
        await this.write(batch);
      } catch (error) {
        // Only shutdown ends the retries: keep what was not written for the final flush.
        for (const update of batch) this.pending.set(`${update.kline.symbol}|${update.kline.interval}|${update.kline.openTime}`, update);
        this.options.logger.error({ err: error, pending: this.pending.size }, 'candle write abandoned at shutdown');
        return;
      }
    }
  }

  private async write(batch: PendingUpdate[]): Promise<void> {
    const { store, metrics, logger, retryDelayMs, signal, progress } = this.options;
    await untilDone(() => store.upsertCandles(batch.map((u) => u.kline)), {
      what: 'candle upsert',
      retryDelayMs,
      signal,
      logger,
      onFailure: () => metrics.writeFailures.inc(),
    });
    const advanced = new Set<SeriesProgress>();
    const now = this.options.now();
    for (const { kline, eventTime } of batch) {
      metrics.candlesWritten.inc({ symbol: kline.symbol, interval: kline.interval });
      if (eventTime !== undefined) metrics.lagSeconds.set({ symbol: kline.symbol, interval: kline.interval }, Math.max(0, now - eventTime) / 1000);
      if (!kline.isClosed) continue;
      const series = progress.get(seriesId(kline));
      if (series?.markClosed(kline.openTime)) advanced.add(series);
    }
    for (const series of advanced) await writeProgress(store, series, this.options);
    this.publish(batch);
  }

  private publish(batch: PendingUpdate[]): void {
    const { publisher, metrics, logger } = this.options;
    if (!publisher) return;
    for (const { kline, eventTime } of batch) {
      try {
        publisher.publishCandle(eventTime === undefined ? kline : { ...kline, eventTime });
        metrics.updatesPublished.inc({ symbol: kline.symbol, interval: kline.interval });
      } catch (error) {
        logger.error({ err: error, symbol: kline.symbol }, 'candle not publishable');
      }
    }
  }
}

/** Writes a series' complete prefix to `collector_state`, retrying like any other write. */
export async function writeProgress(
  store: Store,
  series: SeriesProgress,
  options: { retryDelayMs: number; signal: AbortSignal; logger: Logger; metrics: CandlesMetrics },
  extra: { isRealtime?: boolean } = {},
): Promise<void> {
  await untilDone(
    () => store.setState({ symbol: series.key.symbol, stream: stateStream(series.key.interval), lastTimestamp: series.contiguousUntil, ...extra }),
    { what: 'state write', retryDelayMs: options.retryDelayMs, signal: options.signal, logger: options.logger, onFailure: () => options.metrics.writeFailures.inc() },
  );
}

