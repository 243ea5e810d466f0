import { describe, expect, it } from 'vitest';
import { candleOpenAt, candlesBetween, firstCandleOpenFrom, nextCandleOpen, previousCandleOpen } from './candle-time.js';

const T = Date.UTC(2025, 0, 15, 13, 47, 12, 345);

describe('candle time', () => {
  it('aligns every interval as Binance does', () => {
    expect(candleOpenAt('1m', T)).toBe(Date.UTC(2025, 0, 15, 13, 47));
    expect(candleOpenAt('4h', T)).toBe(Date.UTC(2025, 0, 15, 12));
    expect(candleOpenAt('1w', T)).toBe(Date.UTC(2025, 0, 13)); // a Monday
    expect(candleOpenAt('1M', T)).toBe(Date.UTC(2025, 0, 1));
    expect(nextCandleOpen('1M', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2025, 1, 1));
    expect(previousCandleOpen('1M', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2024, 11, 1));
    expect(firstCandleOpenFrom('1h', T)).toBe(Date.UTC(2025, 0, 15, 14));
    expect(firstCandleOpenFrom('1d', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2025, 0, 1));
  });

  it('counts candles in a range', () => {
    expect(candlesBetween('1m', Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 23, 59))).toBe(1440);
    expect(candlesBetween('1M', Date.UTC(2024, 10, 1), Date.UTC(2025, 1, 1))).toBe(4);
    expect(candlesBetween('1m', 10, 5)).toBe(0);
  });
});
