import { type BinanceSim, startBinanceSim, syntheticSymbolNames } from '@collector/binance-sim';
import { createStore } from '@collector/store';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, duplicateRows, MINUTE, requireBuiltMain, waitFor } from './helpers.js';
import { acceleratedClock, balanced, compareWithSim, minuteOf, ownership, type Replica, seriesIds, settled, startReplica } from './replicas.js';

/** Rethrows a timeout with what the replicas said last. */
const explain =
  (detail: () => unknown) =>
  (error: Error): never => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(detail())}`);
  };

const SYMBOLS = syntheticSymbolNames(30);
const SERIES = seriesIds(SYMBOLS);
/** A 1m candle closes every 3 s of real time; leases and heartbeats stay on the wall clock. */
const SPEED = 20;

describe('replicas sharing the series (3 processes, 30 symbols of 1m)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let replicas: Replica[] = [];
  let env: Record<string, string>;
  let startOfDay: number;

  beforeAll(async () => {
    requireBuiltMain();
    // 20 minutes into the day: each series has a short history before it goes live.
    sim = await startBinanceSim({ seed: 12, symbols: SYMBOLS, clock: acceleratedClock(SPEED, 20 * MINUTE), klinePushMs: 500 });
    startOfDay = Math.floor(sim.now() / 86_400_000) * 86_400_000;
  });
  afterEach(async () => {
    for (const r of replicas) r.process.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.process.exited));
    replicas = [];
    await db?.drop();
  });
  afterAll(async () => {
    await sim?.close();
  });

  async function freshDatabase(name: string): Promise<void> {
    db = await createTestDatabase(name);
    env = collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: new Date(startOfDay).toISOString().slice(0, 10), LOG_LEVEL: 'info' });
  }

  /** Waits until the table holds every candle of the simulator up to the last one closed now, final and exact. */
  async function expectTableExact(what: string): Promise<void> {
    const cutoff = minuteOf(sim.now()) - MINUTE;
    let last: Awaited<ReturnType<typeof compareWithSim>> | undefined;
    await waitFor(
      what,
      async () => {
        last = await compareWithSim(db, sim, SYMBOLS, startOfDay, cutoff);
        return last.table.count === last.sim.count && last.table.md5 === last.sim.md5;
      },
      30_000,
      500,
    ).catch(() => expect(last?.table, `${what}: the table up to ${new Date(cutoff).toISOString()}`).toEqual(last?.sim));
    expect(await duplicateRows(db)).toBe(0);
    const store = createStore({ url: db.url, maxConnections: 1 });
    try {
      for (const symbol of SYMBOLS) expect(await store.findCandleGaps({ symbol, interval: '1m', from: startOfDay, to: cutoff }), symbol).toEqual([]);
    } finally {
      await store.close();
    }
  }

  it('settles with every series on exactly one replica, takes a SIGKILLed replica over within 15 s, and ends exact', async () => {
    await freshDatabase('candles_takeover');
    replicas = await Promise.all(['r1', 'r2', 'r3'].map((id) => startReplica(id, env)));
    let o = await ownership(replicas);
    await waitFor('every series owned once and live, balanced', async () => {
      o = await ownership(replicas);
      return settled(o, SERIES) && balanced([...o.counts.values()], SERIES.length);
    }, 60_000, 250).catch(explain(() => ({ counts: Object.fromEntries(o.counts), owned: o.owners.size, live: o.live.size })));
    expect([...o.counts.values()].sort()).toEqual([10, 10, 10]);

    const victim = replicas[0] as Replica;
    const orphaned = SERIES.filter((s) => o.owners.get(s)?.[0] === victim.id);
    expect(orphaned.length).toBeGreaterThan(0);
    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    const survivors = replicas.slice(1);
    // The acceptance bound: its series live again on the others within 15 s of the kill.
    await waitFor("the killed replica's series live again on the others", async () => settled((o = await ownership(survivors)), SERIES), 15_000, 250).catch(
      explain(() => ({ notLive: orphaned.filter((s) => !o.live.has(s)), counts: Object.fromEntries(o.counts) })),
    );
    const takeoverMs = Date.now() - killedAt;
    expect(balanced([...o.counts.values()], SERIES.length)).toBe(true);

    // Two more minutes of collection, then the table is the simulator's series, exactly.
    const after = sim.now();
    await waitFor('two more simulated minutes', () => sim.now() >= after + 2 * MINUTE, 30_000, 100);
    await expectTableExact('the table after the takeover');
    console.info(`takeover: ${orphaned.length} series live again on 2 replicas ${takeoverMs} ms after the SIGKILL`);
  }, 180_000);

  it('rebalances from 1 to 3 replicas within 30 s, and back to 1 by SIGTERM with no hole', async () => {
    await freshDatabase('candles_scaling');
    replicas = [await startReplica('solo', env)];
    await waitFor('one replica owning every series, live', async () => settled(await ownership(replicas), SERIES), 60_000, 250);

    const joinedAt = Date.now();
    replicas.push(...(await Promise.all(['join1', 'join2'].map((id) => startReplica(id, env)))));
    let o = await ownership(replicas);
    await waitFor('every series owned once and live on 3 balanced replicas', async () => {
      o = await ownership(replicas);
      return o.counts.size === 3 && settled(o, SERIES) && balanced([...o.counts.values()], SERIES.length);
    }, 30_000, 250).catch(explain(() => ({ counts: Object.fromEntries(o.counts), owned: o.owners.size, live: o.live.size })));
    const rebalanceMs = Date.now() - joinedAt;

    const [solo, ...joined] = replicas as [Replica, ...Replica[]];
    for (const r of joined) r.process.kill('SIGTERM');
    for (const r of joined) expect(await r.process.waitForExit(15_000), r.process.tail()).toEqual({ code: 0, signal: null });
    await waitFor('the last replica owning every series again, live', async () => settled((o = await ownership([solo])), SERIES), 30_000, 250);
    const after = sim.now();
    await waitFor('two more simulated minutes', () => sim.now() >= after + 2 * MINUTE, 30_000, 100);
    await expectTableExact('the table after scaling down');
    console.info(`scaling: 1 → 3 rebalanced ${rebalanceMs} ms after the new replicas started`);
  }, 180_000);
});
