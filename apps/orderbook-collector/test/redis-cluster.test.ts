import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { BinanceSim } from '@collector/binance-sim';
import { createSubscriber, type OrderbookMessage, type ReceivedMessage } from '@collector/pubsub';
import { createTestDatabase, expectGaplessFeed, findTestRedisCluster, startNodeProcess, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, startSim } from './helpers.js';

const { cluster, skipReason } = await findTestRedisCluster();
if (skipReason) console.log(`Redis Cluster app test skipped: ${skipReason}`);

const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
// Six symbols: their shard channels fall on every master of a 3-master cluster.
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ADAUSDT', 'SHIBUSDT', 'ETHBTC', 'SYN0000USDT'];

describe.skipIf(!cluster)('the order book collector on a Redis Cluster (REDIS_CLUSTER_NODES, sharded pub/sub)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS });
    db = await createTestDatabase('orderbook_cluster');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('a subscriber sees every snapshot on orderbook:SYMBOL, in order, with no gap in the sequence numbers', async () => {
    const nodes = cluster?.nodes ?? [];
    const prefix = `cluster-${randomBytes(4).toString('hex')}:`;
    const subscriber = createSubscriber({ clusterNodes: nodes, channelPrefix: prefix });
    const iterator = await subscriber.subscribe({ orderbook: SYMBOLS });
    const received: ReceivedMessage[] = [];
    const loop = (async () => {
      for await (const message of iterator) received.push(message);
    })();
    const env = collectorEnv(sim, db.url, undefined, {
      SYMBOLS: SYMBOLS.join(','),
      REDIS_ENABLED: 'true',
      REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(','),
      REDIS_CHANNEL_PREFIX: prefix,
    });
    const collector = startNodeProcess(MAIN_JS, { env, cwd: APP_DIR });
    const count = (symbol: string): number => received.filter((r) => r.channel === `orderbook:${symbol}`).length;
    try {
      const deadline = Date.now() + 60_000;
      while (!SYMBOLS.every((s) => count(s) >= 20)) {
        if (Date.now() > deadline || collector.hasExited()) throw new Error(`snapshots per symbol: ${SYMBOLS.map(count).join(', ')}\n${collector.tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      collector.kill('SIGTERM');
      expect(await collector.waitForExit(15_000), collector.tail()).toEqual({ code: 0, signal: null });
    } finally {
      collector.kill('SIGKILL');
      await subscriber.close();
      await loop;
    }

    for (const symbol of SYMBOLS) {
      const channel = received.filter((r) => r.channel === `orderbook:${symbol}`);
      const messages = channel.map((r) => r.message as OrderbookMessage);
      expectGaplessFeed(channel, symbol);
      // In order: grid times strictly increasing, each stored.
      const times = messages.map((m) => m.timestamp);
      expect(times, symbol).toEqual([...new Set(times)].sort((a, b) => a - b));
      const [row] = await db.sql<{ n: string }[]>`SELECT count(*)::text AS n FROM orderbook_data WHERE symbol = ${symbol} AND timestamp = ANY(${times})`;
      expect(Number(row?.n), symbol).toBe(times.length);
    }
  }, 120_000);
});
