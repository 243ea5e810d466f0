import type { ArchiveCandles, ArchiveRestRange } from '@collector/binance-archive';
import { type CandleText, candlesBetween, nextCandleOpen, type PackedCandles, previousCandleOpen } from '@collector/candle';
import type { CollectorContext } from '../context.js';
import { type SeriesProgress, stateStream } from '../progress.js';
import { recordExchangeGaps } from '../repair.js';
import { untilDone } from '../retry.js';
import { confirmMissing, mergeByOpenTime } from './confirm-missing.js';
import type { HistoryMeter } from './history-meter.js';
import { restHistory } from './rest-history.js';

/** Open times [from, to] (inclusive) of one series' history, and whether the range is over at the exchange. */
export interface ArchiveHistoryRange {
  from: number;
  to: number;
  tailIsFinal: boolean;
}

/** HISTORY_SOURCE=archive and a file the plan has could not be used. */
export class ArchiveUnavailableError extends Error {
  override readonly name = 'ArchiveUnavailableError';
}

/**
 * History from Binance's archives where they have files, and over REST for the rest: the reader plans monthly and
 * daily files, downloads the next ones while this one is stored, and hands over whole verified files only. Each
 * file is loaded in one transaction with the state at its end (COPY when its range is empty), so a kill redoes at
 * most that file. REST ranges (today, unpublished days, missing or bad files) go the REST way, page by page.
 */
export async function archiveHistory(ctx: CollectorContext, series: SeriesProgress, range: ArchiveHistoryRange, meter: HistoryMeter): Promise<void> {
  const archives = ctx.archives;
  if (archives === undefined) throw new Error('archiveHistory needs the archive reader (HISTORY_SOURCE is rest)');
  const { symbol, interval } = series.key;
  const toExclusive = nextCandleOpen(interval, range.to);
  const items = archives.read({ symbol, interval, from: range.from, to: toExclusive, now: ctx.now(), signal: ctx.signal });
  for await (const item of items) {
    if (ctx.signal.aborted) return;
    if (item.source === 'archive') await storeFile(ctx, series, item, meter);
    else await restRange(ctx, series, item, { last: range.to, tailIsFinal: item.to < toExclusive || range.tailIsFinal }, meter);
  }
}

async function restRange(ctx: CollectorContext, series: SeriesProgress, item: ArchiveRestRange, end: { last: number; tailIsFinal: boolean }, meter: HistoryMeter): Promise<void> {
  const { symbol, interval } = series.key;
  if (item.fallbacks.length > 0) {
    const files = item.fallbacks.map((f) => ({ file: f.file.name, outcome: f.outcome, ...(f.error ? { code: f.error.code } : {}) }));
    if (ctx.config.historySource === 'archive') {
      throw new ArchiveUnavailableError(`HISTORY_SOURCE=archive: ${files.map((f) => `${f.file} ${f.outcome}`).join(', ')}; trying again later`);
    }
    ctx.logger.warn({ symbol, interval, files }, 'archive files missing or bad; their range goes to REST');
  }
  const to = Math.min(previousCandleOpen(interval, item.to), end.last);
  if (to < item.from) return;
  await restHistory(ctx, series, { from: item.from, to, tailIsFinal: end.tailIsFinal }, meter);
}

async function storeFile(ctx: CollectorContext, series: SeriesProgress, item: ArchiveCandles, meter: HistoryMeter): Promise<void> {
  const { symbol, interval } = series.key;
  meter.using('archive');
  const last = previousCandleOpen(interval, item.to);
  // Packed as the reader parsed the file: objects only when REST adds candles to merge in (a truncated file).
  let candles: PackedCandles | CandleText[] = item.candles;
  if (item.missing.length > 0) {
    // Truncated files have been published: only what REST lacks too is an exchange gap.
    const confirmed = await untilDone(() => confirmMissing(ctx, series.key, item.missing), {
      what: `REST check of the candles ${item.file.name} lacks`,
      retryDelayMs: ctx.config.retryDelayMs,
      signal: ctx.signal,
      logger: ctx.logger,
    });
    if (confirmed.found.length > 0) {
      ctx.logger.warn({ symbol, interval, file: item.file.name, found: confirmed.found.length }, 'archive file lacks candles REST has; storing them with it');
      ctx.metrics.repairs.inc({ symbol, interval, reason: 'archive-missing' }, confirmed.found.length);
    }
    if (confirmed.found.length > 0) candles = mergeByOpenTime(item.candles.toArray(), confirmed.found);
    // Gaps first: the state loaded with the file steps over them, so they must already be on record.
    await recordExchangeGaps(ctx, series, confirmed.holes);
  }
  await untilDone(() => ctx.store.loadCandles({ candles, states: [{ symbol, stream: stateStream(interval), lastTimestamp: last }] }), {
    what: `load of ${item.file.name}`,
    retryDelayMs: ctx.config.retryDelayMs,
    signal: ctx.signal,
    logger: ctx.logger,
    onFailure: () => ctx.metrics.writeFailures.inc(),
  });
  ctx.metrics.candlesWritten.inc({ symbol, interval }, candles.length);
  series.markKnownGap(item.from, last);
  meter.add(candlesBetween(interval, item.from, last));
}
