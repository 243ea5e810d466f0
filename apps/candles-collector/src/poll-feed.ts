import { type BinanceClientOptions, ENDPOINT_WEIGHTS, MAX_KLINES_LIMIT } from '@collector/binance-client';
import { type CandleSeries, nextCandleOpen } from '@collector/candle';
import type { CollectorContext } from './context.js';
import { seriesId } from './progress.js';

/**
 * Share of the client's weight budget that poll rounds are paced to; the rest is left to what else the collector
 * asks (repairs, gap scans, symbol refreshes), so those do not have to wait for a window's end either.
 */
export const POLL_WEIGHT_SHARE = 0.8;

type WeightBudget = Required<Pick<BinanceClientOptions, 'weightLimitPerMinute' | 'weightSafety' | 'weightWindowMs'>>;

/**
 * How long one round over `seriesCount` series takes at least: `REALTIME_INTERVAL`, or longer when rounds that often
 * would spend more than {@link POLL_WEIGHT_SHARE} of the client's budget per weight window. The client's limiter on
 * its own lets rounds spend a window's budget in its first seconds and then holds every request until the window
 * ends: with 200 series the candles would then come in a burst of about 13 s once a minute and not at all for the
 * other 47 s. Paced, every series is polled at an even period all the time.
 */
export function pollRoundMs(seriesCount: number, realtimeIntervalMs: number, budget: WeightBudget): number {
  const roundWeight = seriesCount * ENDPOINT_WEIGHTS.klines;
  const weightPerWindow = Math.floor(budget.weightLimitPerMinute * budget.weightSafety) * POLL_WEIGHT_SHARE;
  return Math.max(realtimeIntervalMs, Math.ceil((roundWeight / weightPerWindow) * budget.weightWindowMs));
}

/**
 * Poll mode, the fallback: one round over every live series (as `keys` says at each round) every
 * {@link pollRoundMs}, through the client's weight budget. Each poll asks for the candles after the newest one the
 * sink has taken final (or after the stored complete prefix, when that is further) up to the open one: a klines
 * request weighs 2 whatever its limit, so a round that comes several candles later still brings every candle closed
 * since the last, and none waits for a repair.
 */
export function startPollFeed(ctx: CollectorContext, keys: () => readonly CandleSeries[]): { close(): Promise<void> } {
  let stopped = false;
  async function poll(key: CandleSeries): Promise<void> {
    const id = seriesId(key);
    const progress = ctx.progress.get(id);
    // Stopped since the round began (given up to another replica, or no longer selected).
    if (progress === undefined) return;
    const after = Math.max(progress.contiguousUntil, ctx.sink.newestFinal(id) ?? Number.NEGATIVE_INFINITY);
    const rows = await ctx.client.klines({ symbol: key.symbol, interval: key.interval, startTime: nextCandleOpen(key.interval, after), limit: MAX_KLINES_LIMIT });
    for (const kline of rows) ctx.sink.offer(kline);
  }
  const loop = (async () => {
    while (!stopped && !ctx.signal.aborted) {
      const started = Date.now();
      const round = keys();
      await Promise.all(
        round.map((key) =>
          poll(key).catch((error: unknown) => {
            if (!stopped) ctx.logger.warn({ err: error, ...key }, 'poll failed');
          }),
        ),
      );
      const wait = pollRoundMs(round.length, ctx.config.realtimeIntervalMs, ctx.client.options) - (Date.now() - started);
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
