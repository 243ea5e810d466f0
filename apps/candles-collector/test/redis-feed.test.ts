import { randomBytes } from 'node:crypto';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { CANDLE_DECIMAL_FIELDS } from '@collector/candle';
import { type CandleMessage, createSubscriber, type ReceivedMessage } from '@collector/pubsub';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDecimal, collectorEnv, fetchSimKlines, type InProcessCollector, messageText, MINUTE, startInProcess, stateRows, storedRowTexts, waitFor } from './helpers.js';

// The collector publishes without a channel prefix, so this file's symbols are its own: synthetic names no other test uses.
const tag = randomBytes(3).toString('hex').toUpperCase();
const SYMBOLS = [`R${tag}AUSDT`, `R${tag}BBTC`];
const SPEED = 120;
const { redis, skipReason } = await findTestRedis();


describe('Redis feed', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let service: InProcessCollector | undefined;
  beforeAll(async () => {
    sim = await startBinanceSim({ seed: 9, symbols: SYMBOLS, speed: SPEED, klinePushMs: 100 });
    db = await createTestDatabase('candles_redis');
  });
  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await db?.drop();
  });

  it('delivers every update on candles:SYMBOL and candles:all with the exact decimal strings that are stored', async (ctx) => {
    if (!redis) return ctx.skip(skipReason);
    const subscriber = createSubscriber({ url: redis.url });
    const iterator = await subscriber.subscribe({ candles: [...SYMBOLS, 'all'] as string[] });
    const received: ReceivedMessage[] = [];
    const loop = (async () => {
      for await (const message of iterator) if (SYMBOLS.includes(message.message.symbol)) received.push(message);
    })();
    try {
      const today = new Date(sim.now()).toISOString().slice(0, 10);
      service = await startInProcess(collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: today, REDIS_ENABLED: 'true', REDIS_URL: redis.url }));
      await waitFor('every series live', async () => Object.values(await stateRows(db)).filter((s) => s.isRealtime).length === SYMBOLS.length, 20_000);
      const liveAt = sim.now();
      // Ten closed candles per symbol from the stream.
      await waitFor('ten candles closed live', () => sim.now() >= liveAt + 11 * MINUTE, 15_000, 20);
      await waitFor('their final messages', () => SYMBOLS.every((s) => received.some((r) => r.channel === `candles:${s}` && r.message.type === 'candle' && r.message.isFinal && r.message.openTime >= liveAt + 10 * MINUTE)), 5_000);
      await service.stop();
    } finally {
      await subscriber.close();
      await loop;
    }

    const candles = received.filter((r): r is ReceivedMessage & { message: CandleMessage } => r.message.type === 'candle');
    expect(candles.length).toBe(received.length);
    // Nothing lost on any channel: subscribed before the collector started, so each channel's sequence is 1, 2, 3… with no hole.
    const publisher = candles[0]?.message.publisher;
    expect(candles.every((r) => r.message.publisher === publisher)).toBe(true);
    for (const channel of [...SYMBOLS.map((s) => `candles:${s}`), 'candles:all']) {
      const seqs = candles.filter((r) => r.channel === channel).map((r) => r.message.seq);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs, channel).toEqual(seqs.map((_, i) => i + 1));
    }
    for (const symbol of SYMBOLS) {
      const own = candles.filter((r) => r.channel === `candles:${symbol}`).map((r) => messageText(r.message));
      const viaAll = candles.filter((r) => r.channel === 'candles:all' && r.message.symbol === symbol).map((r) => messageText(r.message));
      expect(viaAll).toEqual(own);
      // Updates of the open candle and the final ones, every decimal in canonical form.
      expect(candles.some((r) => r.message.symbol === symbol && !r.message.isFinal)).toBe(true);
      for (const { message } of candles) for (const f of CANDLE_DECIMAL_FIELDS) expect(message[f]).toBe(canonicalDecimal(message[f]));

      // The final messages are the stored rows and the exchange's candles, string for string, with no candle skipped.
      const finals = new Map(candles.filter((r) => r.channel === `candles:${symbol}` && r.message.isFinal).map((r) => [r.message.openTime, messageText(r.message)]));
      const opens = [...finals.keys()].sort((a, b) => a - b);
      const from = opens[0] as number;
      const to = opens[opens.length - 1] as number;
      expect(opens.length).toBe((to - from) / MINUTE + 1);
      expect(opens.length).toBeGreaterThanOrEqual(10);
      const stored = await storedRowTexts(db, symbol, '1m', from, to);
      expect(opens.map((open) => finals.get(open))).toEqual(stored);
      const exchange = await fetchSimKlines(sim.restUrl, symbol, '1m', from, to);
      expect(exchange.map((k) => [k[0], ...[k[1], k[2], k[3], k[4], k[5], k[7], k[9], k[10]].map(canonicalDecimal), k[8]])).toEqual(
        opens.map((open) => {
          const m = candles.find((r) => r.channel === `candles:${symbol}` && r.message.isFinal && r.message.openTime === open)?.message as CandleMessage;
          return [m.openTime, ...CANDLE_DECIMAL_FIELDS.map((f) => m[f]), m.trades];
        }),
      );
    }
  }, 60_000);
});
