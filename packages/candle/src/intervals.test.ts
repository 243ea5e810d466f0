import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CandleError } from './errors.js';
import {
  CANDLE_INTERVALS,
  candleCloseTime,
  candleOpenAt,
  candlesBetween,
  firstCandleOpenFrom,
  intervalMs,
  isCandleInterval,
  isCandleOpen,
  nextCandleOpen,
  previousCandleOpen,
} from './intervals.js';

const T = Date.UTC(2025, 0, 15, 13, 47, 12, 345);
// 2017-01-01 to 2040-01-01: the span a collector can meet.
const times = fc.integer({ min: Date.UTC(2017, 0, 1), max: Date.UTC(2040, 0, 1) });
const intervals = fc.constantFrom(...CANDLE_INTERVALS);

describe('interval arithmetic', () => {
  it('aligns every interval as Binance does', () => {
    expect(candleOpenAt('1s', T)).toBe(Date.UTC(2025, 0, 15, 13, 47, 12));
    expect(candleOpenAt('1m', T)).toBe(Date.UTC(2025, 0, 15, 13, 47));
    expect(candleOpenAt('4h', T)).toBe(Date.UTC(2025, 0, 15, 12));
    expect(candleOpenAt('1d', T)).toBe(Date.UTC(2025, 0, 15));
    expect(candleOpenAt('1w', T)).toBe(Date.UTC(2025, 0, 13)); // a Monday
    expect(new Date(candleOpenAt('1w', T)).getUTCDay()).toBe(1);
    expect(candleOpenAt('1M', T)).toBe(Date.UTC(2025, 0, 1));
    expect(nextCandleOpen('1M', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2025, 1, 1));
    expect(nextCandleOpen('1M', Date.UTC(2024, 11, 1))).toBe(Date.UTC(2025, 0, 1));
    expect(previousCandleOpen('1M', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2024, 11, 1));
    expect(firstCandleOpenFrom('1h', T)).toBe(Date.UTC(2025, 0, 15, 14));
    expect(firstCandleOpenFrom('1d', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2025, 0, 1));
  });

  it('gives the close time Binance sends', () => {
    expect(candleCloseTime('1m', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2025, 0, 1, 0, 0, 59, 999));
    expect(candleCloseTime('1M', Date.UTC(2024, 1, 1))).toBe(Date.UTC(2024, 2, 1) - 1); // a leap February
  });

  it('counts candles in a range', () => {
    expect(candlesBetween('1m', Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 23, 59))).toBe(1440);
    expect(candlesBetween('1M', Date.UTC(2024, 10, 1), Date.UTC(2025, 1, 1))).toBe(4);
    expect(candlesBetween('1m', 10, 5)).toBe(0);
  });

  it('knows its intervals', () => {
    expect(CANDLE_INTERVALS).toHaveLength(16);
    expect(isCandleInterval('1M')).toBe(true);
    expect(isCandleInterval('1mo')).toBe(false);
    expect(isCandleInterval(60)).toBe(false);
    expect(intervalMs('3d')).toBe(3 * 86_400_000);
  });

  it('refuses what it cannot answer with a typed error', () => {
    expect(() => intervalMs('1M')).toThrow(expect.objectContaining({ code: 'NO_FIXED_LENGTH' }));
    expect(() => candleOpenAt('2m' as never, T)).toThrow(expect.objectContaining({ code: 'INVALID_INTERVAL' }));
    expect(() => candleOpenAt('1m', 1.5)).toThrow(CandleError);
    expect(() => nextCandleOpen('1m', Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_TIME' }));
  });

  it('walks the grid consistently for every interval (property)', () => {
    fc.assert(
      fc.property(intervals, times, (interval, time) => {
        const open = candleOpenAt(interval, time);
        const next = nextCandleOpen(interval, open);
        expect(open).toBeLessThanOrEqual(time);
        expect(time).toBeLessThan(next);
        expect(isCandleOpen(interval, open)).toBe(true);
        expect(candleOpenAt(interval, next)).toBe(next);
        expect(previousCandleOpen(interval, next)).toBe(open);
        expect(candlesBetween(interval, open, next)).toBe(2);
        expect(firstCandleOpenFrom(interval, time)).toBe(open === time ? open : next);
      }),
    );
  });
});
