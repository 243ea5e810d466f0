import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createStore } from '@collector/store';
import { createTestDatabase, type RestartablePostgresHandle, startRestartablePostgres, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectorEnv,
  fetchSimKlines,
  type InProcessCollector,
  MINUTE,
  referenceChecksum,
  requireBuiltMain,
  rowText,
  runCollectorProcess,
  startInProcess,
  stateRows,
  storedRowTexts,
  tableChecksum,
  waitFor,
} from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

async function candleCount(db: TestDatabase): Promise<number> {
  try {
    const [row] = await db.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM candles`;
    return Number(row?.n ?? 0);
  } catch {
    // No table yet, or the server is restarting.
    return 0;
  }
}

describe('PostgreSQL restarted mid-run', () => {
  let pg: RestartablePostgresHandle;
  beforeAll(async () => {
    requireBuiltMain();
    pg = await startRestartablePostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('a backfill rides out the restart by itself and ends exact', async () => {
    const sim = await startBinanceSim({ seed: 21, symbols: SYMBOLS });
    const db = await createTestDatabase('candles_pg_restart_backfill', pg.url);
    try {
      const start = Date.UTC(2025, 3, 1);
      const end = Date.UTC(2025, 3, 15);
      const run = runCollectorProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: '2025-04-01', END_DATE: '2025-04-15', BATCH_SIZE: '500' }));
      // Three restarts at different stages of the backfill, each down for a second.
      for (const rows of [3_000, 12_000, 24_000]) {
        await waitFor(`${rows} candles stored`, async () => run.hasExited() || (await candleCount(db)) >= rows, 30_000);
        expect(run.hasExited(), run.tail()).toBe(false);
        await pg.restart(1000);
      }
      const exit = await run.waitForExit(60_000);
      expect(exit, run.tail()).toEqual({ code: 0, signal: null });
      // It did see the outage, and retried rather than failing.
      expect(run.stdout.some((line) => /failed; retrying/.test(line)), run.tail()).toBe(true);

      const reference = await Promise.all(SYMBOLS.map(async (symbol) => ({ symbol, interval: '1m', rows: await fetchSimKlines(sim.restUrl, symbol, '1m', start, end - 1) })));
      expect(await tableChecksum(db)).toEqual(referenceChecksum(reference));
      expect(await stateRows(db)).toEqual(Object.fromEntries(SYMBOLS.map((s) => [`${s}|candles:1m`, { lastTimestamp: end - MINUTE, isRealtime: false }])));
    } finally {
      await sim.close();
      await db.drop();
    }
  }, 90_000);

  it('live collection loses no closed candle across the restart', async () => {
    const sim = await startBinanceSim({ seed: 22, symbols: SYMBOLS, speed: 120, klinePushMs: 250 });
    const db = await createTestDatabase('candles_pg_restart_live', pg.url);
    let service: InProcessCollector | undefined;
    try {
      const today = new Date(sim.now()).toISOString().slice(0, 10);
      const startTime = Date.parse(`${today}T00:00:00Z`);
      service = await startInProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: today }));
      await waitFor('every series live', async () => Object.values(await stateRows(db).catch(() => ({}))).filter((s) => s.isRealtime).length === SYMBOLS.length, 20_000);
      const downAt = sim.now();
      await pg.restart(2000);
      const upAt = sim.now();
      expect(upAt - downAt).toBeGreaterThanOrEqual(3 * MINUTE);

      // Everything that closed up to a minute after the database came back: complete, final, exact.
      const last = Math.floor(upAt / MINUTE) * MINUTE;
      await waitFor('the stream to close the candle after the restart', () => sim.now() >= last + MINUTE + 1000, 5_000, 10);
      const expected = new Map<string, string[]>();
      for (const symbol of SYMBOLS) expected.set(symbol, (await fetchSimKlines(sim.restUrl, symbol, '1m', startTime, last)).map((k) => rowText(symbol, '1m', k)));
      let stored = new Map<string, string[]>();
      await waitFor(
        'every closed candle stored after the restart',
        async () => {
          stored = new Map(await Promise.all(SYMBOLS.map(async (s) => [s, await storedRowTexts(db, s, '1m', startTime, last).catch(() => [])] as const)));
          return SYMBOLS.every((s) => JSON.stringify(stored.get(s)) === JSON.stringify(expected.get(s)));
        },
        15_000,
      ).catch((error: unknown) => {
        for (const s of SYMBOLS) expect(stored.get(s)).toEqual(expected.get(s));
        throw error;
      });
      const store = createStore({ url: db.url, maxConnections: 1 });
      try {
        for (const symbol of SYMBOLS) expect(await store.findCandleGaps({ symbol, interval: '1m', from: startTime, to: last })).toEqual([]);
      } finally {
        await store.close();
      }
      // The service answers as ready again: database reachable, streams live.
      await waitFor('/readyz 200', async () => (await fetch(`http://127.0.0.1:${service?.collector.httpPort}/readyz`)).status === 200, 10_000, 100);
    } finally {
      await service?.stop();
      await sim.close();
      await db.drop();
    }
  }, 90_000);
});
