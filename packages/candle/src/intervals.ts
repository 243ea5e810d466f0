import { CandleError } from './errors.js';

/** The 16 kline intervals Binance accepts, shortest first (case-sensitive: `1m` minute, `1M` month). */
export const CANDLE_INTERVALS = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
] as const;

/** One of {@link CANDLE_INTERVALS}. */
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** An interval with a fixed length in milliseconds: every one but `1M`. */
export type FixedCandleInterval = Exclude<CandleInterval, '1M'>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Length in milliseconds of each fixed-length interval. `1M` (a calendar month) has none. */
export const INTERVAL_MS: Readonly<Record<FixedCandleInterval, number>> = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
};

const INTERVAL_SET: ReadonlySet<string> = new Set(CANDLE_INTERVALS);

// The epoch was a Thursday; Binance's weekly candles open on Monday 00:00 UTC. Its 3d candles count from the epoch.
const WEEK_OFFSET_MS = 4 * DAY;

/** True when `value` is one of the 16 Binance intervals. */
export function isCandleInterval(value: unknown): value is CandleInterval {
  return typeof value === 'string' && INTERVAL_SET.has(value);
}

/** @throws {CandleError} INVALID_INTERVAL when `value` is not one of the 16 Binance intervals. */
export function assertCandleInterval(value: unknown): asserts value is CandleInterval {
  if (!isCandleInterval(value)) {
    throw new CandleError('INVALID_INTERVAL', `invalid interval ${JSON.stringify(value)}; expected one of ${CANDLE_INTERVALS.join(' ')}`);
  }
}

/**
 * Length of `interval` in milliseconds.
 * @throws {CandleError} NO_FIXED_LENGTH for `1M`, INVALID_INTERVAL for anything that is not an interval.
 */
export function intervalMs(interval: CandleInterval): number {
  if (interval === '1M') throw new CandleError('NO_FIXED_LENGTH', 'interval 1M (a calendar month) has no fixed length');
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) assertCandleInterval(interval);
  return ms;
}

function checkTime(time: number, what: string): void {
  if (!Number.isSafeInteger(time)) throw new CandleError('INVALID_TIME', `${what} must be an integer epoch ms, got ${String(time)}`);
}

function monthStart(time: number, monthsAhead: number): number {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + monthsAhead, 1);
}

/** Open time (epoch ms) of the candle of `interval` that contains `time`. */
export function candleOpenAt(interval: CandleInterval, time: number): number {
  checkTime(time, 'time');
  if (interval === '1M') return monthStart(time, 0);
  const ms = intervalMs(interval);
  const offset = interval === '1w' ? WEEK_OFFSET_MS : 0;
  return Math.floor((time - offset) / ms) * ms + offset;
}

/** True when `time` is the open time of a candle of `interval`. */
export function isCandleOpen(interval: CandleInterval, time: number): boolean {
  return Number.isSafeInteger(time) && candleOpenAt(interval, time) === time;
}

/** Open time of the candle after the one that opens at `openTime`. */
export function nextCandleOpen(interval: CandleInterval, openTime: number): number {
  checkTime(openTime, 'openTime');
  return interval === '1M' ? monthStart(openTime, 1) : openTime + intervalMs(interval);
}

/** Open time of the candle before the one that opens at `openTime`. */
export function previousCandleOpen(interval: CandleInterval, openTime: number): number {
  checkTime(openTime, 'openTime');
  return interval === '1M' ? monthStart(openTime, -1) : openTime - intervalMs(interval);
}

/** Close time Binance gives the candle that opens at `openTime`: the last millisecond before the next one opens. */
export function candleCloseTime(interval: CandleInterval, openTime: number): number {
  return nextCandleOpen(interval, openTime) - 1;
}

/** Open time of the first candle that opens at or after `time`. */
export function firstCandleOpenFrom(interval: CandleInterval, time: number): number {
  const open = candleOpenAt(interval, time);
  return open === time ? open : nextCandleOpen(interval, open);
}

/** Number of candles with open times in [from, to], both open times of `interval`; 0 when `to < from`. */
export function candlesBetween(interval: CandleInterval, from: number, to: number): number {
  checkTime(from, 'from');
  checkTime(to, 'to');
  if (to < from) return 0;
  if (interval !== '1M') return Math.floor((to - from) / intervalMs(interval)) + 1;
  const a = new Date(from);
  const b = new Date(to);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() + 1;
}
