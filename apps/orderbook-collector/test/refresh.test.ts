import type { BinanceSim } from '@collector/binance-sim';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, expectSnapshotsEqualTrueBook, type InProcessCollector, metric, startInProcess, startSim, storedSnapshots, waitFor } from './helpers.js';

// Acceptance of diff mode's refreshes: under a fast drift (bookDrift 60: an hour of price moves a minute) every
// book runs through its snapshot's range again and again, so it lives on refreshes. Every stored snapshot must
// still hold exactly N levels per side and equal the simulator's true book at its last_update_id, through dropped
// connections and sequence gaps, and while refreshes are refused (429) the short books are skipped, never stored
// short, and recover by themselves. Every wait is for a condition (metrics), never for a length of time.

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SHIBUSDT'];
const DRIFT = 60;
const MINUTE = 60_000;

let db: TestDatabase;
let sim: BinanceSim | undefined;
let running: InProcessCollector | undefined;

beforeAll(async () => {
  db = await createTestDatabase('orderbook_refresh');
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await sim?.close();
  sim = undefined;
});
afterAll(async () => {
  await db?.drop();
});

async function start(levels: number, verifyInterval: string, simOptions: Parameters<typeof startSim>[0] = {}): Promise<{ sim: BinanceSim; port: number }> {
  sim = await startSim({ symbols: SYMBOLS, bookDrift: DRIFT, ...simOptions });
  running = await startInProcess(
    collectorEnv(sim, db.url, undefined, {
      SYMBOLS: SYMBOLS.join(','),
      ORDERBOOK_MODE: 'diff',
      ORDERBOOK_LEVELS: String(levels),
      ORDERBOOK_VERIFY_INTERVAL: verifyInterval,
      REDIS_ENABLED: 'false',
    }),
  );
  return { sim, port: running.collector.httpPort };
}

const count = (port: number, name: string, labels: Record<string, string> = {}) => metric(port, `collector_orderbook_${name}`, labels);

/**
 * Waits until the books of BTCUSDT and ETHUSDT, which the drift walks out of their known depth within seconds,
 * have each taken `n` more refreshes for depth than they had at `since`; returns the new counts.
 */
async function depthRefreshes(port: number, n: number, since: Record<string, number> = {}): Promise<Record<string, number>> {
  const now: Record<string, number> = {};
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    const labels = { symbol, reason: 'depth' };
    await waitFor(`${n} depth refreshes of ${symbol}`, async () => (await count(port, 'refreshes_total', labels)) >= (since[symbol] ?? 0) + n, 90_000);
    now[symbol] = await count(port, 'refreshes_total', labels);
  }
  return now;
}

/** This test's rows: the tests of this file share the database and the symbols, one after another. */
async function rowsSince(from: number): Promise<Awaited<ReturnType<typeof storedSnapshots>>> {
  return (await storedSnapshots(db, SYMBOLS)).filter((r) => r.timestamp >= from);
}

