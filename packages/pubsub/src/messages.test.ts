import { lazyDecimal, parseDecimal } from '@collector/decimal';
import { describe, expect, it } from 'vitest';
import { PubsubError } from './errors.js';
import { orderbookBodyJson, type OrderbookInput } from './messages.js';

const SNAPSHOT: OrderbookInput = {
  symbol: 'BTCUSDT',
  timestamp: 1_723_161_600_000,
  lastUpdateId: 50_093_239_218,
  bids: [['61000.01000000', '0.50000000'], ['0061000.00', '1E-8']],
  asks: [[parseDecimal('61000.020'), lazyDecimal('2.000')], ['61000.03', '0']],
};

describe('orderbookBodyJson', () => {
  it('is the JSON of the body object, with canonical levels, with and without an event time', () => {
    const body = {
      type: 'orderbook',
      symbol: 'BTCUSDT',
      timestamp: 1_723_161_600_000,
      lastUpdateId: 50_093_239_218,
      bids: [['61000.01', '0.5'], ['61000', '0.00000001']],
      asks: [['61000.02', '2'], ['61000.03', '0']],
    };
    expect(orderbookBodyJson(SNAPSHOT)).toBe(JSON.stringify(body));
    const { bids, asks, ...head } = body;
    expect(orderbookBodyJson({ ...SNAPSHOT, eventTime: 1_723_161_599_900 })).toBe(JSON.stringify({ ...head, eventTime: 1_723_161_599_900, bids, asks }));
    expect(orderbookBodyJson({ ...SNAPSHOT, symbol: 'ÄB"C', bids: [], asks: [] })).toBe(JSON.stringify({ ...head, symbol: 'ÄB"C', bids: [], asks: [] }));
  });

  it('refuses what is not exact or not an integer, naming the field', () => {
    expect(() => orderbookBodyJson({ ...SNAPSHOT, asks: [['1', 'NaN']] })).toThrow(PubsubError);
    expect(() => orderbookBodyJson({ ...SNAPSHOT, asks: [['1', '2'], ['1.5', 'x']] })).toThrow(/BTCUSDT asks\[1\] quantity is not an exact decimal/);
    expect(() => orderbookBodyJson({ ...SNAPSHOT, timestamp: 1.5 })).toThrow(/BTCUSDT timestamp must be an integer/);
    expect(() => orderbookBodyJson({ ...SNAPSHOT, symbol: '' })).toThrow(/snapshot without a symbol/);
  });
});
