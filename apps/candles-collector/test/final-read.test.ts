import { randomBytes } from 'node:crypto';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { createSubscriber } from '@collector/pubsub';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorEnv, type InProcessCollector, messageText, startInProcess, stateRows, storedRowTexts, waitFor } from './helpers.js';

// Consumers use the feed as "a candle closed, now run my query": the row must be in `candles`, final and equal to
// the message, by the time the message arrives.
const SYMBOLS = Array.from({ length: 20 }, (_, i) => `FR${i}USDT`);
/** A 1m candle closes every 0.5 s of real time: 20 series give 40 finals a second. */
const SPEED = 120;
const FINALS_WANTED = 300;
const { redis, skipReason } = await findTestRedis();

describe('the Redis feed and the table', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let service: InProcessCollector | undefined;
  beforeAll(async () => {
    sim = await startBinanceSim({ seed: 11, symbols: SYMBOLS, speed: SPEED, klinePushMs: 100 });
    db = await createTestDatabase('candles_final_read');
  });
  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await db?.drop();
  });

  it('has every final candle a subscriber of candles:all receives already in PostgreSQL, final and equal', async (ctx) => {
    if (!redis) return ctx.skip(skipReason);
    const prefix = `finalread${randomBytes(3).toString('hex')}:`;
    const subscriber = createSubscriber({ url: redis.url, channelPrefix: prefix });
    const feed = await subscriber.subscribe({ candles: 'all' });
    const mismatches: string[] = [];
    const reads: Promise<void>[] = [];
    let finals = 0;
    let liveFinals = 0;
    let opens = 0;
    let liveAt = Number.POSITIVE_INFINITY;
    const loop = (async () => {
      for await (const { message } of feed) {
        if (message.type !== 'candle') continue;
        const expected = messageText(message);
        // The read starts the moment the message is here; nothing waits in between.
        const read = storedRowTexts(db, message.symbol, message.interval, message.openTime, message.openTime);
        if (message.isFinal) {
          finals++;
          if (message.openTime >= liveAt) liveFinals++;
          reads.push(read.then(([row]) => void (row === expected || mismatches.push(`received ${expected}\n   stored ${row ?? '(no row)'}`))));
        } else {
          // An open candle's row may have moved on (or closed) since; it must exist.
          opens++;
          reads.push(read.then((rows) => void (rows.length === 1 || mismatches.push(`no row for open ${expected}`))));
        }
      }
    })();
    try {
      const today = new Date(sim.now()).toISOString().slice(0, 10);
      service = await startInProcess(
        collectorEnv(sim, db.url, { SYMBOLS: SYMBOLS.join(','), START_DATE: today, REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: prefix }),
      );
      await waitFor('every series live', async () => Object.values(await stateRows(db)).filter((s) => s.isRealtime).length === SYMBOLS.length, 30_000);
      liveAt = sim.now();
      await waitFor(`${FINALS_WANTED} final candles of live trading received`, () => liveFinals >= FINALS_WANTED, 60_000, 20);
    } finally {
      await subscriber.close();
      await loop;
    }
    await Promise.all(reads);
    expect(mismatches).toEqual([]);
    expect(liveFinals).toBeGreaterThanOrEqual(FINALS_WANTED);
    expect(finals).toBeGreaterThanOrEqual(liveFinals);
    expect(opens).toBeGreaterThan(0);
  }, 120_000);
});
