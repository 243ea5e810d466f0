import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, fetchSimKlines, type InProcessCollector, MINUTE, rowText, startInProcess, stateRows, storedRowTexts, waitFor } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
/** A 1m candle closes every 0.5 s of real time. */
const SPEED = 120;

describe('live stream outage', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let service: InProcessCollector | undefined;
  beforeAll(async () => {
    sim = await startBinanceSim({ seed: 3, symbols: SYMBOLS, speed: SPEED, klinePushMs: 250 });
    db = await createTestDatabase('candles_live');
  });
  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await db?.drop();
  });

  it('has every candle missed while the WebSocket was down in the table, final and exact, within seconds of the reconnect', async () => {
    const today = new Date(sim.now()).toISOString().slice(0, 10);
    service = await startInProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: today, LOG_LEVEL: 'info' }));
    await waitFor('every series live', async () => Object.values(await stateRows(db)).filter((s) => s.isRealtime).length === SYMBOLS.length, 20_000);

    // Down for at least 4 simulated minutes: upgrades are refused until the clock has moved on.
    sim.faults.rejectConnections(1_000_000);
    sim.faults.dropConnections();
    const downAt = sim.now();
    await waitFor('the outage to last 4 simulated minutes', () => sim.now() >= downAt + 4 * MINUTE, 10_000, 10);
    sim.faults.clear();
    await waitFor('the stream to reconnect', () => sim.wsConnectionCount() > 0, 20_000, 10);
    const upAt = sim.now();
    const reconnectedAtReal = Date.now();

    // Every candle that closed before the reconnect: the ones that closed during the outage, and the one open at the drop.
    const first = Math.floor(downAt / MINUTE) * MINUTE - MINUTE;
    const last = Math.floor(upAt / MINUTE) * MINUTE - MINUTE;
    expect((last - first) / MINUTE + 1).toBeGreaterThanOrEqual(5);
    const expected = new Map<string, string[]>();
    for (const symbol of SYMBOLS) expected.set(symbol, (await fetchSimKlines(sim.restUrl, symbol, '1m', first, last)).map((k) => rowText(symbol, '1m', k)));
    let stored = new Map<string, string[]>();
    const waitedMs = await waitFor(
      'the missed candles to be stored, final and exact',
      async () => {
        stored = new Map(await Promise.all(SYMBOLS.map(async (s) => [s, await storedRowTexts(db, s, '1m', first, last)] as const)));
        return SYMBOLS.every((s) => JSON.stringify(stored.get(s)) === JSON.stringify(expected.get(s)));
      },
      5_000,
    ).catch((error: unknown) => {
      for (const s of SYMBOLS) expect(stored.get(s), `${s} ${new Date(first).toISOString()}..${new Date(last).toISOString()}`).toEqual(expected.get(s));
      throw error;
    });
    console.info(`outage ${((upAt - downAt) / MINUTE).toFixed(1)} simulated minutes; missed candles final in the table ${waitedMs} ms after the reconnect (real ${Date.now() - reconnectedAtReal} ms)`);
  }, 60_000);
});
