import type { CandleText } from '@collector/candle';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, createStoreReader, StoreError, type Store, type StoreReader } from '../src/index.js';

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

function candle(i: number, isClosed = true): CandleText {
  const price = `${100 + i}.10000000`;
  return {
    symbol: 'BTCUSDT', interval: '1m', openTime: T0 + i * MINUTE, closeTime: T0 + (i + 1) * MINUTE - 1,
    open: price, high: `${101 + i}.5`, low: `${99 + i}`, close: price, volume: '0.00000005', quoteVolume: '1',
    takerBuyVolume: '0', takerBuyQuoteVolume: '0', trades: i, isClosed,
  };
}

describe('store reader: the newest rows', () => {
  let db: TestDatabase;
  let store: Store;
  let reader: StoreReader;
  beforeAll(async () => {
    db = await createTestDatabase('store_reader');
    store = createStore({ url: db.url, maxConnections: 2 });
    await store.migrate();
    reader = createStoreReader({ url: db.url });
  });
  afterAll(async () => {
    await reader?.close();
    await store?.close();
    await db?.drop();
  });

  it('returns the newest N candles of one series, oldest first, with exact text, the forming one included', async () => {
    await store.upsertCandles([...Array.from({ length: 9 }, (_, i) => candle(i)), candle(9, false)]);
    await store.upsertCandles([{ ...candle(3), interval: '1h' }, { ...candle(20), symbol: 'ETHUSDT' }]);
    const latest = await reader.latestCandles({ symbol: 'BTCUSDT', interval: '1m', limit: 3 });
    expect(latest.map((c) => [c.openTime, c.open, c.high, c.low, c.volume, c.isClosed])).toEqual([
      [T0 + 7 * MINUTE, '107.1', '108.5', '106', '0.00000005', true],
      [T0 + 8 * MINUTE, '108.1', '109.5', '107', '0.00000005', true],
      [T0 + 9 * MINUTE, '109.1', '110.5', '108', '0.00000005', false],
    ]);
    expect(latest[0]).toMatchObject({ symbol: 'BTCUSDT', interval: '1m', closeTime: T0 + 8 * MINUTE - 1, trades: 7 });
    expect(await reader.latestCandles({ symbol: 'BTCUSDT', interval: '1m', limit: 100 })).toHaveLength(10);
    expect(await reader.latestCandles({ symbol: 'SOLUSDT', interval: '1m', limit: 5 })).toEqual([]);
    for (const limit of [0, -1, 1.5, 10_001, Number.NaN]) {
      await expect(reader.latestCandles({ symbol: 'BTCUSDT', interval: '1m', limit })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    }
  });

  it('returns the newest order book snapshot of a symbol, or undefined', async () => {
    await store.insertOrderbookSnapshots([
      { symbol: 'BTCUSDT', timestamp: T0, lastUpdateId: 1, bids: [['1.5', '2']], asks: [['1.6', '3']] },
      { symbol: 'BTCUSDT', timestamp: T0 + 1000, lastUpdateId: 7, bids: [['64321.12000000', '0.5'], ['64321.1', '1']], asks: [['64321.13', '2']] },
      { symbol: 'ETHUSDT', timestamp: T0 + 5000, lastUpdateId: 9, bids: [], asks: [] },
    ]);
    expect(await reader.latestOrderbookSnapshot('BTCUSDT')).toEqual({
      symbol: 'BTCUSDT', timestamp: T0 + 1000, lastUpdateId: 7, eventTime: null,
      bids: [['64321.12', '0.5'], ['64321.1', '1']], asks: [['64321.13', '2']],
    });
    expect(await reader.latestOrderbookSnapshot('SOLUSDT')).toBeUndefined();
  });

  it('refuses a missing url and fails with CLOSED after close', async () => {
    expect(() => createStoreReader({ url: '' })).toThrow(StoreError);
    expect(() => createStoreReader({ url: db.url, maxConnections: 0 })).toThrow(/maxConnections/);
    const closing = createStoreReader({ url: db.url });
    await closing.close();
    await expect(closing.latestOrderbookSnapshot('BTCUSDT')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