describe('diff mode under a fast drift', () => {
  it.each([20, 100])('%i levels: books live on refreshes; every snapshot is complete and true, through dropped connections and gaps', async (levels) => {
    const startedAt = Date.now();
    // The periodic check is kept long here, so that the refreshes counted are those the depth asks for.
    const { sim, port } = await start(levels, '60s');
    const simStart = sim.now();

    // Phase 1: drift alone. BTCUSDT and ETHUSDT run out of depth within seconds; SHIBUSDT, whose price has few
    // ticks, moves little.
    let seen = await depthRefreshes(port, 2);

    // Phase 2: every connection dropped: the books resync, then live on refreshes again.
    sim.faults.dropConnections();
    await waitFor('a disconnect resync', async () => (await count(port, 'resyncs_total', { reason: 'disconnected' })) >= SYMBOLS.length, 30_000);
    seen = await depthRefreshes(port, 1, seen);

    // Phase 3: ETHUSDT misses three diffs: a gap, a resync of that book alone, then refreshes again.
    sim.faults.skipDepthUpdates(3, 'ETHUSDT');
    await waitFor('a gap resync', async () => (await count(port, 'resyncs_total', { symbol: 'ETHUSDT', reason: 'gap' })) >= 1, 30_000);
    await depthRefreshes(port, 1, seen);

    const written = await count(port, 'snapshots_written_total');
    const mismatches = await count(port, 'verify_mismatches_total');
    const gaps = await count(port, 'resyncs_total', { reason: 'gap' });
    const ethGaps = await count(port, 'resyncs_total', { symbol: 'ETHUSDT', reason: 'gap' });
    const simMinutes = (sim.now() - simStart) * DRIFT / MINUTE;
    await running?.stop();
    running = undefined;

    const rows = await rowsSince(startedAt);
    // The final write at stop may add a grid time.
    expect(rows.length).toBeGreaterThanOrEqual(written);
    for (const symbol of SYMBOLS) expect(rows.filter((r) => r.symbol === symbol).length, symbol).toBeGreaterThan(5);
    // Exactly N levels per side, each equal to the true book at the row's update id: never short, never wrong.
    expectSnapshotsEqualTrueBook(sim, rows, levels);
    // The simulator's book is the truth, so no check may find a difference; and refreshes never leave the live
    // state: the only gaps are the injected ones.
    expect(mismatches).toBe(0);
    expect(gaps).toBe(ethGaps);
    // Several minutes of simulated movement went by.
    expect(simMinutes).toBeGreaterThan(5);
  }, 300_000);

  it('refreshes refused with 429 for a while: the short books are skipped as stale, never stored short, and recover', async () => {
    const startedAt = Date.now();
    // A 1 s weight window, so a 429's Retry-After is 1 s.
    const { sim, port } = await start(20, '60s', { weightWindowMs: 1_000 });
    await depthRefreshes(port, 2);
    const staleBefore = await count(port, 'snapshots_skipped_total', { reason: 'stale' });

    // The next 16 REST requests are refused: with the client's retries (4 requests an attempt, each after a 1 s
    // pause) that is 4 failed refreshes, seconds in which BTCUSDT trades through its known depth.
    sim.faults.rateLimitNext(16);
    await waitFor('a refused refresh', async () => (await count(port, 'refresh_failures_total')) >= 1, 60_000);
    await waitFor('a book skipped as stale', async () => (await count(port, 'snapshots_skipped_total', { reason: 'stale' })) > staleBefore, 60_000);
    const failuresDuring = await count(port, 'refresh_failures_total');

    // Recovery without help: refreshes land again and every book is written again.
    const recoveredFrom = Date.now();
    await depthRefreshes(port, 2, await depthRefreshes(port, 0));
    await waitFor('every book live', async () => (await count(port, 'book_live')) === SYMBOLS.length, 60_000);
    const written = await count(port, 'snapshots_written_total');
    await running?.stop();
    running = undefined;

    expect(failuresDuring).toBeGreaterThanOrEqual(1);
    const rows = await rowsSince(startedAt);
    // The final write at stop may add a grid time.
    expect(rows.length).toBeGreaterThanOrEqual(written);
    expectSnapshotsEqualTrueBook(sim, rows, 20);
    for (const symbol of SYMBOLS) expect(rows.some((r) => r.symbol === symbol && r.timestamp >= recoveredFrom), `${symbol} written after recovery`).toBe(true);
  }, 300_000);

  it('the periodic check refreshes books whose depth holds, and finds the true book equal', async () => {
    const startedAt = Date.now();
    // 5 levels: SHIBUSDT keeps its known depth for a long while, so its refreshes are the checks.
    const { sim, port } = await start(5, '2s');
    await waitFor('three checks of SHIBUSDT', async () => (await count(port, 'refreshes_total', { symbol: 'SHIBUSDT', reason: 'verify' })) >= 3, 60_000);
    const checks = await count(port, 'refreshes_total', { reason: 'verify' });
    const mismatches = await count(port, 'verify_mismatches_total');
    await running?.stop();
    running = undefined;
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(mismatches).toBe(0);
    expectSnapshotsEqualTrueBook(sim, await rowsSince(startedAt), 5);
  }, 120_000);
});
