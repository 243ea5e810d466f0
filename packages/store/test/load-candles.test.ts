import { type Candle, type CandleText, PackedCandles } from '@collector/candle';
import { Decimal, type DecimalInput, lazyDecimal } from '@collector/decimal';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStore, StoreError, StoreValidationError, type Store } from '../src/index.js';

type CandleInput = Candle<DecimalInput>;

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 2, 1);
const STREAM = 'candles:1m';

function candle(symbol: string, minute: number, overrides: Partial<CandleInput> = {}): CandleInput {
  const openTime = T0 + minute * MINUTE;
  return {
    symbol, interval: '1m', openTime, closeTime: openTime + MINUTE - 1,
    open: '64321.12000000', high: '64400.00000000', low: '64000.10000000', close: '64350.00000000',
    volume: '12.34567800', quoteVolume: '794000.12345678', takerBuyVolume: '0.00000000', takerBuyQuoteVolume: '386000.00000000',
    trades: 1234 + minute, isClosed: true, ...overrides,
  };
}

function range(symbol: string, from: number, count: number): CandleInput[] {
  return Array.from({ length: count }, (_, i) => candle(symbol, from + i));
}

/** Waits, with a generous deadline, until `check` holds. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('loadCandles', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase('store_load');
    store = createStore({ url: db.url, maxConnections: 3 });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });
  beforeEach(async () => {
    await db.sql`TRUNCATE candles, collector_state`;
  });

  it('copies an empty range straight into candles, with exact canonical decimals, and advances the state with it', async () => {
    const rows = range('BTCUSDT', 0, 5000);
    rows[1] = candle('BTCUSDT', 1, { open: '5E-8', high: new Decimal('0.50'), low: lazyDecimal('0.00000001'), volume: '123456789012345678901234567890.000000000001' });
    const result = await store.loadCandles({ candles: rows, states: [{ symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 4999 * MINUTE }] });
    expect(result.path).toBe('copy');
    expect(result.candles).toBe(5000);
    expect(result.states.map((s) => [s.symbol, s.stream, s.lastTimestamp, s.isRealtime])).toEqual([['BTCUSDT', STREAM, T0 + 4999 * MINUTE, false]]);

    const stored = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 5000 * MINUTE });
    expect(stored).toHaveLength(5000);
    expect(stored[0]).toEqual({
      ...candle('BTCUSDT', 0),
      open: '64321.12', high: '64400', low: '64000.1', close: '64350', volume: '12.345678', quoteVolume: '794000.12345678',
      takerBuyVolume: '0', takerBuyQuoteVolume: '386000',
    });
    expect([stored[1]?.open, stored[1]?.high, stored[1]?.low, stored[1]?.volume]).toEqual(['0.00000005', '0.5', '0.00000001', '123456789012345678901234567890.000000000001']);
    expect(stored.every((c, i) => c.openTime === T0 + i * MINUTE && c.closeTime === c.openTime + MINUTE - 1 && c.trades === 1234 + i)).toBe(true);

    // The same rows written by the upsert path read back identically: one canonical form whichever way they went in.
    await db.sql`TRUNCATE candles`;
    await store.upsertCandles(rows);
    expect(await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 5000 * MINUTE })).toEqual(stored);
  });

  it('upserts through a staging table where the range has rows: open candles updated, closed ones kept, new ones added', async () => {
    await store.upsertCandles([candle('BTCUSDT', 1, { close: '1.00000000' }), candle('BTCUSDT', 2, { close: '2.00000000', isClosed: false })]);
    const result = await store.loadCandles({
      candles: [candle('BTCUSDT', 0), candle('BTCUSDT', 1, { close: '9' }), candle('BTCUSDT', 2, { close: '9' }), candle('BTCUSDT', 3)],
      states: [{ symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 3 * MINUTE, isRealtime: true }],
    });
    expect(result.path).toBe('staging');
    expect(result.candles).toBe(3);
    expect(result.states[0]?.isRealtime).toBe(true);
    const stored = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 3 * MINUTE });
    expect(stored.map((c) => [c.openTime, c.close, c.isClosed])).toEqual([
      [T0, '64350', true],
      [T0 + MINUTE, '1', true],
      [T0 + 2 * MINUTE, '9', true],
      [T0 + 3 * MINUTE, '64350', true],
    ]);
    // No staging table outlives its transaction.
    const [staging] = await db.sql<{ tables: number }[]>`SELECT count(*)::int AS tables FROM pg_class WHERE relname = 'candles_staging'`;
    expect(staging?.tables).toBe(0);
  });

  it('takes several series through the staging table, and a state never moves backwards', async () => {
    await store.setState({ symbol: 'ETHUSDT', stream: STREAM, lastTimestamp: T0 + 100 * MINUTE });
    const result = await store.loadCandles({
      candles: [...range('BTCUSDT', 0, 10), ...range('ETHUSDT', 0, 10)],
      states: [
        { symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 9 * MINUTE },
        { symbol: 'ETHUSDT', stream: STREAM, lastTimestamp: T0 + 9 * MINUTE },
      ],
    });
    expect(result).toMatchObject({ path: 'staging', candles: 20 });
    expect(result.states.map((s) => s.lastTimestamp)).toEqual([T0 + 9 * MINUTE, T0 + 100 * MINUTE]);
  });

  it('loads packed candles (as an archive file comes) like the same candles as objects, by COPY and through staging', async () => {
    const rows = range('BTCUSDT', 0, 3000) as CandleText[];
    rows[1] = candle('BTCUSDT', 1, { open: '5E-8', volume: '007.50', quoteVolume: '.25' }) as CandleText;
    const state = { symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 2999 * MINUTE };
    expect(await store.loadCandles({ candles: rows, states: [state] })).toMatchObject({ path: 'copy', candles: 3000 });
    const asObjects = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 3000 * MINUTE });
    await db.sql`TRUNCATE candles, collector_state`;
    const packed = PackedCandles.from(rows);
    expect(await store.loadCandles({ candles: packed, states: [state] })).toMatchObject({ path: 'copy', candles: 3000 });
    expect(await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 3000 * MINUTE })).toEqual(asObjects);
    expect(asObjects[1]).toMatchObject({ open: '0.00000005', volume: '7.5', quoteVolume: '0.25' });
    // Into a range with rows: the staging upsert, closed rows kept.
    expect(await store.loadCandles({ candles: packed, states: [state] })).toMatchObject({ path: 'staging', candles: 0 });
    const bad = PackedCandles.from([rows[0] as CandleText, { ...(rows[1] as CandleText), openTime: T0 + 5000 * MINUTE, closeTime: T0 + 5001 * MINUTE - 1, high: '-1' }]);
    await expect(store.loadCandles({ candles: bad, states: [] })).rejects.toMatchObject({ code: 'INVALID_CANDLE', index: 1, field: 'high' });
    expect(await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0 + 5000 * MINUTE, to: T0 + 5000 * MINUTE })).toEqual([]);
  });

  it('refuses a bad candle before anything is written', async () => {
    const rows = range('BTCUSDT', 0, 10);
    rows[7] = candle('BTCUSDT', 7, { volume: '1,5' });
    const failure = await store.loadCandles({ candles: rows, states: [{ symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 9 * MINUTE }] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StoreValidationError);
    expect(failure).toMatchObject({ code: 'INVALID_CANDLE', index: 7, field: 'volume' });
    const [written] = await db.sql<{ n: number }[]>`SELECT ((SELECT count(*) FROM candles) + (SELECT count(*) FROM collector_state))::int AS n`;
    expect(written?.n).toBe(0);
  });

  it('is all or nothing: a failure after the COPY leaves neither rows nor state, and the pool stays usable', async () => {
    await db.sql.unsafe(`
      CREATE FUNCTION refuse_state() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.symbol = 'BADUSDT' THEN RAISE EXCEPTION 'state refused for %', NEW.symbol; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_state BEFORE INSERT ON collector_state FOR EACH ROW EXECUTE FUNCTION refuse_state();`);
    try {
      const failure = await store
        .loadCandles({ candles: range('BADUSDT', 0, 3000), states: [{ symbol: 'BADUSDT', stream: STREAM, lastTimestamp: T0 + 2999 * MINUTE }] })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(StoreError);
      expect(failure).toMatchObject({ code: 'QUERY_FAILED' });
      expect((failure as Error).message).toContain('state refused for BADUSDT');
      const [rows] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM candles`;
      expect(rows?.n).toBe(0);
      // Every connection of the pool is still good.
      for (let i = 0; i < 3; i++) expect((await store.loadCandles({ candles: range('BTCUSDT', i * 10, 10), states: [] })).candles).toBe(10);
    } finally {
      await db.sql.unsafe('DROP TRIGGER refuse_state ON collector_state; DROP FUNCTION refuse_state();');
    }
  });

  it('surfaces an error the server raises while copying (no hung COPY, no transaction left open)', async () => {
    await db.sql.unsafe(`
      CREATE FUNCTION refuse_candle() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.symbol = 'BADUSDT' THEN RAISE EXCEPTION 'candle refused at %', NEW.timestamp; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_candle BEFORE INSERT ON candles FOR EACH ROW EXECUTE FUNCTION refuse_candle();`);
    try {
      for (const rows of [range('BADUSDT', 0, 5), range('BADUSDT', 0, 20_000)]) {
        const failure = await store.loadCandles({ candles: rows, states: [] }).catch((e: unknown) => e);
        expect(failure).toMatchObject({ code: 'QUERY_FAILED' });
        expect((failure as Error).message).toContain('candle refused at');
      }
      await until(async () => (await db.sql`SELECT 1 FROM pg_stat_activity WHERE datname = ${db.name} AND state LIKE 'idle in transaction%'`).length === 0, 'no open transactions');
      expect((await store.loadCandles({ candles: range('BTCUSDT', 0, 10), states: [] })).path).toBe('copy');
    } finally {
      await db.sql.unsafe('DROP TRIGGER refuse_candle ON candles; DROP FUNCTION refuse_candle();');
    }
  });

  it('redoes the load through the staging table when a row appears in the range after it was found empty', async () => {
    // Another writer holds an uncommitted row in the range: the probe does not see it, the COPY waits on it and
    // fails with a unique violation once it commits.
    const other = await db.sql.reserve();
    try {
      await other`BEGIN`;
      await other`INSERT INTO candles (symbol, interval, timestamp, open_time, close_time, open_price, high_price, low_price, close_price,
        volume, quote_volume, taker_buy_volume, taker_buy_quote_volume, trades, is_closed)
        VALUES ('BTCUSDT', '1m', ${T0 + 5 * MINUTE}, ${new Date(T0 + 5 * MINUTE)}, ${new Date(T0 + 6 * MINUTE - 1)}, 1, 1, 1, 1, 1, 1, 1, 1, 1, false)`;
      const loading = store.loadCandles({ candles: range('BTCUSDT', 0, 10), states: [{ symbol: 'BTCUSDT', stream: STREAM, lastTimestamp: T0 + 9 * MINUTE }] });
      await until(async () => (await db.sql`SELECT 1 FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE 'COPY candles %' AND wait_event_type = 'Lock'`).length > 0, 'the COPY to wait');
      await other`COMMIT`;
      const result = await loading;
      expect(result).toMatchObject({ path: 'staging', candles: 10 });
    } finally {
      other.release();
    }
    const stored = await store.getCandles({ symbol: 'BTCUSDT', interval: '1m', from: T0, to: T0 + 9 * MINUTE });
    expect(stored.map((c) => c.close)).toEqual(Array(10).fill('64350'));
  });
});
