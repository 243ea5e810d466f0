import type { Candle, CandleUpdate } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import type { Publisher } from '@collector/pubsub';
import type { Logger } from '@collector/service-kit';
import type { CollectorStateInput, Store } from '@collector/store';
import type { CollectorContext } from './context.js';
import type { CandlesMetrics } from './metrics.js';
import { type SeriesProgress, seriesId, stateStream } from './progress.js';
import { untilDone } from './retry.js';

/** Candles per commit; bounds memory when the database was away for a while (the store's chunk size). */
const MAX_BATCH = 5000;

/** Options of {@link CandleSink}: the collector's shared parts it writes with. */
export type CandleSinkOptions = Pick<CollectorContext, 'store' | 'metrics' | 'logger' | 'signal' | 'progress' | 'now'> & {
  publisher: Publisher | undefined;
  retryDelayMs: number;
};

const candleId = (c: Candle<Decimal>): string => `${c.symbol}|${c.interval}|${c.openTime}`;

/**
 * The one live write path, for open and closed candles alike. A batch is one commit: every candle of the batch
 * and the state row of every series whose complete prefix grew, in one statement (one round trip, however many
 * series). Only then is the batch published, in one pipelined send: a subscriber that receives a final candle can
 * read it from `candles` at once. While a commit is in flight new updates collect, so batches grow with load and
 * a database outage costs memory per candle, not per update.
 */
export class CandleSink {
  private pending = new Map<string, CandleUpdate<Decimal>>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: CandleSinkOptions) {}

  /**
   * Queues an update (`eventTime`: the stream's `E`, absent for REST); the latest version of a candle wins, and a
   * closed version is never replaced by an open one.
   */
  offer(kline: Candle<Decimal>, eventTime?: number): void {
    const id = candleId(kline);
    if (this.pending.get(id)?.isClosed && !kline.isClosed) return;
    this.pending.set(id, eventTime === undefined ? kline : { ...kline, eventTime });
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
      const batch: CandleUpdate<Decimal>[] = [];
      for (const [id, update] of this.pending) {
        batch.push(update);
        this.pending.delete(id);
        if (batch.length === MAX_BATCH) break;
      }
      try {
        await this.write(batch);
      } catch (error) {
        // Only shutdown ends the retries: keep what was not written for the final flush.
        for (const update of batch) this.pending.set(candleId(update), update);
        this.options.logger.error({ err: error, pending: this.pending.size }, 'candle write abandoned at shutdown');
        return;
      }
    }
  }

  private async write(batch: CandleUpdate<Decimal>[]): Promise<void> {
    const { store, metrics, logger, retryDelayMs, signal } = this.options;
    const { states, advance } = this.progressOf(batch);
    await untilDone(() => store.commitCandles({ candles: batch, states }), {
      what: 'candle commit',
      retryDelayMs,
      signal,
      logger,
      onFailure: () => metrics.writeFailures.inc(),
    });
    // Stored: only now does the series' progress move, so no other state write can run ahead of the data.
    advance();
    const now = this.options.now();
    for (const { symbol, interval, eventTime } of batch) {
      metrics.candlesWritten.inc({ symbol, interval });
      if (eventTime !== undefined) metrics.lagSeconds.set({ symbol, interval }, Math.max(0, now - eventTime) / 1000);
    }
    this.publish(batch);
  }

  /** The state rows this batch completes, and how to record it in memory once it is stored. */
  private progressOf(batch: readonly CandleUpdate<Decimal>[]): { states: CollectorStateInput[]; advance: () => void } {
    const closedBySeries = new Map<SeriesProgress, Set<number>>();
    for (const candle of batch) {
      if (!candle.isClosed) continue;
      const series = this.options.progress.get(seriesId(candle));
      if (!series) continue;
      let closed = closedBySeries.get(series);
      if (!closed) closedBySeries.set(series, (closed = new Set()));
      closed.add(candle.openTime);
    }
    const states: CollectorStateInput[] = [];
    for (const [series, closed] of closedBySeries) {
      const reach = series.wouldReach(closed);
      if (reach > series.contiguousUntil) states.push({ symbol: series.key.symbol, stream: stateStream(series.key.interval), lastTimestamp: reach });
    }
    return {
      states,
      advance: () => {
        for (const [series, closed] of closedBySeries) for (const openTime of closed) series.markClosed(openTime);
      },
    };
  }

  private publish(batch: CandleUpdate<Decimal>[]): void {
    const { publisher, metrics, logger } = this.options;
    if (!publisher) return;
    try {
      publisher.publishCandles(batch);
    } catch (error) {
      // The store accepted every candle, and it checks more than the publisher does: this would be a bug.
      logger.error({ err: error, candles: batch.length }, 'candle batch not publishable');
      return;
    }
    for (const { symbol, interval } of batch) metrics.updatesPublished.inc({ symbol, interval });
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

