import type { Candle } from '@collector/candle';
import { Decimal, type DecimalInput, lazyDecimal } from '@collector/decimal';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CandleRangeQuery, createStore, type KnownCandleGap, StoreError, StoreValidationError, type Store } from '../src/index.js';

type CandleInput = Candle<DecimalInput>;

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function candle(symbol: string, minute: number, overrides: Partial<CandleInput> = {}): CandleInput {
  const openTime = T0 + minute * MINUTE;
  return {
    symbol, interval: '1m', openTime, closeTime: openTime + MINUTE - 1,
    open: '64321.12000000', high: '64400.00000000', low: '64000.10000000', close: '64350.00000000',
    volume: '12.34567800', quoteVolume: '794000.12345678', takerBuyVolume: '6.00000000', takerBuyQuoteVolume: '386000.00000000',
    trades: 1234, isClosed: true, ...overrides,
  };
}

function minutes(symbol: string, list: number[]): CandleInput[] {
  return list.map((m) => candle(symbol, m));
}

describe('candles', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase('store_candles');
    store = createStore({ url: db.url, maxConnections: 4, chunkSize: 100 });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });
  beforeEach(async () => {
    await db.sql`TRUNCATE candles, collector_state`;
  });

  it('stores exact canonical decimals and reads them back as strings', async () => {
    const thirtyDigits = '123456789012345678901234567890';
    const written = await store.upsertCandles([
      candle('BTCUSDT', 0, {
        open: '0.00000005', high: '1E-8', low: new Decimal('0.5'), close: '5.0e-8',
        volume: thirtyDigits, quoteVolume: '98765432109876543210.123456789012', takerBuyVolume: '0', takerBuyQuoteVolume: '007.10',
      }),
    ]);
    expect(written).toBe(1);
    const [row] = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 });
    expect(row).toEqual({
      symbol: 'BTCUSDT', interval: '1m', openTime: T0, closeTime: T0 + MINUTE - 1,
      open: '0.00000005', high: '0.00000001', low: '0.5', close: '0.00000005',
      volume: thirtyDigits, quoteVolume: '98765432109876543210.123456789012', takerBuyVolume: '0', takerBuyQuoteVolume: '7.1',
      trades: 1234, isClosed: true,
    });
    const [raw] = await db.sql`SELECT timestamp::text, open_time = to_timestamp(${T0 / 1000}) AS aligned, open_price::text, volume::text FROM candles`;
    expect(raw).toEqual({ timestamp: String(T0), aligned: true, open_price: '0.00000005', volume: thirtyDigits });
  });

  it('stores symbols with characters that array literals must quote', async () => {
    const odd = ['A"B', 'C\\D', 'E,F', '{G}', 'H I', 'NULL'];
    await store.upsertCandles(odd.map((symbol) => candle(symbol, 0, { open: '5E-8' })));
    for (const symbol of odd) {
      const [row] = await store.getCandles({ symbol, interval: '1m', from: T0, to: T0 });
      expect([row?.symbol, row?.open]).toEqual([symbol, '0.00000005']);
    }
  });

  it('updates an open candle until it closes, then never again', async () => {
    await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: false, close: '1.1', trades: 1 })]);
    expect(await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: false, close: '1.2', trades: 2 })])).toBe(1);
    expect(await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: true, close: '1.3', trades: 3 })])).toBe(1);
    const [before] = await db.sql`SELECT xmin::text, ctid::text FROM candles`;

    expect(await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: true, close: '1.3', trades: 3 })])).toBe(0);
    expect(await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: false, close: '9.9', trades: 99 })])).toBe(0);
    expect(await store.upsertCandles([candle('ETHUSDT', 0, { isClosed: true, close: '8.8', high: '99' })])).toBe(0);

    const [after] = await db.sql`SELECT xmin::text, ctid::text FROM candles`;
    expect(after).toEqual(before);
    const [row] = await store.getCandles({ symbol: 'ETHUSDT', interval: '1m', from: T0, to: T0 });
    expect(row).toMatchObject({ close: '1.3', high: '64400', trades: 3, isClosed: true });
  });

  it('writes large batches in chunks over several connections, duplicates collapsed', async () => {
    const batch = [...minutes('BTCUSDT', Array.from({ length: 1050 }, (_, i) => i)), ...minutes('ETHUSDT', [0, 1, 2])];
    batch.push(candle('BTCUSDT', 5, { close: '1' }), candle('ETHUSDT', 0, { isClosed: false }));
    expect(await store.upsertCandles(batch)).toBe(1053);
    expect(await store.upsertCandles(batch)).toBe(0);
    const rows = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 2000 * MINUTE });
    expect(rows).toHaveLength(1050);
    expect(rows.map((r) => r.openTime)).toEqual(Array.from({ length: 1050 }, (_, i) => T0 + i * MINUTE));
    expect(rows[5]?.close).toBe('64350');
    expect(await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 2000 * MINUTE, limit: 3 })).toHaveLength(3);
  });

  it('answers the hand-typed summary query', async () => {
    await store.upsertCandles([...minutes('BTCUSDT', [0, 1, 2]), ...minutes('ETHUSDT', [10, 11])]);
    const rows = await db.sql.unsafe('SELECT symbol, COUNT(*), MIN(timestamp), MAX(timestamp) FROM candles GROUP BY symbol ORDER BY symbol;');
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { symbol: 'BTCUSDT', count: '3', min: String(T0), max: String(T0 + 2 * MINUTE) },
      { symbol: 'ETHUSDT', count: '2', min: String(T0 + 10 * MINUTE), max: String(T0 + 11 * MINUTE) },
    ]);
  });

  it('refuses a batch with one bad candle before writing any of it', async () => {
    const batch = minutes('BTCUSDT', Array.from({ length: 250 }, (_, i) => i));
    batch[200] = candle('BTCUSDT', 200, { volume: 'NaN' });
    const error = await store.upsertCandles(batch).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreValidationError);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ name: 'StoreValidationError', code: 'INVALID_CANDLE', index: 200, field: 'volume', symbol: 'BTCUSDT' });
    expect((error as Error).message).toMatch(/^\[store\] upsertCandles failed: candle 200 \(BTCUSDT\): volume/);
    await expect(store.upsertCandles([{ ...candle('BTCUSDT', 0), openTime: T0 + 0.5 }])).rejects.toMatchObject({ field: 'openTime' });
    await expect(store.upsertCandles([{ foo: 1 } as unknown as CandleInput])).rejects.toMatchObject({ code: 'INVALID_CANDLE', field: 'symbol' });
    const [{ count }] = (await db.sql`SELECT count(*)::int AS count FROM candles`) as unknown as [{ count: number }];
    expect(count).toBe(0);
  });

  it('commits into an empty range and into one that already holds candles alike: open ones updated, closed ones kept', async () => {
    const state = { symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 3 * MINUTE };
    const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    await store.upsertCandles([candle('BTCUSDT', 150, { isClosed: false, close: '1' }), candle('BTCUSDT', 151, { close: '7' })]);
    // Pages of history: the first lands in an empty range (a plain INSERT), the second on stored rows (an upsert).
    expect((await store.commitCandles({ candles: minutes('BTCUSDT', range(0, 100)), states: [state] })).candles).toBe(100);
    expect((await store.commitCandles({ candles: minutes('BTCUSDT', range(100, 100)), states: [state] })).candles).toBe(99);
    // A few live candles go straight to the upsert.
    await store.upsertCandles([candle('BTCUSDT', 200, { isClosed: false, close: '1' })]);
    expect((await store.commitCandles({ candles: minutes('BTCUSDT', [200, 201]), states: [state] })).candles).toBe(2);
    const rows = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0 + 149 * MINUTE, to: T0 + 201 * MINUTE });
    expect(rows.filter((r) => [149, 150, 151, 200, 201].includes((r.openTime - T0) / MINUTE)).map((r) => [(r.openTime - T0) / MINUTE, r.isClosed, r.close === '7'])).toEqual([
      [149, true, false],
      [150, true, false],
      [151, true, true],
      [200, true, false],
      [201, true, false],
    ]);
    expect(rows).toHaveLength(53);
  });

  it('commits candles and state together, never rewinding the state', async () => {
    const first = await store.commitCandles({
      candles: minutes('BTCUSDT', [0, 1]),
      states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + MINUTE, isRealtime: false }],
    });
    expect(first.candles).toBe(2);
    expect(first.states[0]).toMatchObject({ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + MINUTE, isRealtime: false });
    expect(first.states[0]!.lastUpdated).toBeInstanceOf(Date);

    const older = await store.commitCandles({
      candles: minutes('BTCUSDT', [0]),
      states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0, isRealtime: true }],
    });
    expect(older.states[0]).toMatchObject({ lastTimestamp: T0 + MINUTE, isRealtime: true });
  });

  it('commits a live batch of many series and their state rows at once, each state as given or kept', async () => {
    const symbols = Array.from({ length: 50 }, (_, i) => `S${i}USDT`);
    await store.setState({ symbol: 'S0USDT', stream: 'candles:1m', lastTimestamp: T0 + 5 * MINUTE, isRealtime: true });
    // Lazy Decimals, as the client hands them over, are stored from their text.
    const batch = symbols.flatMap((symbol) => [candle(symbol, 0, { close: lazyDecimal('64350.10000000') }), candle(symbol, 1, { isClosed: false })]);
    const states = symbols.map((symbol, i) => ({ symbol, stream: 'candles:1m', lastTimestamp: T0, ...(i === 1 ? { isRealtime: true } : {}) }));
    const result = await store.commitCandles({ candles: batch, states });
    expect(result.candles).toBe(100);
    expect(result.states.map((s) => s.symbol)).toEqual(symbols);
    // S0 was further along and live: neither is undone. S1 is made live; the others are new and not live.
    expect(result.states[0]).toMatchObject({ lastTimestamp: T0 + 5 * MINUTE, isRealtime: true });
    expect(result.states[1]).toMatchObject({ lastTimestamp: T0, isRealtime: true });
    expect(result.states.slice(2).every((s) => s.lastTimestamp === T0 && !s.isRealtime)).toBe(true);
    expect(await store.listStates()).toHaveLength(50);
    const [first] = await store.getCandles({ symbol: 'S7USDT', interval: '1m', from: T0, to: T0 });
    expect(first?.close).toBe('64350.1');

    await expect(store.commitCandles({ candles: [], states: [states[3]!, { ...states[3]!, lastTimestamp: T0 + MINUTE }] })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      index: 1,
      message: expect.stringContaining('appears twice for S3USDT'),
    });
    expect((await store.commitCandles({ candles: [], states: [{ ...states[3]!, lastTimestamp: T0 + MINUTE }] })).states[0]?.lastTimestamp).toBe(T0 + MINUTE);
  });

  it('advances many state rows in one call, never backwards, keeping isRealtime unless given', async () => {
    await store.setState({ symbol: 'AUSDT', stream: 'candles:1m', lastTimestamp: T0 + 5 * MINUTE, isRealtime: true });
    await store.setState({ symbol: 'BUSDT', stream: 'candles:1m', lastTimestamp: T0, isRealtime: true });
    const written = await store.advanceStates([
      { symbol: 'AUSDT', stream: 'candles:1m', lastTimestamp: T0 + MINUTE },
      { symbol: 'BUSDT', stream: 'candles:1m', lastTimestamp: T0 + 2 * MINUTE },
      { symbol: 'CUSDT', stream: 'candles:1m', lastTimestamp: T0 + 3 * MINUTE, isRealtime: true },
    ]);
    expect(written).toBe(3);
    expect((await store.listStates()).map((s) => [s.symbol, s.lastTimestamp - T0, s.isRealtime])).toEqual([
      ['AUSDT', 5 * MINUTE, true],
      ['BUSDT', 2 * MINUTE, true],
      ['CUSDT', 3 * MINUTE, true],
    ]);
    expect(await store.advanceStates([])).toBe(0);
    await expect(store.advanceStates([{ symbol: 'AUSDT', stream: 'candles:1m', lastTimestamp: -1 }])).rejects.toMatchObject({ code: 'INVALID_STATE', field: 'lastTimestamp' });
  });

  it('rolls back the candles and every state row of a one-statement commit that fails', async () => {
    await store.commitCandles({ candles: minutes('BTCUSDT', [0]), states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 }] });
    const before = await db.sql`SELECT * FROM collector_state`;
    // PostgreSQL text refuses NUL: the one statement fails on the server, after the good rows were processed.
    const batch = [...minutes('BTCUSDT', [1, 2]), candle('BAD\u0000USDT', 0)];
    const states = [
      { symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 2 * MINUTE },
      { symbol: 'ETHUSDT', stream: 'candles:1m', lastTimestamp: T0 },
    ];
    await expect(store.commitCandles({ candles: batch, states })).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    const [{ count }] = (await db.sql`SELECT count(*)::int AS count FROM candles`) as unknown as [{ count: number }];
    expect(count).toBe(1);
    expect(await db.sql`SELECT * FROM collector_state`).toEqual(before);
  });

  it('rolls back candles and state when the database fails mid-transaction', async () => {
    await store.commitCandles({ candles: minutes('BTCUSDT', [0]), states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 }] });
    const before = await db.sql`SELECT * FROM collector_state`;

    // 150 good rows fill the first chunk; PostgreSQL text refuses NUL, so the second chunk fails on the server.
    const batch = minutes('BTCUSDT', Array.from({ length: 150 }, (_, i) => i + 1));
    batch.push(candle('BAD\u0000USDT', 0));
    const error = await store
      .commitCandles({ candles: batch, states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 151 * MINUTE }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StoreError', code: 'QUERY_FAILED' });
    expect((error as Error).message).toMatch(/^\[store\] commitCandles failed: /);

    const [{ count }] = (await db.sql`SELECT count(*)::int AS count FROM candles`) as unknown as [{ count: number }];
    expect(count).toBe(1);
    expect(await db.sql`SELECT * FROM collector_state`).toEqual(before);

    await expect(
      store.commitCandles({ candles: [candle('BTCUSDT', 3, { open: 'x' })], states: [{ symbol: 'BTCUSDT', stream: 'candles:1m', lastTimestamp: T0 + 9 }] }),
    ).rejects.toMatchObject({ code: 'INVALID_CANDLE' });
    await expect(
      store.commitCandles({ candles: minutes('BTCUSDT', [3]), states: [{ symbol: 'BTCUSDT', stream: '', lastTimestamp: T0 }] }),
    ).rejects.toMatchObject({ code: 'INVALID_STATE', field: 'stream' });
    expect(await db.sql`SELECT * FROM collector_state`).toEqual(before);
  });

  describe('findCandleGaps', () => {
    const query: CandleRangeQuery = { symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 9 * MINUTE };

    it('finds none when every candle is there', async () => {
      await store.upsertCandles(minutes('BTCUSDT', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      expect(await store.findCandleGaps(query)).toEqual([]);
    });

    it('finds holes at the start, in the middle and at the end; open candles count as missing', async () => {
      await store.upsertCandles([...minutes('BTCUSDT', [2, 3, 5, 8]), candle('BTCUSDT', 6, { isClosed: false }), ...minutes('ETHUSDT', [0, 1])]);
      expect(await store.findCandleGaps(query)).toEqual([
        { from: T0, to: T0 + MINUTE, missing: 2 },
        { from: T0 + 4 * MINUTE, to: T0 + 4 * MINUTE, missing: 1 },
        { from: T0 + 6 * MINUTE, to: T0 + 7 * MINUTE, missing: 2 },
        { from: T0 + 9 * MINUTE, to: T0 + 9 * MINUTE, missing: 1 },
      ]);
    });

    it('reports the whole range when nothing is stored, and refuses 1M', async () => {
      expect(await store.findCandleGaps(query)).toEqual([{ from: T0, to: T0 + 9 * MINUTE, missing: 10 }]);
      expect(await store.findCandleGaps({ ...query, interval: '1h', to: T0 + 3 * 3_600_000 })).toEqual([
        { from: T0, to: T0 + 3 * 3_600_000, missing: 4 },
      ]);
      await expect(store.findCandleGaps({ ...query, interval: '1M' })).rejects.toMatchObject({ code: 'UNSUPPORTED_INTERVAL' });
      await expect(store.findCandleGaps({ ...query, from: -1 })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    });

    it('leaves out ranges recorded as known exchange gaps, and records each gap once', async () => {
      await store.upsertCandles(minutes('BTCUSDT', [0, 9]));
      const outage: KnownCandleGap = { symbol: 'BTCUSDT', interval: '1m', from: T0 + 3 * MINUTE, to: T0 + 5 * MINUTE, reason: 'exchange returned no candles' };
      expect(await store.recordKnownGaps([outage])).toBe(1);
      expect(await store.recordKnownGaps([{ ...outage, reason: 'again' }])).toBe(0);
      expect(await store.findCandleGaps(query)).toEqual([
        { from: T0 + MINUTE, to: T0 + 2 * MINUTE, missing: 2 },
        { from: T0 + 6 * MINUTE, to: T0 + 8 * MINUTE, missing: 3 },
      ]);
      expect(await store.findCandleGaps({ ...query, symbol: 'ETHUSDT' })).toEqual([{ from: T0, to: T0 + 9 * MINUTE, missing: 10 }]);
      expect(await store.listKnownGaps({ symbol: 'BTCUSDT' })).toEqual([outage]);
      await expect(store.recordKnownGaps([{ ...outage, to: T0 }])).rejects.toMatchObject({ code: 'INVALID_GAP' });
    });
  });
});
