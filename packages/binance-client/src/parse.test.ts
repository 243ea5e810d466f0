import { readdirSync, readFileSync } from 'node:fs';
import { Decimal, decimalSourceText, formatDecimal, normalizeDecimalString } from '@collector/decimal';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { ResponseFormatError } from './errors.js';
import { parseDepth, parseExchangeInfo, parseJsonBody, parseKlines, parseKlinesText, parseServerTime } from './parse.js';

const klinesDir = fixturePath('klines_rest');
const exchangeInfo2024 = fixturePath('exchangeInfo', 'exchangeInfo_spot_2024-09-08_SUBSET16_reserialized.json');
const depthSnapshot = fixturePath(
  'depth_and_streams', 'hftbacktest', 'extracted', 'btcusdt_20240808_depth_snapshot_limit1000_lastUpdateId50093239218.json',
);
const FAR_FUTURE = Number.MAX_SAFE_INTEGER;

const ROW = [1700000000000, '100.5', '101', '100.1', '100.9', '12.34', 1700000059999, '1241.2345', 42, '6', '603.1', '0'];

describe('klines rows', () => {
  it('carry Decimals that keep the exchange text, and the same text in the text path', () => {
    const [candle] = parseKlines([ROW], 'BTCUSDT', '1m', 1700000060000);
    const [text] = parseKlinesText([ROW], 'BTCUSDT', '1m', 1700000060000);
    expect(candle!.close).toBeInstanceOf(Decimal);
    expect(decimalSourceText(candle!.close)).toBe('100.9');
    expect(candle!.close.minus(candle!.open).toFixed()).toBe('0.4');
    expect(text).toEqual({ ...candle, open: '100.5', high: '101', low: '100.1', close: '100.9', volume: '12.34', quoteVolume: '1241.2345', takerBuyVolume: '6', takerBuyQuoteVolume: '603.1' });
    expect(candle!.isClosed).toBe(true);
  });
});

describe.skipIf(!klinesDir)('real recorded klines', () => {
  const files = klinesDir ? readdirSync(klinesDir).filter((f) => f.endsWith('.json')) : [];

  it.each(files)('%s parses with exact decimals', (file) => {
    const raw = JSON.parse(readFileSync(`${klinesDir}/${file}`, 'utf8')) as unknown[][];
    const klines = parseKlines(raw, 'TESTUSDT', '1m', FAR_FUTURE);
    expect(klines).toHaveLength(raw.length);
    klines.forEach((k, i) => {
      const row = raw[i]!;
      expect(k.openTime).toBe(row[0]);
      expect(k.closeTime).toBe(row[6]);
      expect(k.trades).toBe(row[8]);
      expect(formatDecimal(k.open)).toBe(normalizeDecimalString(row[1] as string));
      expect(formatDecimal(k.high)).toBe(normalizeDecimalString(row[2] as string));
      expect(formatDecimal(k.low)).toBe(normalizeDecimalString(row[3] as string));
      expect(formatDecimal(k.close)).toBe(normalizeDecimalString(row[4] as string));
      expect(formatDecimal(k.volume)).toBe(normalizeDecimalString(row[5] as string));
      expect(formatDecimal(k.quoteVolume)).toBe(normalizeDecimalString(row[7] as string));
      expect(formatDecimal(k.takerBuyVolume)).toBe(normalizeDecimalString(row[9] as string));
      expect(formatDecimal(k.takerBuyQuoteVolume)).toBe(normalizeDecimalString(row[10] as string));
      expect(k.isClosed).toBe(true);
    });
  });

  it('marks the candle whose closeTime is not before server now as open', () => {
    const file = `${klinesDir}/klines_1m_10rows_BTCUSDT_2021-10-22_last-candle-open_pretty-printed_nautilus.json`;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown[][];
    const lastClose = raw.at(-1)![6] as number;
    const klines = parseKlines(raw, 'BTCUSDT', '1m', lastClose);
    expect(klines.map((k) => k.isClosed)).toEqual([...Array<boolean>(9).fill(true), false]);
  });
});
if (!klinesDir || !exchangeInfo2024 || !depthSnapshot) it.skip(FIXTURES_SKIP_REASON, () => {});

