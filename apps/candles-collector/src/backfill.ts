import { type CandleSeries, candleOpenAt, candlesBetween, firstCandleOpenFrom, nextCandleOpen, previousCandleOpen } from '@collector/candle';
import { writeProgress } from './candle-sink.js';
import type { CollectorContext } from './context.js';
import { holesInPage } from './holes.js';
import { SeriesProgress, stateStream } from './progress.js';
import { readAhead } from './read-ahead.js';
import { recordExchangeGaps } from './repair.js';
import { untilDone } from './retry.js';

/** How often one series logs its progress during the historical phase. */
const PROGRESS_LOG_INTERVAL_MS = 5_000;
/** Pages fetched while the current ones are being stored. */
const PAGES_AHEAD = 4;
/** Candles committed per transaction: fewer round trips and commits, still a bounded amount to redo after a kill. */
const COMMIT_CANDLES = 4000;

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
 * The historical phase of one series: pages of closed candles from where it stands up to `endTime` (exclusive)
 * or up to the still-open candle. Each page and the state that covers it are committed in one transaction, so
 * a kill at any moment resumes exactly where the data ends.
 */
export async function backfillSeries(ctx: CollectorContext, series: SeriesProgress, endTime: number | undefined): Promise<number> {
  const { symbol, interval } = series.key;
  const from = nextCandleOpen(interval, series.contiguousUntil);
  const to = endTime === undefined ? ctx.now() : endTime - 1;
  if (from > to) return 0;
  const lastWanted = candleOpenAt(interval, to);
  const total = candlesBetween(interval, from, lastWanted);
  const log = ctx.logger.child({ symbol, interval });
  log.info({ from: new Date(from).toISOString(), candles: total }, 'historical phase started');
  const startedAt = Date.now();
  let lastLogAt = startedAt;
  let done = 0;
  let expected = from;
  const remaining = ctx.metrics.backfillRemaining.labels({ symbol, interval });
  remaining.set(total);
  // Text, not Decimals: history is only stored, and PostgreSQL reads the exchange text exactly.
  const pages = ctx.client.klinesRangeText({ symbol, interval, from, to, limit: ctx.config.batchSize });
  for await (const page of mergePages(readAhead(pages, PAGES_AHEAD), COMMIT_CANDLES)) {
    if (ctx.signal.aborted) break;
    const last = page[page.length - 1];
    if (last === undefined) continue;
    const { holes, next } = holesInPage(interval, expected, page.map((k) => k.openTime));
    // Gaps first: the state committed with the page steps over them, so they must already be on record.
    await recordExchangeGaps(ctx, series, holes);
    await untilDone(() => ctx.store.commitCandles({ candles: page, states: [{ symbol, stream: stateStream(interval), lastTimestamp: last.openTime }] }), {
      what: 'page commit',
      retryDelayMs: ctx.config.retryDelayMs,
      signal: ctx.signal,
      logger: log,
      onFailure: () => ctx.metrics.writeFailures.inc(),
    });
    ctx.metrics.candlesWritten.inc({ symbol, interval }, page.length);
    series.markKnownGap(expected, last.openTime);
    expected = next;
    done += page.length + holes.reduce((sum, h) => sum + candlesBetween(interval, h.from, h.to), 0);
    remaining.set(Math.max(0, total - done));
    const now = Date.now();
    if (now - lastLogAt >= PROGRESS_LOG_INTERVAL_MS) {
      lastLogAt = now;
      const rate = (done * 1000) / Math.max(1, now - startedAt);
      log.info({ percent: Number(((done / total) * 100).toFixed(1)), candlesPerSecond: Math.round(rate), etaSeconds: Math.round((total - done) / Math.max(rate, 1e-9)) }, 'historical progress');
    }
  }
  if (endTime !== undefined && !ctx.signal.aborted && expected <= lastWanted) {
    // A finished range at the exchange: what it did not return up to END_DATE, it does not have.
    await recordExchangeGaps(ctx, series, [{ from: expected, to: lastWanted }]);
    await writeProgress(ctx.store, series, { ...ctx.config, signal: ctx.signal, logger: log, metrics: ctx.metrics });
  }
  remaining.set(0);
  const seconds = (Date.now() - startedAt) / 1000;
  log.info({ candles: done, seconds: Number(seconds.toFixed(1)), candlesPerSecond: Math.round(done / Math.max(seconds, 1e-3)) }, 'historical phase done');
  return done;
}

/** Concatenates consecutive pages until they hold at least `minCandles` (or the source ends). */
async function* mergePages<T>(pages: AsyncIterable<T[]>, minCandles: number): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  for await (const page of pages) {
    batch = batch.length === 0 ? page : batch.concat(page);
    if (batch.length >= minCandles) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
