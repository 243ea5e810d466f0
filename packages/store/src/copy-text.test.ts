import { type Candle, type CandleText, PackedCandles } from '@collector/candle';
import { Decimal, type DecimalInput, lazyDecimal, normalizeDecimalString } from '@collector/decimal';
import { describe, expect, it } from 'vitest';
import { StoreValidationError } from './errors.js';
import { copyChunks, packedCopyChunks } from './copy-text.js';
import { prepareCandles, preparePackedCandles } from './validate.js';

type CandleInput = Candle<DecimalInput>;

function candle(openTime: number, decimals: DecimalInput[], symbol = 'BTCUSDT'): CandleInput {
  const [open, high, low, close, volume, quoteVolume, takerBuyVolume, takerBuyQuoteVolume] = decimals as [DecimalInput, DecimalInput, DecimalInput, DecimalInput, DecimalInput, DecimalInput, DecimalInput, DecimalInput];
  return { symbol, interval: '1m', openTime, closeTime: openTime + 59_999, open, high, low, close, volume, quoteVolume, takerBuyVolume, takerBuyQuoteVolume, trades: 7, isClosed: true };
}

function text(candles: CandleInput[]): string[] {
  const prepared = prepareCandles('loadCandles', candles, 5000, { deferDecimals: true });
  return Buffer.concat([...copyChunks('loadCandles', prepared)]).toString('utf8').split('\n').slice(0, -1);
}

function packedText(candles: CandleText[]): string[] {
  const packed = PackedCandles.from(candles);
  preparePackedCandles('loadCandles', packed);
  return Buffer.concat([...packedCopyChunks('loadCandles', packed)]).toString('utf8').split('\n').slice(0, -1);
}

function expectValidationError(run: () => unknown, fields: object): void {
  expect(run).toThrowError(StoreValidationError);
  try {
    run();
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_CANDLE', ...fields });
  }
}

describe('copyChunks', () => {
  it('writes canonical decimals, ISO times and escaped text, one line per candle', () => {
    const t = Date.UTC(2024, 1, 29, 23, 59);
    const lines = text([
      candle(t, ['64321.12000000', '0.00000000', '007.10', '5E-8', '100', '100.0', new Decimal('0.50'), lazyDecimal('12.3400')]),
      candle(t + 60_000, ['1', '2', '3', '4', '5', '6', '7', '8'], 'A\tB'),
    ]);
    expect(lines).toEqual([
      `BTCUSDT\t1m\t${t}\t2024-02-29T23:59:00.000Z\t2024-02-29T23:59:59.999Z\t64321.12\t0\t7.1\t0.00000005\t100\t100\t0.5\t12.34\t7\tt`,
      `A\\tB\t1m\t${t + 60_000}\t2024-03-01T00:00:00.000Z\t2024-03-01T00:00:59.999Z\t1\t2\t3\t4\t5\t6\t7\t8\t7\tt`,
    ]);
  });

  it('prints every time of day as toISOString does', () => {
    const times = Array.from({ length: 2000 }, (_, i) => Date.UTC(2017, 7, 17) + i * 7_777_777);
    const lines = text(times.map((ms) => candle(ms, ['1', '1', '1', '1', '1', '1', '1', '1'])));
    expect(lines.map((l) => l.split('\t').slice(3, 5))).toEqual(times.map((ms) => [new Date(ms).toISOString(), new Date(ms + 59_999).toISOString()]));
  });

  it('refuses a value that is not a decimal, or is negative, naming the candle and field', () => {
    for (const bad of ['1,5', '-1', '', '1.', '1e', '\u0661']) {
      const rows = [candle(0, ['1', '1', '1', '1', '1', '1', '1', '1']), candle(60_000, ['1', '1', '1', '1', bad, '1', '1', '1'])];
      expectValidationError(() => text(rows), { index: 1, field: 'volume' });
    }
  });

  it('writes packed candles as it writes the same candles as objects', () => {
    const t = Date.UTC(2024, 1, 29, 23, 58);
    const decimals = ['64321.12000000', '0.00000000', '007.10', '5E-8', '100', '100.0', '0.50', '.5', '12.3400', '0', '1.000', '10'];
    const rows = Array.from({ length: 40 }, (_, i) => candle(t + i * 60_000, Array.from({ length: 8 }, (_, f) => decimals[(i + f) % decimals.length] as string)) as CandleText);
    expect(packedText(rows)).toEqual(text(rows));
  });

  it('writes every decimal as normalizeDecimalString does and every integer as String does, packed or not', () => {
    const values: string[] = [];
    for (const integer of ['0', '00', '1', '10', '007', '123456789012']) {
      for (const fraction of ['', '.', '.0', '.00000000', '.5', '.50', '.05', '.00000001', '.10000000']) values.push(`${integer}${fraction}`);
    }
    values.push('.5', '5E-8', '1e3');
    const integers = [0, 9, 10, 999_999_999, 1_000_000_000, 1_000_000_001, 1_735_689_600_000, Number.MAX_SAFE_INTEGER];
    const rows = values.map((value, i) => ({
      ...candle(Date.UTC(2025, 0, 1) + i * 60_000, Array.from({ length: 8 }, () => value)),
      trades: integers[i % integers.length] as number,
    })) as CandleText[];
    const valid = rows.filter((c) => !c.open.endsWith('.'));
    const expected = valid.map((c) => [...Array(8).fill(normalizeDecimalString(c.open)), String(c.trades)]);
    expect(text(valid).map((l) => l.split('\t').slice(5, 14))).toEqual(expected);
    expect(packedText(valid).map((l) => l.split('\t').slice(5, 14))).toEqual(expected);
    expect(packedText(valid).map((l) => l.split('\t')[2])).toEqual(valid.map((c) => String(c.openTime)));
  });

  it('refuses packed candles with a bad decimal, or open times that do not ascend, naming the candle and field', () => {
    const rows = [candle(0, ['1', '1', '1', '1', '1', '1', '1', '1']), candle(60_000, ['1', '1', '1', '1', '1', '1', '-1', '1'])] as CandleText[];
    expectValidationError(() => packedText(rows), { index: 1, field: 'takerBuyVolume' });
    expectValidationError(() => packedText([rows[0] as CandleText, { ...(rows[1] as CandleText), takerBuyVolume: '1', openTime: 0 }]), { index: 1, field: 'openTime' });
  });
});