describe.skipIf(!exchangeInfo2024)('real exchangeInfo 2024', () => {
  it('parses every symbol with exact filters, ignoring unknown filter types', () => {
    const info = parseExchangeInfo(JSON.parse(readFileSync(exchangeInfo2024!, 'utf8')));
    expect(info.timezone).toBe('UTC');
    expect(info.serverTime).toBe(1725817008719);
    expect(info.symbols).toHaveLength(16);
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 });
    const shib = info.symbols.find((s) => s.symbol === 'SHIBUSDT')!;
    expect(shib.tickSize.toFixed()).toBe('0.00000001');
    expect(shib.stepSize.toFixed()).toBe('1');
    expect(shib.baseAsset).toBe('SHIB');
    const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT')!;
    expect(btc.tickSize.toFixed()).toBe('0.01');
    expect(btc.stepSize.toFixed()).toBe('0.00001');
    expect(info.symbols.find((s) => s.symbol === 'BTCTRY')!.tickSize.toFixed()).toBe('1');
  });

  it('refuses a symbol whose tickSize is not a decimal, naming the field', () => {
    const body = JSON.parse(readFileSync(exchangeInfo2024!, 'utf8')) as { symbols: { filters: Record<string, unknown>[] }[] };
    body.symbols[3]!.filters.find((f) => f.filterType === 'PRICE_FILTER')!.tickSize = '0,01';
    expect(() => parseExchangeInfo(body)).toThrow(/tickSize "0,01" is not a decimal/);
  });
});

describe.skipIf(!depthSnapshot)('real depth snapshot', () => {
  it('parses 1000 levels per side exactly', () => {
    const text = readFileSync(depthSnapshot!, 'utf8');
    const raw = JSON.parse(text) as { bids: string[][]; asks: string[][] };
    const depth = parseDepth(raw, 'BTCUSDT');
    expect(depth.lastUpdateId).toBe(50093239218);
    expect(depth.bids).toHaveLength(1000);
    expect(depth.asks).toHaveLength(1000);
    expect(formatDecimal(depth.bids[0]![0])).toBe(normalizeDecimalString(raw.bids[0]![0]!));
    expect(formatDecimal(depth.asks[999]![1])).toBe(normalizeDecimalString(raw.asks[999]![1]!));
  });
});

describe('malformed payloads', () => {
  const bad = (mutate: (row: unknown[]) => void): unknown[][] => {
    const rows = [ROW.slice(), ROW.slice()];
    mutate(rows[1]!);
    return rows;
  };

  it.each([
    ['a number price', (r: unknown[]) => (r[1] = 100.5), /row 1 open is not a number string/],
    ['a non-decimal string', (r: unknown[]) => (r[4] = 'NaN'), /row 1 close "NaN" is not a decimal/],
    ['a string openTime', (r: unknown[]) => (r[0] = '1700000000000'), /row 1 openTime is not an integer/],
    ['a fractional trade count', (r: unknown[]) => (r[8] = 1.5), /row 1 trades is not an integer/],
    ['a short row', (r: unknown[]) => r.splice(5), /row 1 is not an array of at least 11 fields/],
  ])('refuses %s in any row, before returning anything', (_name, mutate, message) => {
    expect(() => parseKlines(bad(mutate), 'BTCUSDT', '1m', 0)).toThrow(ResponseFormatError);
    expect(() => parseKlines(bad(mutate), 'BTCUSDT', '1m', 0)).toThrow(message);
  });

  it('refuses a non-array klines body', () => {
    expect(() => parseKlines({ code: 0 }, 'BTCUSDT', '1m', 0)).toThrow(ResponseFormatError);
  });

  it('names an HTML page and truncated JSON', () => {
    expect(() => parseJsonBody('klines BTCUSDT', '<html><body>502</body></html>')).toThrow(/an HTML page/);
    expect(() => parseJsonBody('klines BTCUSDT', '[[1700000000000,"100.5"')).toThrow(/not valid JSON/);
    expect(parseJsonBody('x', '{}')).toEqual({});
  });

  it('refuses bad depth and serverTime bodies', () => {
    expect(() => parseDepth({ lastUpdateId: 1, bids: [['1', 2]], asks: [] }, 'BTCUSDT')).toThrow(/bids\[0\] qty/);
    expect(() => parseDepth({ lastUpdateId: '1', bids: [], asks: [] }, 'BTCUSDT')).toThrow(/lastUpdateId/);
    expect(() => parseServerTime({ serverTime: '1' })).toThrow(ResponseFormatError);
    expect(parseServerTime({ serverTime: 1700000000000 })).toBe(1700000000000);
  });

  it('refuses an exchangeInfo symbol without LOT_SIZE', () => {
    const body = {
      timezone: 'UTC',
      serverTime: 1,
      rateLimits: [],
      symbols: [{ symbol: 'X', status: 'TRADING', baseAsset: 'A', quoteAsset: 'B', baseAssetPrecision: 8, quoteAssetPrecision: 8,
        filters: [{ filterType: 'PRICE_FILTER', minPrice: '0', maxPrice: '0', tickSize: '0.01' }, { filterType: 'NEW_FUTURE_FILTER' }] }],
    };
    expect(() => parseExchangeInfo(body)).toThrow(/no LOT_SIZE filter/);
  });
});
