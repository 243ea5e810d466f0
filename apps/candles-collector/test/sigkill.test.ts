import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createStore, type Store } from '@collector/store';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectorEnv,
  duplicateRows,
  fetchSimKlines,
  MINUTE,
  referenceChecksum,
  requireBuiltMain,
  runCollectorProcess,
  seededRandom,
  sleep,
  stateRows,
  tableChecksum,
  tableExists,
  waitFor,
} from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ADAUSDT'];
const START = Date.UTC(2025, 2, 1);
// Long enough that a backfill at full speed (tens of thousands of candles/s) is still running at every kill.
const END = Date.UTC(2025, 4, 30);
const DAYS = (END - START) / 86_400_000;
const KILLS = 4;

async function candleCount(db: TestDatabase): Promise<number> {
  if (!(await tableExists(db, 'candles'))) return 0;
  const [row] = await db.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM candles`;
  return Number(row?.n ?? 0);
}

// Both history paths: whole archive files loaded by COPY with their state, and REST pages.
for (const source of ['archive', 'rest'] as const) describe(`SIGKILL during a backfill (HISTORY_SOURCE=${source})`, () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 5, symbols: SYMBOLS });
    db = await createTestDatabase(`candles_sigkill_${source}`);
    store = createStore({ url: db.url, maxConnections: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await sim?.close();
    await db?.drop();
  });

  it('resumes after every kill and ends exact: no duplicates, no holes, state at the last candle', async () => {
    const env = collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: '2025-03-01', END_DATE: new Date(END).toISOString().slice(0, 10), BATCH_SIZE: '500', HISTORY_SOURCE: source });
    const random = seededRandom(20251124);
    const total = SYMBOLS.length * DAYS * 1440;
    const rowsAfterKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // A random moment: once a random share of the remaining candles is stored, plus a random fraction of a second.
      const previous = rowsAfterKill[kill - 1] ?? 0;
      const target = previous + Math.round((total - previous) * (0.05 + random() * 0.3));
      const run = runCollectorProcess(env);
      await waitFor(`${target} candles stored (run ${kill})`, async () => run.hasExited() || (await candleCount(db)) >= target, 30_000, 20);
      await sleep(Math.round(random() * 100));
      expect(run.hasExited(), `run ${kill} finished before its kill; the kills must land mid-backfill\n${run.tail()}`).toBe(false);
      run.kill('SIGKILL');
      expect(await run.waitForExit(5_000)).toEqual({ code: null, signal: 'SIGKILL' });
      rowsAfterKill.push(await candleCount(db));
      // The state never runs ahead of the data: everything up to it is stored.
      for (const [id, state] of Object.entries(await stateRows(db))) {
        const symbol = id.split('|')[0] as string;
        expect(await store.findCandleGaps({ symbol, interval: '1m', from: START, to: state.lastTimestamp }), `${id} after kill ${kill}`).toEqual([]);
      }
    }
    // Each run added rows and none finished: the kills hit a backfill in progress.
    expect(rowsAfterKill.every((n, i) => n < total && n > (rowsAfterKill[i - 1] ?? 0)), `rows after each kill: ${rowsAfterKill.join(', ')}`).toBe(true);

    const last = runCollectorProcess(env);
    const exit = await last.waitForExit(60_000);
    expect(exit, last.tail()).toEqual({ code: 0, signal: null });
    // The last run resumed where the data ended instead of starting over.
    const firstFrom = last.stdout.map((line) => JSON.parse(line) as { msg?: string; from?: string }).find((l) => l.msg === 'historical phase started')?.from;
    expect(firstFrom === undefined || Date.parse(firstFrom) > START).toBe(true);

    const reference = await Promise.all(SYMBOLS.map(async (symbol) => ({ symbol, interval: '1m', rows: await fetchSimKlines(sim.restUrl, symbol, '1m', START, END - 1) })));
    expect(await tableChecksum(db)).toEqual(referenceChecksum(reference));
    expect(await duplicateRows(db)).toBe(0);
    for (const symbol of SYMBOLS) expect(await store.findCandleGaps({ symbol, interval: '1m', from: START, to: END - MINUTE })).toEqual([]);
    expect(await stateRows(db)).toEqual(Object.fromEntries(SYMBOLS.map((s) => [`${s}|candles:1m`, { lastTimestamp: END - MINUTE, isRealtime: false }])));
    console.info(`candle rows after each SIGKILL: ${rowsAfterKill.join(', ')} of ${total}`);
  }, 120_000);
});
