const MIN = 60_000;
const FIXED: Record<string, number> = {
  '1s': 1000, '1m': MIN, '3m': 3 * MIN, '5m': 5 * MIN, '15m': 15 * MIN, '30m': 30 * MIN,
  '1h': 60 * MIN, '2h': 120 * MIN, '4h': 240 * MIN, '6h': 360 * MIN, '8h': 480 * MIN, '12h': 720 * MIN,
  '1d': 1440 * MIN, '3d': 3 * 1440 * MIN, '1w': 7 * 1440 * MIN,
};
/** The epoch was a Thursday; weeks start on Monday 00:00 UTC. */
const WEEK_OFFSET = 4 * 1440 * MIN;

/** Every interval Binance serves, in Binance's order (1s … 1M). */
export const INTERVALS = [...Object.keys(FIXED), '1M'];

export function isInterval(s: string): boolean {
  return s === '1M' || s in FIXED;
}

/** Open time of the candle that contains t. */
export function alignOpen(interval: string, t: number): number {
  if (interval === '1M') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const ms = FIXED[interval] as number;
  const off = interval === '1w' ? WEEK_OFFSET : 0;
  return Math.floor((t - off) / ms) * ms + off;
}

/** Open time of the next candle. */
export function nextOpen(interval: string, open: number): number {
  if (interval === '1M') {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return open + (FIXED[interval] as number);
}

/** Open time of the previous candle. */
export function prevOpen(interval: string, open: number): number {
  if (interval === '1M') {
    const d = new Date(open);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  }
  return open - (FIXED[interval] as number);
}

/** Open time of the first candle with openTime >= t. */
export function ceilOpen(interval: string, t: number): number {
  const a = alignOpen(interval, t);
  return a === t ? a : nextOpen(interval, a);
}
