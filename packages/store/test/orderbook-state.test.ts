import { Decimal } from '@collector/decimal';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, DEFAULT_STORE_OPTIONS, StoreError, type Store } from '../src/index.js';

const T0 = Date.UTC(2024, 0, 1);

describe('order book snapshots and collector state', () => {
  let db: TestDatabase;
  let store: Store;
  const logged: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('store_orderbook');
    store = createStore({ url: db.url, maxConnections: 2, logger: { info: (_obj, msg) => logged.push(msg ?? '') } });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('stores snapshots with exact level strings and keeps the first one per symbol and time', async () => {
    const snapshot = {
      symbol: 'BTCUSDT', timestamp: T0, lastUpdateId: 9_007_199_254_740_991,
      bids: [['64321.12000000', '0.00000005'], [new Decimal('64321.1'), '1E-8']] as [string | Decimal, string][],
      asks: [['64321.13', '123456789012345678901234567890']] as [string, string][],
    };
    expect(await store.insertOrderbookSnapshots([snapshot, { ...snapshot, timestamp: T0 + 1000, eventTime: T0 + 990, bids: [] }])).toBe(2);
    expect(await store.insertOrderbookSnapshots([{ ...snapshot, asks: [] }])).toBe(0);

    const rows = await store.getOrderbookSnapshots({ symbol: 'BTCUSDT' });
    expect(rows).toEqual([
      {
        symbol: 'BTCUSDT', timestamp: T0, lastUpdateId: 9_007_199_254_740_991, eventTime: null,
        bids: [['64321.12', '0.00000005'], ['64321.1', '0.00000001']],
        asks: [['64321.13', '123456789012345678901234567890']],
      },
      expect.objectContaining({ timestamp: T0 + 1000, eventTime: T0 + 990, bids: [] }),
    ]);
    expect(await store.getOrderbookSnapshots({ symbol: 'BTCUSDT', from: T0 + 1, to: T0 + 5000 })).toHaveLength(1);
    expect(await store.getOrderbookSnapshots({ symbol: 'ETHUSDT' })).toEqual([]);

    await expect(store.insertOrderbookSnapshots([{ ...snapshot, asks: [['1', 'x']] }])).rejects.toMatchObject({
      code: 'INVALID_SNAPSHOT', field: 'asks[0][1]', symbol: 'BTCUSDT',
    });
    await expect(store.insertOrderbookSnapshots([{ ...snapshot, bids: [[1, 2]] as never }])).rejects.toMatchObject({ code: 'INVALID_SNAPSHOT' });
  });

  it('gets, sets and lists states; the hand-typed state query works', async () => {
    expect(await store.getState('BTCUSDT', 'candles:1m')).toBeUndefined();
    const set = await store.setState({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 60_000 });
    expect(set).toMatchObject({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 60_000, isRealtime: false });

    expect(await store.setState({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0, isRealtime: true })).toMatchObject({
      lastTimestamp: T0 + 60_000, isRealtime: true,
    });
    expect(await store.setState({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 }, { allowBackwards: true })).toMatchObject({
      lastTimestamp: T0, isRealtime: true,
    });
    await store.setState({ symbol: 'ETHUSDT', stream: 'orderbook', lastTimestamp: T0, isRealtime: true });

    const state = await store.getState('BTCUSDT', 'candles:1m');
    expect(state).toMatchObject({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0, isRealtime: true });
    expect(state?.lastUpdated).toBeInstanceOf(Date);
    expect(Math.abs((state?.lastUpdated.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect((await store.listStates()).map((s) => `${s.symbol}/${s.stream}`)).toEqual(['BTCUSDT/candles:1m', 'ETHUSDT/orderbook']);

    const rows = await db.sql.unsafe('SELECT symbol, last_timestamp, is_realtime, last_updated FROM collector_state;');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ symbol: 'BTCUSDT', last_timestamp: String(T0), is_realtime: true });

    await expect(store.setState({ symbol: 'BTCUSDT', stream: 'x', lastTimestamp: -1 })).rejects.toMatchObject({
      code: 'INVALID_STATE', field: 'lastTimestamp',
    });
  });

  it('checks options at construction and refuses calls once closed', async () => {
    expect(() => createStore({} as never)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('url') }));
    expect(() => createStore({ url: db.url, maxConnections: 0 })).toThrowError(/maxConnections/);
    expect(DEFAULT_STORE_OPTIONS.maxConnections).toBe(10);

    const other = createStore({ url: db.url, maxConnections: 1 });
    expect((await other.migrate()).applied).toEqual([]);
    await other.close();
    await other.close();
    const error = await other.listStates().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'CLOSED', message: '[store] listStates failed: the store is closed' });
    expect(logged.some((m) => m.includes('migrations applied'))).toBe(true);
  });
});
