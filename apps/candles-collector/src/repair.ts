import { candleOpenAt, nextCandleOpen, previousCandleOpen } from '@collector/candle';
import type { CollectorContext } from './context.js';
import { writeProgress } from './candle-sink.js';
import { holesInPage, type Hole } from './holes.js';
import type { SeriesProgress } from './progress.js';
import { untilDone } from './retry.js';

/** Why the exchange's silence over a range is recorded as final. */
export const EXCHANGE_GAP_REASON = 'exchange returned no candles for this range';

/**
 * Records holes as known exchange gaps (never fetched again) and lets the series' progress step over them.
 */
export async function recordExchangeGaps(ctx: CollectorContext, series: SeriesProgress, holes: Hole[]): Promise<void> {
  if (holes.length === 0) return;
  const { symbol, interval } = series.key;
  await untilDone(() => ctx.store.recordKnownGaps(holes.map((h) => ({ symbol, interval, from: h.from, to: h.to, reason: EXCHANGE_GAP_REASON }))), {
    what: 'known gap write',
    retryDelayMs: ctx.config.retryDelayMs,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  for (const hole of holes) {
    ctx.logger.warn({ symbol, interval, from: new Date(hole.from).toISOString(), to: new Date(hole.to).toISOString() }, 'exchange has no candles here; recorded as a known gap');
    series.markKnownGap(hole.from, hole.to);
  }
}

/**
 * Fetches the closed candles of [from, to] over REST and writes them through the sink, waiting until they are
 * stored. Holes followed by later candles are exchange gaps; a hole at the end is one only when `tailIsFinal`
 * (the range is known to be over at the exchange). Returns the number of candles fetched.
 */
export async function fetchClosedRange(
  ctx: CollectorContext,
  series: SeriesProgress,
  range: { from: number; to: number; tailIsFinal: boolean; reason: string },
): Promise<number> {
  const { symbol, interval } = series.key;
  let expected = range.from;
  let fetched = 0;
  for await (const page of ctx.client.klinesRange({ symbol, interval, from: range.from, to: range.to, limit: ctx.config.batchSize })) {
    if (ctx.signal.aborted) return fetched;
    const { holes, next } = holesInPage(interval, expected, page.map((k) => k.openTime));
    for (const kline of page) ctx.sink.offer(kline);
    await ctx.sink.flushed();
    await recordExchangeGaps(ctx, series, holes);
    expected = next;
    fetched += page.length;
    ctx.metrics.repairs.inc({ symbol, interval, reason: range.reason }, page.length);
  }
  if (range.tailIsFinal && expected <= range.to) await recordExchangeGaps(ctx, series, [{ from: expected, to: range.to }]);
  await writeProgress(ctx.store, series, { ...ctx.config, signal: ctx.signal, logger: ctx.logger, metrics: ctx.metrics });
  return fetched;
}

/**
 * Makes every candle that closed before `closedBefore` final in the table: whatever the stream has not
 * delivered (a drop, a late `x` flag, an outage) is fetched over REST.
 */
export async function catchUp(ctx: CollectorContext, series: SeriesProgress, closedBefore: number, reason: string): Promise<number> {
  const { interval } = series.key;
  const from = nextCandleOpen(interval, series.contiguousUntil);
  // The last candle whose close time (next open − 1) is before `closedBefore`.
  const containing = candleOpenAt(interval, closedBefore - 1);
  const to = nextCandleOpen(interval, containing) <= closedBefore ? containing : previousCandleOpen(interval, containing);
  if (to < from) return 0;
  return fetchClosedRange(ctx, series, { from, to, tailIsFinal: false, reason });
}
