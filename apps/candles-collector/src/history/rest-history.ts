import { candlesBetween } from '@collector/candle';
import { writeProgress } from '../candle-sink.js';
import type { CollectorContext } from '../context.js';
import { holesInPage } from '../holes.js';
import { type SeriesProgress, stateStream } from '../progress.js';
import { readAhead } from '../read-ahead.js';
import { recordExchangeGaps } from '../repair.js';
import { untilDone } from '../retry.js';
import type { HistoryMeter } from './history-meter.js';

/** Pages fetched while the current ones are being stored. */
const PAGES_AHEAD = 4;
/** Candles committed per transaction: fewer round trips and commits, still a bounded amount to redo after a kill. */
const COMMIT_CANDLES = 4000;

/** Open times [from, to] (inclusive) of one series to read over REST. */
export interface RestHistoryRange {
  from: number;
  to: number;
  /** The range is over at the exchange (history before a later file, or END_DATE): what it lacks at the end is a gap. */
  tailIsFinal: boolean;
}

/**
 * History over REST: `klinesRange` pages of closed candles over [from, to]. Each page and the state that covers
 * it are committed in one transaction, so a kill at any moment resumes exactly where the data ends.
 */
export async function restHistory(ctx: CollectorContext, series: SeriesProgress, range: RestHistoryRange, meter: HistoryMeter): Promise<void> {
  const { symbol, interval } = series.key;
  meter.using('rest');
  const log = ctx.logger.child({ symbol, interval });
  let expected = range.from;
  // Text, not Decimals: history is only stored, and PostgreSQL reads the exchange text exactly.
  const pages = ctx.client.klinesRangeText({ symbol, interval, from: range.from, to: range.to, limit: ctx.config.batchSize });
  for await (const page of mergePages(readAhead(pages, PAGES_AHEAD), COMMIT_CANDLES)) {
    if (ctx.signal.aborted) return;
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
    meter.add(page.length + holes.reduce((sum, h) => sum + candlesBetween(interval, h.from, h.to), 0));
    expected = next;
  }
  if (range.tailIsFinal && !ctx.signal.aborted && expected <= range.to) {
    // A finished range at the exchange: what it did not return up to the end, it does not have.
    await recordExchangeGaps(ctx, series, [{ from: expected, to: range.to }]);
    await writeProgress(ctx.store, series, { ...ctx.config, signal: ctx.signal, logger: log, metrics: ctx.metrics });
    meter.add(candlesBetween(interval, expected, range.to));
  }
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
