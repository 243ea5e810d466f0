import { findTestRedisCluster, type TestRedisCluster } from '@collector/testkit';
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { CandleUpdate } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';
import { createPublisher, createSubscriber, PubsubError, type ReceivedMessage } from '../src/index.js';

const { cluster, skipReason } = await findTestRedisCluster();
if (skipReason) console.log(`Redis Cluster tests skipped: ${skipReason}`);

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT', 'ADAUSDT'];
const UPDATES = 200;

function candle(symbol: string, minute: number): CandleUpdate<DecimalInput> {
  const openTime = 1_735_689_600_000 + minute * 60_000;
  return {
    symbol, interval: '1m', openTime, closeTime: openTime + 59_999,
    open: '93576.00000000', high: '93610.93000000', low: '93537.50000000', close: '93600.1',
    volume: '8.21827000', quoteVolume: '768978.44066230', takerBuyVolume: '5E-8', takerBuyQuoteVolume: '1', trades: minute, isClosed: true,
  };
}

async function take(iterator: AsyncIterator<ReceivedMessage>, count: number): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe.skipIf(!cluster)('pubsub on a Redis Cluster (sharded pub/sub)', () => {
  // The body also runs when the suite is skipped, to collect its tests: it must not assume a cluster.
  const nodes: TestRedisCluster['nodes'] = cluster?.nodes ?? [{ host: '127.0.0.1', port: 7101 }];
  const prefix = `test-${randomBytes(4).toString('hex')}:`;

  it('delivers every update of every symbol in order, with no gap, on shard channels spread over the masters', async () => {
    const subscriber = createSubscriber({ clusterNodes: nodes, channelPrefix: prefix });
    const publisher = createPublisher({ clusterNodes: nodes, channelPrefix: prefix });
    const admin = new Cluster(nodes);
    try {
      const candles = await subscriber.subscribe({ candles: SYMBOLS, orderbook: SYMBOLS });
      for (let i = 0; i < UPDATES; i++) {
        for (const symbol of SYMBOLS) {
          publisher.publishCandle(candle(symbol, i));
          publisher.publishOrderbook({ symbol, timestamp: 1_735_689_600_000 + i * 1000, lastUpdateId: i + 1, bids: [['1.10', '2']], asks: [['1.2', '3.000']] });
        }
      }
      await publisher.flush(10_000);
      const received = await take(candles, UPDATES * SYMBOLS.length * 2);
      expect(publisher.stats()).toMatchObject({ published: UPDATES * SYMBOLS.length * 2, dropped: 0, queued: 0 });

      for (const symbol of SYMBOLS) {
        for (const kind of ['candles', 'orderbook']) {
          const channel = received.filter((m) => m.channel === `${kind}:${symbol}`);
          expect(channel.map((m) => m.message.seq)).toEqual(Array.from({ length: UPDATES }, (_, i) => i + 1));
          expect(channel.every((m) => m.missed === 0)).toBe(true);
        }
      }
      const firstBook = received.find((m) => m.message.type === 'orderbook')!.message;
      expect(firstBook).toMatchObject({ bids: [['1.1', '2']], asks: [['1.2', '3']] });

      // They really are shard channels, and they live on more than one master.
      const masters = admin.nodes('master');
      const owners = new Set<number>();
      for (const [index, node] of masters.entries()) {
        const channels = (await node.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
        if (channels.length > 0) owners.add(index);
      }
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      await publisher.close();
      await subscriber.close();
      admin.disconnect();
    }
  });

  it('refuses to be given both a URL and cluster nodes, or neither', () => {
    expect(() => createPublisher({ url: 'redis://127.0.0.1:6379', clusterNodes: nodes })).toThrow(PubsubError);
    expect(() => createSubscriber({})).toThrow(/exactly one of option "url" and option "clusterNodes"/);
    expect(() => createPublisher({ clusterNodes: [{ host: '127.0.0.1', port: 0 }] })).toThrow(/invalid node/);
  });
});
