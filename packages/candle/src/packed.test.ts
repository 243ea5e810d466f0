import { describe, expect, it } from 'vitest';
import { CandleError } from './errors.js';
import { PackedCandles } from './packed.js';

const encoder = new TextEncoder();

/** Two candles whose eight decimals are the words of `line`, one after the other. */
function twoCandles(line: string): PackedCandles {
  const text = encoder.encode(line);
  const bounds: number[] = [];
  let start = 0;
  for (const word of line.split(' ')) {
    bounds.push(start, start + word.length);
    start += word.length + 1;
  }
  return new PackedCandles({
    symbol: 'BTCUSDT',
    interval: '1m',
    text,
    openTimes: Float64Array.of(0, 60_000),
    closeTimes: Float64Array.of(59_999, 119_999),
    trades: Float64Array.of(3, 4),
    decimalBounds: Uint32Array.from(bounds),
  });
}

describe('PackedCandles', () => {
  const packed = twoCandles('1.10 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16.000');

  it('reads candles back as objects, with the decimal text exactly as held', () => {
    expect(packed.length).toBe(2);
    expect(packed.at(0)).toEqual({
      symbol: 'BTCUSDT', interval: '1m', openTime: 0, closeTime: 59_999, open: '1.10', high: '2', low: '3', close: '4',
      volume: '5', quoteVolume: '6', takerBuyVolume: '7', takerBuyQuoteVolume: '8', trades: 3, isClosed: true,
    });
    expect(packed.at(-1)?.takerBuyQuoteVolume).toBe('16.000');
    expect(packed.at(2)).toBeUndefined();
    expect([...packed]).toEqual(packed.toArray());
    expect(packed.toArray().map((c) => c.openTime)).toEqual([0, 60_000]);
  });

  it('packs objects of one series and reads them back equal', () => {
    const candles = packed.toArray();
    expect(PackedCandles.from(candles).toArray()).toEqual(candles);
    expect(PackedCandles.from([]).length).toBe(0);
    expect(() => PackedCandles.from([candles[0]!, { ...candles[1]!, symbol: 'ETHUSDT' }])).toThrowError(/another series/);
    expect(() => PackedCandles.from([{ ...candles[0]!, isClosed: false }])).toThrowError(/open/);
    expect(() => PackedCandles.from([{ ...candles[0]!, open: '1\u00a0' }])).toThrowError(/not ASCII/);
  });

  it('refuses columns of different lengths and bounds outside the text', () => {
    const columns = { symbol: 'BTCUSDT', interval: '1m' as const, text: encoder.encode('1'), openTimes: Float64Array.of(0), closeTimes: Float64Array.of(59_999), trades: Float64Array.of(1) };
    expect(() => new PackedCandles({ ...columns, decimalBounds: new Uint32Array(15) })).toThrowError(CandleError);
    expect(() => new PackedCandles({ ...columns, decimalBounds: new Uint32Array(16).fill(2) })).toThrowError(/outside the 1 bytes/);
    expect(() => new PackedCandles({ ...columns, trades: new Float64Array(0), decimalBounds: new Uint32Array(16) })).toThrowError(expect.objectContaining({ code: 'INVALID_COLUMNS' }));
  });
});
