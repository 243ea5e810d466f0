import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, fetchSimKlines, MINUTE, referenceChecksum, requireBuiltMain, runCollectorProcess, stateRows, storedRowTexts, rowText, tableChecksum } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ETHBTC', 'ADAUSDT', 'SHIBUSDT'];
const START = Date.UTC(2025, 5, 1);
const END = Date.UTC(2025, 6, 1);

describe('one-shot backfill (END_DATE)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 11, symbols: SYMBOLS });
    db = await createTestDatabase('candles_backfill');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('stores 5 symbols × 30 days of 1m candles exactly as the exchange serves them, then exits 0', async () => {
    const started = Date.now();
    const run = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: '2025-06-01', END_DATE: '2025-07-01', INTERVAL: '1m' }));
    const exit = await run.waitForExit(90_000);
    expect(exit, run.tail()).toEqual({ code: 0, signal: null });
    const seconds = (Date.now() - started) / 1000;

    const reference = await Promise.all(SYMBOLS.map(async (symbol) => ({ symbol, interval: '1m', rows: await fetchSimKlines(sim.restUrl, symbol, '1m', START, END - 1) })));
    const expected = referenceChecksum(reference);
    expect(expected.count).toBe(SYMBOLS.length * 30 * 1440);
    const actual = await tableChecksum(db);
    if (actual.md5 !== expected.md5) {
      // Point at the first differing row rather than at two hashes.
      for (const s of reference) {
        const stored = await storedRowTexts(db, s.symbol, '1m');
        expect(stored).toEqual(s.rows.map((k) => rowText(s.symbol, '1m', k)));
      }
    }
    expect(actual).toEqual(expected);

    const lastOpen = END - MINUTE;
    expect(await stateRows(db)).toEqual(Object.fromEntries(SYMBOLS.map((s) => [`${s}|candles:1m`, { lastTimestamp: lastOpen, isRealtime: false }])));
    const [gaps] = await db.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM known_candle_gaps`;
    expect(gaps?.n).toBe('0');
    console.info(`backfill of ${expected.count} candles took ${seconds.toFixed(1)} s (process start to exit)`);
  }, 120_000);
});
