import { Decimal, normalizeDecimalString } from '@collector/decimal';
import { describe, expect, it } from 'vitest';
import { StoreValidationError } from './errors.js';
import { canonicalDecimal, prepareCandles } from './validate.js';
import type { Candle } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';

type CandleInput = Candle<DecimalInput>;

describe('canonicalDecimal', () => {
  it('gives the same text as normalizeDecimalString', () => {
    const inputs = [
      '0', '-0', '0.0', '-0.000', '00', '007', '100', '100.00', '1.50', '.5', '-.5', '-0.5', '00.50',
      '0.00000005', '64321.12000000', '-12.5', '1E-8', '5.0e-8', '1e3', '000.000001',
      '123456789012345678901234567890', '123456789012345678901234567890.000000000000000000001000',
    ];
    for (const input of inputs) expect(canonicalDecimal(input), input).toBe(normalizeDecimalString(input));
    expect(canonicalDecimal(new Decimal('1.50'))).toBe('1.5');
  });

  it('refuses what is not a decimal', () => {
    for (const input of ['', '-', '.', '5.', '1,5', ' 1', 'abc', '--1', '+1', '1e', 'NaN', 'Infinity', '0x10', 1.5, null]) {
      expect(canonicalDecimal(input), String(input)).toBeUndefined();
    }
  });
});

function candle(overrides: Partial<CandleInput> = {}): CandleInput {
  return {
    symbol: 'BTCUSDT', interval: '1m', openTime: 60_000, closeTime: 119_999,
    open: '1', high: '2', low: '0.5', close: '1.5', volume: '10', quoteVolume: '15',
    takerBuyVolume: '5', takerBuyQuoteVolume: '7.5', trades: 3, isClosed: true, ...overrides,
  };
}

describe('prepareCandles', () => {
  it('names the index, symbol and field of the first bad candle', () => {
    const bad = [candle(), candle({ openTime: 120_000, closeTime: 179_999, high: '1,5' })];
    const error = (() => {
      try {
        prepareCandles('upsertCandles', bad, 10);
      } catch (caught) {
        return caught;
      }
    })() as StoreValidationError;
    expect(error).toBeInstanceOf(StoreValidationError);
    expect(error).toMatchObject({ code: 'INVALID_CANDLE', index: 1, field: 'high', symbol: 'BTCUSDT' });
    expect(error.message).toBe('[store] upsertCandles failed: candle 1 (BTCUSDT): high is not a decimal: "1,5"');
  });

  it('refuses wrong shapes, times, intervals and negative values', () => {
    const cases: [unknown, string][] = [
      [null, ''],
      [{ ...candle(), openTime: 1.5 }, 'openTime'],
      [{ ...candle(), openTime: '60000' }, 'openTime'],
      [{ ...candle(), closeTime: 0 }, 'closeTime'],
      [{ ...candle(), interval: '2m' }, 'interval'],
      [{ ...candle(), volume: 10 }, 'volume'],
      [{ ...candle(), low: '-1' }, 'low'],
      [{ ...candle(), trades: -1 }, 'trades'],
      [{ ...candle(), isClosed: 'yes' }, 'isClosed'],
      [{ ...candle(), symbol: '' }, 'symbol'],
    ];
    for (const [input, field] of cases) {
      expect(() => prepareCandles('upsertCandles', [input as CandleInput], 10), field).toThrowError(
        expect.objectContaining({ code: 'INVALID_CANDLE', field }),
      );
    }
  });

  it('keeps a closed duplicate and otherwise the last one', () => {
    const prepared = prepareCandles(
      'upsertCandles',
      [
        candle({ isClosed: false, close: '1' }),
        candle({ isClosed: true, close: '2' }),
        candle({ isClosed: true, close: '3' }),
        candle({ openTime: 120_000, closeTime: 179_999, isClosed: false, close: '4' }),
        candle({ openTime: 120_000, closeTime: 179_999, isClosed: false, close: '5' }),
      ],
      10,
    );
    expect(prepared.chunkCount).toBe(1);
    expect(prepared.chunk(0).close).toEqual(['2', '5']);
  });
});
