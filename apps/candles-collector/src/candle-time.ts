import { INTERVAL_MS } from '@collector/store';

// The epoch was a Thursday; Binance's weekly candles open on Monday 00:00 UTC.
const WEEK_OFFSET_MS = 4 * 86_400_000;

function fixedLength(interval: string): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) throw new RangeError(`no fixed length for interval ${interval}`);
  return ms;
}

/** Open time of the candle of `interval` that contains `time`. */
export function candleOpenAt(interval: string, time: number): number {
  if (interval === '1M') {
    const date = new Date(time);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  }
  const ms = fixedLength(interval);
  const offset = interval === '1w' ? WEEK_OFFSET_MS : 0;
  return Math.floor((time - offset) / ms) * ms + offset;
}

/** Open time of the candle after the one that opens at `openTime`. */
export function nextCandleOpen(interval: string, openTime: number): number {
  if (interval === '1M') {
    const date = new Date(openTime);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }
  return openTime + fixedLength(interval);
}

/** Open time of the candle before the one that opens at `openTime`. */
export function previousCandleOpen(interval: string, openTime: number): number {
  if (interval === '1M') {
    const date = new Date(openTime);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1);
  }
  return openTime - fixedLength(interval);
}

/** Open time of the first candle that opens at or after `time`. */
export function firstCandleOpenFrom(interval: string, time: number): number {
  const open = candleOpenAt(interval, time);
  return open === time ? open : nextCandleOpen(interval, open);
}

/** Number of candles with open times in [from, to], both on the interval's grid. */
export function candlesBetween(interval: string, from: number, to: number): number {
  if (to < from) return 0;
  if (interval !== '1M') return (to - from) / fixedLength(interval) + 1;
  const a = new Date(from);
  const b = new Date(to);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() + 1;
}
