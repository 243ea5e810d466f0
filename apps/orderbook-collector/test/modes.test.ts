import type { BinanceSim } from '@collector/binance-sim';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  collectMessages,
  collectorEnv,
  expectPublishedEqualStored,
  expectSnapshotsEqualTrueBook,
  type InProcessCollector,
  metric,
  sleep,
  startInProcess,
  startSim,
  storedSnapshots,
  waitFor,
} from './helpers.js';

// Acceptance, per mode: every stored snapshot equals the simulator's true book at the snapshot's last_update_id
// (top N, exact strings), it sits on the time grid, the Redis feed carries the same snapshots, and the state row
// says where the collector is. In stream and diff modes this holds across dropped connections (and, in diff mode,
// across injected sequence gaps, which make the books resync).

const { redis, skipReason } = await findTestRedis();
if (skipReason) console.warn(`orderbook modes: ${skipReason}`);

const INTERVAL_MS = 200;
let db: TestDatabase;
let sim: BinanceSim;
let running: InProcessCollector | undefined;

beforeAll(async () => {
  db = await createTestDatabase('orderbook_modes');
  sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT', 'ADAUSDT', 'ETHBTC', 'SHIBUSDT', 'MODEAUSDT', 'MODEBUSDT', 'CROSSUSDT', 'SLOWUSDT'] });
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

async function run(mode: string, symbols: string[], levels: number, during: (c: InProcessCollector) => Promise<void>) {
  if (!redis) throw new Error('unreachable');
  const feed = await collectMessages(redis.url, redis.prefix, symbols);
  const started = Date.now();
  running = await startInProcess(collectorEnv(sim, db.url, redis, { SYMBOLS: symbols.join(','), ORDERBOOK_MODE: mode, ORDERBOOK_LEVELS: String(levels) }));
  await during(running);
  const port = running.collector.httpPort;
  const scrapedAt = Date.now();
  const skipped = await metric(port, 'collector_orderbook_snapshots_skipped_total');
  const missed = await metric(port, 'collector_orderbook_ticks_missed_total');
  const written = await metric(port, 'collector_orderbook_snapshots_written_total');
  const publishDelays = {
    count: await metric(port, 'collector_orderbook_publish_delay_seconds_count'),
    withinQuarterStep: await metric(port, 'collector_orderbook_publish_delay_seconds_bucket', { le: '0.25' }),
  };
  await running.stop();
  const elapsed = Date.now() - started;
  await sleep(100);
  await feed.close();
  const rows = await storedSnapshots(db, symbols);
  return { rows, messages: feed.messages, skipped, missed, scrapedAt, written, publishDelays, elapsed, logs: running.logs };
}

function expectOnGrid(rows: readonly { timestamp: number }[]): void {
  for (const row of rows) expect(row.timestamp % INTERVAL_MS).toBe(0);
}

describe.skipIf(!redis)('order book collector against the simulator', () => {
  it('stream mode: partial depth snapshots equal the true book, across dropped connections', async () => {
    const symbols = ['BTCUSDT', 'ETHUSDT'];
    const result = await run('stream', symbols, 10, async ({ collector }) => {
      await waitFor('first snapshots', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_written_total')) >= 4);
      sim.faults.dropConnections();
      await waitFor('a resync', async () => (await metric(collector.httpPort, 'collector_orderbook_resyncs_total', { reason: 'disconnected' })) >= 1);
      await sleep(1_000);
    });
    expect(result.rows.length).toBeGreaterThanOrEqual(8);
    expect(new Set(result.rows.map((r) => r.symbol))).toEqual(new Set(symbols));
    expectSnapshotsEqualTrueBook(sim, result.rows, 10);
    expectOnGrid(result.rows);
    expect(result.rows.every((r) => r.eventTime === null)).toBe(true);
    expectPublishedEqualStored(result.messages, result.rows);
    // Each tick that published is in the collector's publish-delay histogram, well inside a step: the insert waits
    // 100 ms at most for Redis's acknowledgement, so only an event loop blocked for longer could take one past 0.25 s.
    expect(result.publishDelays.count).toBeGreaterThanOrEqual(4);
    expect(result.publishDelays.withinQuarterStep).toBe(result.publishDelays.count);
    // No grid time is stored twice, and the update ids never go backwards.
    for (const symbol of symbols) {
      const own = result.rows.filter((r) => r.symbol === symbol);
      expect(new Set(own.map((r) => r.timestamp)).size).toBe(own.length);
      for (let i = 1; i < own.length; i++) expect(own[i]!.lastUpdateId).toBeGreaterThanOrEqual(own[i - 1]!.lastUpdateId);
    }
    const [state] = await db.sql`SELECT last_timestamp, is_realtime FROM collector_state WHERE symbol = 'BTCUSDT' AND stream = 'orderbook'`;
    expect(Number(state?.last_timestamp)).toBe(Math.max(...result.rows.filter((r) => r.symbol === 'BTCUSDT').map((r) => r.timestamp)));
    // A clean stop leaves the symbol marked as not realtime.
    expect(state?.is_realtime).toBe(false);
  });

  it('stream mode: crossed pushes are refused, counted and logged, and nothing of them is stored or published', async () => {
    // A symbol of its own: the rows of every test share the database.
    const symbols = ['CROSSUSDT'];
    let refused = 0;
    let crossedUntil = 0;
    const result = await run('stream', symbols, 5, async ({ collector }) => {
      const port = collector.httpPort;
      await waitFor('first snapshots', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= 2);
      const pushes = await metric(port, 'collector_orderbook_partial_depth_events_total');
      sim.faults.crossPartialDepth(15, 'CROSSUSDT');
      // Pushes are checked when read (grid times every 200 ms, pushes every 100 ms), so a crossed push superseded
      // before a read is never parsed, and never counted: some of the 15 are.
      await waitFor('15 pushes and a refusal', async () =>
        (await metric(port, 'collector_orderbook_partial_depth_events_total')) >= pushes + 16 && (await metric(port, 'collector_orderbook_invalid_frames_total')) >= 1,
      );
      crossedUntil = Date.now();
      const written = await metric(port, 'collector_orderbook_snapshots_written_total');
      await waitFor('written again', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= written + 2);
      refused = await metric(port, 'collector_orderbook_invalid_frames_total');
    });
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(15);
    // Every stored book is the true one: ordered, not crossed, at its update id; the feed carries the same.
    expectSnapshotsEqualTrueBook(sim, result.rows, 5);
    expectPublishedEqualStored(result.messages, result.rows);
    expect(result.rows.some((r) => r.timestamp > crossedUntil)).toBe(true);
    // One line for the first refusal (then one per 100), naming the stream and what was wrong.
    const lines = result.logs.filter((l) => l.msg === 'depth frame refused; nothing of it is stored');
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).toMatch(/crossusdt@depth5@100ms.*bids\[1\] price .* is not below bids\[0\]/);
  });

  it('stream mode at ORDERBOOK_STREAM_SPEED=1000: one-second pushes (`@depth5`) on a 1 s grid equal the true book', async () => {
    if (!redis) throw new Error('unreachable');
    const env = collectorEnv(sim, db.url, redis, { SYMBOLS: 'SLOWUSDT', ORDERBOOK_LEVELS: '5', ORDERBOOK_STREAM_SPEED: '1000', ORDERBOOK_UPDATE_INTERVAL: '1' });
    const started = Date.now();
    running = await startInProcess(env);
    const port = running.collector.httpPort;
    await waitFor('3 snapshots', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= 3, 20_000);
    const pushes = await metric(port, 'collector_orderbook_partial_depth_events_total');
    const elapsedS = (Date.now() - started) / 1000;
    await running.stop();
    running = undefined;
    const rows = await storedSnapshots(db, ['SLOWUSDT']);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.timestamp % 1000 === 0)).toBe(true);
    expectSnapshotsEqualTrueBook(sim, rows, 5);
    // About one push a second, not ten.
    expect(pushes).toBeLessThan(2 * elapsedS + 2);
  });

  it('stream mode: a stalled stream is skipped as stale, not written again as fresh', async () => {
    const symbols = ['ADAUSDT'];
    let stallFrom = 0;
    let stallTo = 0;
    const result = await run('stream', symbols, 5, async ({ collector }) => {
      await waitFor('first snapshots', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_written_total')) >= 3);
      stallFrom = Date.now();
      sim.faults.stallStreams(1_500);
      await waitFor('stale skips', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_skipped_total', { reason: 'stale' })) >= 2);
      stallTo = stallFrom + 1_500;
      await waitFor('snapshots again', async () => Date.now() > stallTo + 1_000);
    });
    expectSnapshotsEqualTrueBook(sim, result.rows, 5);
    // Inside the stall (past the first grid step, when the last push may still count as fresh) nothing is stored.
    const inside = result.rows.filter((r) => r.timestamp > stallFrom + 2 * INTERVAL_MS && r.timestamp < stallTo - INTERVAL_MS);
    expect(inside).toEqual([]);
    expect(result.rows.some((r) => r.timestamp > stallTo + INTERVAL_MS)).toBe(true);
    expect(result.logs.some((l) => l.msg === 'snapshot skipped: book not in sync' && l.reason === 'stale')).toBe(true);
  });

  it('diff mode: local books equal the true book at 50 levels, across sequence gaps and dropped connections', async () => {
    const symbols = ['ETHBTC', 'SHIBUSDT'];
    const result = await run('diff', symbols, 50, async ({ collector }) => {
      await waitFor('first snapshots', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_written_total')) >= 4);
      sim.faults.skipDepthUpdates(3, 'ETHBTC');
      await waitFor('a gap resync', async () => (await metric(collector.httpPort, 'collector_orderbook_resyncs_total', { symbol: 'ETHBTC', reason: 'gap' })) >= 1);
      await waitFor('live again', async () => (await metric(collector.httpPort, 'collector_orderbook_book_live')) === 2);
      sim.faults.dropConnections();
      await waitFor('a disconnect resync', async () => (await metric(collector.httpPort, 'collector_orderbook_resyncs_total', { reason: 'disconnected' })) >= 1);
      await waitFor('live again', async () => (await metric(collector.httpPort, 'collector_orderbook_book_live')) === 2);
      await sleep(600);
    });
    expect(result.rows.length).toBeGreaterThanOrEqual(8);
    expectSnapshotsEqualTrueBook(sim, result.rows, 50);
    expectOnGrid(result.rows);
    // Exchange event time of the last applied diff is kept beside the grid time.
    expect(result.rows.filter((r) => r.eventTime !== null).length).toBeGreaterThan(0);
    expectPublishedEqualStored(result.messages, result.rows);
  });

  it('diff mode is the default for depths the partial stream does not offer (7 levels)', async () => {
    const symbols = ['MODEAUSDT'];
    const result = await run('', symbols, 7, async ({ collector }) => {
      await waitFor('snapshots', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_written_total')) >= 3);
    });
    expect(result.logs.find((l) => l.msg === 'collecting order books')).toMatchObject({ mode: 'diff', levels: 7 });
    expectSnapshotsEqualTrueBook(sim, result.rows, 7);
  });

  it('poll mode: REST snapshots equal the true book, one per grid time', async () => {
    const symbols = ['MODEBUSDT'];
    const result = await run('poll', symbols, 30, async ({ collector }) => {
      await waitFor('snapshots', async () => (await metric(collector.httpPort, 'collector_orderbook_snapshots_written_total')) >= 10);
    });
    expectSnapshotsEqualTrueBook(sim, result.rows, 30);
    expectOnGrid(result.rows);
    expectPublishedEqualStored(result.messages, result.rows);
    // One per grid time from the first on, unless the collector counted that grid time as skipped (a late or busy
    // poll: a loaded machine can delay an answer past the next grid time) or as missed. Grid times up to two steps
    // before the counters were read are settled by then (a poll ends by the next grid time).
    const first = Math.min(...result.rows.map((r) => r.timestamp));
    const last = Math.floor(result.scrapedAt / INTERVAL_MS) * INTERVAL_MS - 2 * INTERVAL_MS;
    const stored = result.rows.filter((r) => r.timestamp <= last).length;
    expect(last - first).toBeGreaterThanOrEqual(3 * INTERVAL_MS);
    expect((last - first) / INTERVAL_MS + 1 - stored).toBeLessThanOrEqual(result.skipped + result.missed);
  });
});
