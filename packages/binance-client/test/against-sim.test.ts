import { startBinanceSim, type BinanceSim } from '@collector/binance-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDecimal } from '@collector/decimal';
import type { Candle, CandleText } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import { createBinanceClient } from '../src/index.js';

// The client and the simulator are independent readings of Binance's rules; here they meet over real HTTP.
describe('client against @collector/binance-sim', () => {
  let sim: BinanceSim;
  beforeAll(async () => {
    sim = await startBinanceSim({ symbols: ['BTCUSDT', 'SHIBUSDT'], seed: 7 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('walks three days of 1m candles in full pages with no gap, no duplicate and no open candle', async () => {
    const client = createBinanceClient({ baseUrl: sim.restUrl, retryDelayMs: 10 });
    const now = Date.now();
    const from = Math.floor(now / 60_000) * 60_000 - 3 * 24 * 60 * 60_000;
    const pages: Candle<Decimal>[][] = [];
    for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval: '1m', from, to: now })) pages.push(page);
    const candles = pages.flat();

    expect(pages.slice(0, -1).every((page) => page.length === 1000)).toBe(true);
    expect(candles[0]?.openTime).toBe(from);
    candles.forEach((candle, i) => {
      expect(candle.openTime).toBe(from + i * 60_000);
      expect(candle.closeTime).toBe(candle.openTime + 59_999);
      expect(candle.isClosed).toBe(true);
    });
    // Everything up to the still-open minute: 3 days of closed candles.
    expect(candles.length).toBeGreaterThanOrEqual(3 * 24 * 60);
    expect(candles.at(-1)!.closeTime).toBeLessThan(Date.now());
  });

  it('returns exactly the decimal strings the simulator sent, including short-decimal symbols', async () => {
    const client = createBinanceClient({ baseUrl: sim.restUrl });
    const startTime = Math.floor(Date.now() / 60_000) * 60_000 - 120 * 60_000;
    for (const symbol of ['BTCUSDT', 'SHIBUSDT']) {
      const raw = (await (
        await fetch(`${sim.restUrl}/api/v3/klines?symbol=${symbol}&interval=1m&startTime=${startTime}&limit=100`)
      ).json()) as (string | number)[][];
      const parsed = await client.klines({ symbol, interval: '1m', startTime, limit: 100 });
      expect(parsed).toHaveLength(raw.length);
      parsed.forEach((kline, i) => {
        const row = raw[i]!;
        const asDecimal = (value: unknown) => String(value).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
        expect(kline.openTime).toBe(row[0]);
        expect(kline.open.toFixed()).toBe(asDecimal(row[1]));
        expect(kline.high.toFixed()).toBe(asDecimal(row[2]));
        expect(kline.volume.toFixed()).toBe(asDecimal(row[5]));
        expect(kline.takerBuyQuoteVolume.toFixed()).toBe(asDecimal(row[10]));
        expect(kline.trades).toBe(row[8]);
      });
    }
  });

  it('klinesRangeText walks the same pages with the exchange text kept verbatim, also in scientific notation', async () => {
    const sci = await startBinanceSim({ symbols: ['SHIBUSDT'], seed: 7, scientificTinyValues: true });
    try {
      const client = createBinanceClient({ baseUrl: sci.restUrl });
      const to = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
      const from = to - 1500 * 60_000;
      const text: CandleText[] = [];
      const parsed: Candle<Decimal>[] = [];
      for await (const page of client.klinesRangeText({ symbol: 'SHIBUSDT', interval: '1m', from, to })) text.push(...page);
      for await (const page of client.klinesRange({ symbol: 'SHIBUSDT', interval: '1m', from, to })) parsed.push(...page);
      const raw = (await (await fetch(`${sci.restUrl}/api/v3/klines?symbol=SHIBUSDT&interval=1m&startTime=${from}&limit=1000`)).json()) as string[][];
      expect(text).toHaveLength(1501);
      expect(text.map((k) => k.openTime)).toEqual(parsed.map((k) => k.openTime));
      raw.forEach((row, i) => {
        expect([text[i]!.open, text[i]!.low, text[i]!.volume]).toEqual([row[1], row[3], row[5]]);
        expect(parseDecimal(text[i]!.low).eq(parsed[i]!.low)).toBe(true);
      });
      expect(text.some((k) => /E-/.test(k.low))).toBe(true);
    } finally {
      await sci.close();
    }
  });

  it('does not retry an unknown symbol: the simulator answers -1121 once', async () => {
    const client = createBinanceClient({ baseUrl: sim.restUrl, retryDelayMs: 10 });
    await expect(client.klines({ symbol: 'NOPEUSDT', interval: '1m' })).rejects.toMatchObject({
      name: 'BinanceApiError',
      binanceCode: -1121,
    });
  });
});
