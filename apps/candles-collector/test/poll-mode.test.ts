import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, fetchSimKlines, type InProcessCollector, rowText, startInProcess, stateRows, storedRowTexts, waitFor } from './helpers.js';

// REALTIME_MODE=poll, the fallback without streams: series go live and their candles keep coming over REST.
const SYMBOLS = ['POLLAUSDT', 'POLLBUSDT'];
/** A 1m candle closes every 0.5 s of real time. */
const SPEED = 120;
const LIVE_CANDLES_WANTED = 10;

describe('poll mode', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let service: InProcessCollector | undefined;
  beforeAll(async () => {
    sim = await startBinanceSim({ seed: 12, symbols: SYMBOLS, speed: SPEED });
    db = await createTestDatabase('candles_poll_mode');
  });
  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await db?.drop();
  });

  it('goes live and stores the closed candles it polls, equal to the exchange', async () => {
    const today = new Date(sim.now()).toISOString().slice(0, 10);
    service = await startInProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: today, REALTIME_MODE: 'poll', REALTIME_INTERVAL: '0.1' }));
    await waitFor('every series live', async () => Object.values(await stateRows(db)).filter((s) => s.isRealtime).length === SYMBOLS.length, 30_000);
    const liveFrom = Math.floor(sim.now() / 60_000) * 60_000;
    const until = liveFrom + LIVE_CANDLES_WANTED * 60_000;
    await waitFor(`${LIVE_CANDLES_WANTED} candles closed after going live`, () => sim.now() > until + 60_000, 30_000);
    await waitFor(
      'the live candles stored, final',
      async () => (await db.sql`SELECT count(*)::int AS n FROM candles WHERE is_closed AND timestamp BETWEEN ${liveFrom} AND ${until}`)[0]?.n === SYMBOLS.length * (LIVE_CANDLES_WANTED + 1),
      10_000,
    );
    for (const symbol of SYMBOLS) {
      const reference = await fetchSimKlines(sim.restUrl, symbol, '1m', liveFrom, until);
      expect(await storedRowTexts(db, symbol, '1m', liveFrom, until)).toEqual(reference.map((k) => rowText(symbol, '1m', k)));
    }
  }, 60_000);
});
