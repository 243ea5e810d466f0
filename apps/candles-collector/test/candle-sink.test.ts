import type { Candle } from '@collector/candle';
import { type Decimal, parseDecimal } from '@collector/decimal';
import { createServiceLogger, Registry } from '@collector/service-kit';
import { createStore, type Store } from '@collector/store';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandleSink } from '../src/candle-sink.js';
import { createCandlesMetrics } from '../src/metrics.js';
import { SeriesProgress, seriesId } from '../src/progress.js';

const SECOND = 1000;
const SERIES = 200;
/** A second boundary: the candles closing there and the ones opening there. */
const T = Date.UTC(2026, 11, 1, 12, 0, 0);

function candle(symbol: string, openTime: number, isClosed: boolean): Candle<Decimal> {
  const d = parseDecimal;
  return {
    symbol,
    interval: '1s',
    openTime,
    closeTime: openTime + SECOND - 1,
    open: d('100.5'),
    high: d('101'),
    low: d('100.25'),
    close: d('100.75'),
    volume: d('0.5'),
    quoteVolume: d('50.25'),
    takerBuyVolume: d('0.25'),
    takerBuyQuoteVolume: d('25.125'),
    trades: 3,
    isClosed,
  };
}

describe('CandleSink', () => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase('candle_sink');
    store = createStore({ url: db.url, maxConnections: 8 });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('shares a burst among the commits that may run, never a series in two of them, and stores all of it', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    // The real store, watched: how the sink splits what it writes.
    const watched: Store = {
      ...store,
      async upsertCandles(candles) {
        batches.push(candles.map((c) => c.symbol));
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await store.upsertCandles(candles);
        } finally {
          inFlight--;
        }
      },
    };
    const symbols = Array.from({ length: SERIES }, (_, i) => `SINK${String(i).padStart(3, '0')}USDT`);
    const progress = new Map(symbols.map((symbol) => [seriesId({ symbol, interval: '1s' }), new SeriesProgress({ symbol, interval: '1s' }, T - 2 * SECOND)]));
    const sink = new CandleSink({
      store: watched,
      metrics: createCandlesMetrics(new Registry()),
      logger: createServiceLogger('candle-sink-test', 'silent'),
      signal: new AbortController().signal,
      progress,
      now: () => T + 5,
      publisher: undefined,
      retryDelayMs: 50,
    });

    // One second of a 1s stream, in the stream's order: each series closes its candle, then its next one opens.
    for (const symbol of symbols) {
      sink.offer(candle(symbol, T - SECOND, true), T + 2);
      sink.offer(candle(symbol, T, false), T + 2);
    }
    await sink.flushed();

    expect(batches.map((b) => b.length)).toEqual([100, 100, 100, 100]);
    expect(mostInFlight).toBe(4);
    const seriesPerBatch = batches.map((b) => new Set(b));
    expect(seriesPerBatch.reduce((n, s) => n + s.size, 0)).toBe(SERIES);
    const rows = await db.sql<{ closed: number; open: number }[]>`
      SELECT count(*) FILTER (WHERE is_closed AND "timestamp" = ${T - SECOND})::int AS closed,
             count(*) FILTER (WHERE NOT is_closed AND "timestamp" = ${T})::int AS open
      FROM candles WHERE interval = '1s'`;
    expect(rows[0]).toEqual({ closed: SERIES, open: SERIES });
    for (const series of progress.values()) expect(series.contiguousUntil).toBe(T - SECOND);
    const states = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM collector_state WHERE last_timestamp = ${T - SECOND}`;
    expect(states[0]?.n).toBe(SERIES);
  });
});
