import { type BinanceSim, startBinanceSim, syntheticSymbolNames } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, MINUTE, requireBuiltMain, waitFor } from './helpers.js';
import { acceleratedClock, minuteOf, ownership, type Replica, seriesIds, settled, startReplica } from './replicas.js';

const USDT = syntheticSymbolNames(200);
const BTC = syntheticSymbolNames(5, 'BTC');
/** A 1m candle closes every 6 s of real time. */
const SPEED = 10;

async function storedOpenTimes(db: TestDatabase, symbol: string): Promise<number[]> {
  const rows = await db.sql<{ t: string }[]>`SELECT timestamp::text AS t FROM candles WHERE symbol = ${symbol} AND interval = '1m' ORDER BY timestamp`;
  return rows.map((r) => Number(r.t));
}

describe('SYMBOLS=*USDT against 200 synthetic symbols', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let replica: Replica | undefined;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 4, symbols: [...USDT, ...BTC], clock: acceleratedClock(SPEED, 10 * MINUTE), klinePushMs: 1000 });
    db = await createTestDatabase('candles_selection');
  });
  afterAll(async () => {
    replica?.process.kill('SIGKILL');
    await replica?.process.exited;
    await sim?.close();
    await db?.drop();
  });

  it('collects every trading USDT symbol, picks a listing up at the next refresh, and stops a symbol in BREAK', async () => {
    // Not trading from the start: the pattern leaves it out.
    sim.setSymbolStatus('SYN0199USDT', 'BREAK');
    const trading = USDT.slice(0, 199);
    const startOfDay = Math.floor(sim.now() / 86_400_000) * 86_400_000;
    const env = collectorEnv(sim, db.url, { SYMBOLS: '*USDT', SYMBOLS_REFRESH: '2s', START_DATE: new Date(startOfDay).toISOString().slice(0, 10), LOG_LEVEL: 'info' });
    replica = await startReplica('only', env);
    const replicas = [replica];
    let o = await ownership(replicas);
    await waitFor('every trading USDT symbol collected and live', async () => settled((o = await ownership(replicas)), seriesIds(trading)), 90_000, 500).catch((error: Error) => {
      throw new Error(`${error.message}; owned ${o.owners.size}, live ${o.live.size}, BTC pairs ${[...o.owners.keys()].filter((s) => s.includes('BTC|')).length}`);
    });
    for (const symbol of [...trading.slice(0, 3), ...trading.slice(-2)]) expect((await storedOpenTimes(db, symbol))[0]).toBe(startOfDay);

    // A listing in the middle of the run: collected from its first candle on, after the next refresh.
    sim.listSymbol('FRESHUSDT');
    const listedAt = sim.now();
    await waitFor('the new listing collected and live', async () => settled((o = await ownership(replicas)), seriesIds([...trading, 'FRESHUSDT'])), 30_000, 250);
    await waitFor('candles of the new listing', async () => (await storedOpenTimes(db, 'FRESHUSDT')).length >= 2, 30_000, 250);
    expect((await storedOpenTimes(db, 'FRESHUSDT'))[0]).toBe(minuteOf(listedAt));

    // A symbol whose status turns BREAK stops being collected at the next refresh; what is stored stays.
    sim.setSymbolStatus('SYN0000USDT', 'BREAK');
    const breakAt = sim.now();
    const without = [...trading.slice(1), 'FRESHUSDT'];
    await waitFor('the symbol in BREAK no longer collected', async () => settled((o = await ownership(replicas)), seriesIds(without)), 30_000, 250);
    const later = sim.now();
    await waitFor('two more simulated minutes', () => sim.now() >= later + 2 * MINUTE, 30_000, 100);
    const stored = await storedOpenTimes(db, 'SYN0000USDT');
    expect(stored[0]).toBe(startOfDay);
    // Nothing opened after the break began: the minute it began in is the last candle.
    expect(stored[stored.length - 1]).toBeLessThanOrEqual(minuteOf(breakAt));
    // The others go on.
    const others = await storedOpenTimes(db, 'SYN0001USDT');
    expect(others[others.length - 1]).toBeGreaterThanOrEqual(minuteOf(later) + MINUTE);
  }, 240_000);
});
