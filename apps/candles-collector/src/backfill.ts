import { type CandleSeries, candleOpenAt, candlesBetween, firstCandleOpenFrom, nextCandleOpen, previousCandleOpen } from '@collector/candle';
import type { CollectorContext } from './context.js';
import { archiveHistory } from './history/archive-history.js';
import { HistoryMeter } from './history/history-meter.js';
import { restHistory } from './history/rest-history.js';
import { SeriesProgress, stateStream } from './progress.js';
import { untilDone } from './retry.js';

/** Where a series resumes: its `collector_state` row, else the candle before START_DATE. */
export async function loadSeriesProgress(ctx: CollectorContext, key: CandleSeries): Promise<SeriesProgress> {
  const state = await untilDone(() => ctx.store.getState(key.symbol, stateStream(key.interval)), {
    what: 'state read',
    retryDelayMs: ctx.config.retryDelayMs,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  const beforeStart = previousCandleOpen(key.interval, firstCandleOpenFrom(key.interval, ctx.config.startTime));
  return new SeriesProgress(key, Math.max(state?.lastTimestamp ?? beforeStart, beforeStart));
}

/**
 * The historical phase of one series: closed candles from where it stands up to `endTime` (exclusive) or up to
 * the still-open candle, from Binance's archives where they have files (HISTORY_SOURCE auto or archive) and over
 * REST for the rest. Every write carries the state that covers it, so a kill at any moment resumes where the
 * data ends.
 */
export async function backfillSeries(ctx: CollectorContext, series: SeriesProgress, endTime: number | undefined): Promise<number> {
  const { symbol, interval } = series.key;
  const from = nextCandleOpen(interval, series.contiguousUntil);
  const to = candleOpenAt(interval, endTime === undefined ? ctx.now() : endTime - 1);
  if (from > to) return 0;
  const total = candlesBetween(interval, from, to);
  const log = ctx.logger.child({ symbol, interval });
  log.info({ from: new Date(from).toISOString(), candles: total, historySource: ctx.config.historySource }, 'historical phase started');
  const meter = new HistoryMeter(series.key, total, ctx.metrics, log);
  const range = { from, to, tailIsFinal: endTime !== undefined };
  if (ctx.archives === undefined) await restHistory(ctx, series, range, meter);
  else await archiveHistory(ctx, series, range, meter);
  return meter.finish();
}
