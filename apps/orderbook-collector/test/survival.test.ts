import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { BinanceSim } from '@collector/binance-sim';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMessages, collectorEnv, expectSnapshotsEqualTrueBook, metric, sleep, startInProcess, startSim, storedSnapshots, waitFor } from './helpers.js';

// Dependencies going away: PostgreSQL behind a TCP proxy that the test cuts and restores, Redis not there at all,
// Binance answering 5xx and 429 to the REST polls.

/** A TCP proxy in front of PostgreSQL that can refuse connections and cut the open ones. */
async function startProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = async (): Promise<void> => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

const { redis } = await findTestRedis();
let sim: BinanceSim;
let db: TestDatabase;
beforeAll(async () => {
  sim = await startSim({ symbols: ['SURVAUSDT', 'SURVBUSDT', 'SURVCUSDT'] });
  db = await createTestDatabase('orderbook_survival');
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe('survival', () => {
  it('PostgreSQL down for 2 s: inserts fail, are kept and written once it is back; no grid time is lost to it', async () => {
    const url = new URL(db.url);
    const proxy = await startProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const feed = redis ? await collectMessages(redis.url, redis.prefix, ['SURVAUSDT']) : undefined;
    const running = await startInProcess(collectorEnv(sim, url.toString(), redis, { SYMBOLS: 'SURVAUSDT', ORDERBOOK_LEVELS: '5' }));
    const port = running.collector.httpPort;
    let accounted: { at: number; skipped: number; missed: number; dropped: number };
    let cutAt = 0;
    let restoredAt = 0;
    try {
      await waitFor('snapshots', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= 3);
      cutAt = Date.now();
      await proxy.cut();
      await waitFor('failed inserts', async () => (await metric(port, 'collector_orderbook_write_failures_total')) >= 2);
      const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, boolean> };
      expect(ready.checks.database).toBe(false);
      // The snapshots of the failed inserts are pending, also while a retry is on its way (they count until stored).
      expect(await metric(port, 'collector_orderbook_pending_snapshots')).toBeGreaterThan(0);
      await sleep(2_000);
      // The feed does not wait for PostgreSQL: the grid times of the outage were published at their tick.
      if (feed) {
        const during = feed.messages.filter(({ message }) => message.type === 'orderbook' && message.timestamp > cutAt + 400);
        expect(during.length).toBeGreaterThan(0);
      }
      restoredAt = Date.now();
      await proxy.restore();
      await waitFor('backlog written', async () => (await metric(port, 'collector_orderbook_pending_snapshots')) === 0, 30_000);
      // What the collector says it skipped up to now, and why: every grid time before this is stored or counted here.
      const at = Date.now();
      accounted = {
        at,
        skipped: await metric(port, 'collector_orderbook_snapshots_skipped_total', { symbol: 'SURVAUSDT' }),
        missed: await metric(port, 'collector_orderbook_ticks_missed_total'),
        dropped: await metric(port, 'collector_orderbook_snapshots_skipped_total', { reason: 'db_backlog' }),
      };
    } finally {
      await running.stop();
      await proxy.close();
      await feed?.close();
    }
    const rows = await storedSnapshots(db, ['SURVAUSDT']);
    expect(rows.some((r) => r.timestamp > cutAt + 400 && r.timestamp < restoredAt)).toBe(true);
    expectSnapshotsEqualTrueBook(sim, rows, 5);
    // Nothing was dropped for the outage, and every grid time from the first row until the count above is stored,
    // unless the collector counted it as skipped for another reason (a loaded machine can delay pushes or ticks).
    expect(accounted.dropped).toBe(0);
    const first = rows[0]!.timestamp;
    const last = Math.floor((accounted.at - 1_000) / 200) * 200;
    const stored = rows.filter((r) => r.timestamp <= last).length;
    expect(last - first).toBeGreaterThan(2_000);
    expect((last - first) / 200 + 1 - stored).toBeLessThanOrEqual(accounted.skipped + accounted.missed);
    expect(running.logs.filter((l) => l.msg === 'snapshot insert failed; keeping them for the next attempt').length).toBeGreaterThanOrEqual(1);
    expect(running.logs.some((l) => l.msg === 'snapshot inserts work again')).toBe(true);
  });

  it('Redis unreachable: snapshots are still stored, publishing is reported as not connected', async () => {
    const running = await startInProcess(collectorEnv(sim, db.url, { url: 'redis://127.0.0.1:1', prefix: '' }, { SYMBOLS: 'SURVBUSDT', ORDERBOOK_LEVELS: '5' }));
    const port = running.collector.httpPort;
    try {
      await waitFor('snapshots', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= 3);
      expect(await metric(port, 'collector_orderbook_publisher', { stat: 'connected' })).toBe(0);
    } finally {
      await running.stop();
    }
    expectSnapshotsEqualTrueBook(sim, await storedSnapshots(db, ['SURVBUSDT']), 5);
  });

  it('poll mode through Binance 503s: failed polls are skipped and counted, the rest are exact', async () => {
    const running = await startInProcess(
      collectorEnv(sim, db.url, redis, { SYMBOLS: 'SURVCUSDT', ORDERBOOK_MODE: 'poll', ORDERBOOK_LEVELS: '20', ORDERBOOK_MAX_RETRIES: '0' }),
    );
    const port = running.collector.httpPort;
    try {
      await waitFor('snapshots', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= 2);
      sim.faults.failNext(3, 503);
      await waitFor('failed polls', async () => (await metric(port, 'collector_orderbook_snapshots_skipped_total', { reason: 'fetch_failed' })) >= 3);
      const before = await metric(port, 'collector_orderbook_snapshots_written_total');
      await waitFor('snapshots again', async () => (await metric(port, 'collector_orderbook_snapshots_written_total')) >= before + 2);
      expect(await metric(port, 'collector_orderbook_binance_weight_used')).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
    expectSnapshotsEqualTrueBook(sim, await storedSnapshots(db, ['SURVCUSDT']), 20);
  });
});
