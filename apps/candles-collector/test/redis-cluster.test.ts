import { randomBytes } from 'node:crypto';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { type CandleMessage, createSubscriber, type ReceivedMessage } from '@collector/pubsub';
import { createTestDatabase, expectGaplessFeed, findTestRedisCluster, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, MINUTE, requireBuiltMain, runCollectorProcess, storedRowTexts, messageText, waitFor } from './helpers.js';

const { cluster, skipReason } = await findTestRedisCluster();
if (skipReason) console.log(`Redis Cluster app test skipped: ${skipReason}`);

// Six symbols: their shard channels fall on every master of a 3-master cluster.
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'ADAUSDT', 'SHIBUSDT', 'ETHBTC', 'SYN0000USDT'];
/** A 1m candle closes every second. */
const SPEED = 60;

describe.skipIf(!cluster)('the candles collector on a Redis Cluster (REDIS_CLUSTER_NODES, sharded pub/sub)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  beforeAll(async () => {
    requireBuiltMain();
    sim = await startBinanceSim({ seed: 31, symbols: SYMBOLS, speed: SPEED, klinePushMs: 200 });
    db = await createTestDatabase('candles_cluster');
  });
  afterAll(async () => {
    await sim?.close();
    await db?.drop();
  });

  it('a subscriber sees every update on candles:SYMBOL, in order, with no gap in the sequence numbers', async () => {
    const nodes = cluster?.nodes ?? [];
    const prefix = `cluster-${randomBytes(4).toString('hex')}:`;
    const subscriber = createSubscriber({ clusterNodes: nodes, channelPrefix: prefix });
    const iterator = await subscriber.subscribe({ candles: SYMBOLS });
    const received: ReceivedMessage[] = [];
    const loop = (async () => {
      for await (const message of iterator) received.push(message);
    })();
    const env = collectorEnv(sim, db.url, {
      SYMBOLS: SYMBOLS.join(','),
      START_DATE: new Date(sim.now()).toISOString().slice(0, 10),
      REDIS_ENABLED: 'true',
      REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(','),
      REDIS_CHANNEL_PREFIX: prefix,
      // Exchange seconds: at this speed the default 5 would repair candles the stream is about to close.
      FINALITY_GRACE: '120',
    });
    const collector = runCollectorProcess(env);
    try {
      const finals = (symbol: string): CandleMessage[] =>
        received.filter((r) => r.channel === `candles:${symbol}` && r.message.type === 'candle' && r.message.isFinal).map((r) => r.message as CandleMessage);
      await waitFor('ten final candles of every symbol', () => SYMBOLS.every((s) => finals(s).length >= 10), 60_000, 100).catch((error: Error) => {
        throw new Error(`${error.message}; finals ${SYMBOLS.map((s) => finals(s).length).join(', ')}\n${collector.tail()}`);
      });
      collector.kill('SIGTERM');
      expect(await collector.waitForExit(15_000), collector.tail()).toEqual({ code: 0, signal: null });
    } finally {
      collector.kill('SIGKILL');
      await subscriber.close();
      await loop;
    }

    for (const symbol of SYMBOLS) {
      const channel = received.filter((r) => r.channel === `candles:${symbol}`);
      const messages = channel.map((r) => r.message as CandleMessage);
      expectGaplessFeed(channel, symbol);
      // In order: open times never go back, and every candle's final message follows its open updates.
      const opens = messages.map((m) => m.openTime);
      expect(opens, symbol).toEqual([...opens].sort((a, b) => a - b));
      // Every candle final, none skipped; a repair may say a final candle again, always with the same values.
      const finals = new Map<number, string[]>();
      for (const m of messages.filter((x) => x.isFinal)) finals.set(m.openTime, [...(finals.get(m.openTime) ?? []), messageText(m)]);
      const finalOpens = [...finals.keys()];
      const from = finalOpens[0] as number;
      const to = finalOpens[finalOpens.length - 1] as number;
      expect(finalOpens.length, symbol).toBe((to - from) / MINUTE + 1);
      expect([...finals.values()].every((texts) => new Set(texts).size === 1), symbol).toBe(true);
      // The final messages are the stored rows.
      expect([...finals.values()].map((texts) => texts[0]), symbol).toEqual(await storedRowTexts(db, symbol, '1m', from, to));
    }
  }, 120_000);
});
