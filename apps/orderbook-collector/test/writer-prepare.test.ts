import { createPublisher, type OrderbookMessage } from '@collector/pubsub';
import { createServiceLogger } from '@collector/service-kit';
import { createStore, type OrderbookSnapshotRecord, type Store } from '@collector/store';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshotWriter } from '../src/writer.js';
import { collectMessages, storedSnapshots, waitFor } from './helpers.js';

// A snapshot rendered ahead of its grid time (writer.prepare) is sent only when the grid time hands over the same
// book: same symbol, grid time and update id. Anything else is rendered at the grid time, so a rendering made for a
// push that a later one superseded never reaches the feed.

const { redis, skipReason } = await findTestRedis();
if (skipReason) console.warn(`writer prepare: ${skipReason}`);

const SYMBOLS = ['PREPAUSDT', 'PREPBUSDT', 'PREPCUSDT'];
const T = 1_796_300_000_000;
let db: TestDatabase;
let store: Store;

beforeAll(async () => {
  db = await createTestDatabase('orderbook_writer_prepare');
  store = createStore({ url: db.url });
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

function snapshot(symbol: string, timestamp: number, lastUpdateId: number, bid: string): OrderbookSnapshotRecord {
  return { symbol, timestamp, lastUpdateId, eventTime: null, bids: [[bid, '1.50000000']], asks: [['101.00000000', '2']] };
}

describe.skipIf(!redis)('snapshot writer: renderings made ahead', () => {
  it('sends a rendering made ahead for the same grid time and update id, and renders anew for anything else', async () => {
    if (!redis) throw new Error('unreachable');
    const feed = await collectMessages(redis.url, redis.prefix, SYMBOLS);
    const publisher = createPublisher({ url: redis.url, channelPrefix: redis.prefix });
    const writer = createSnapshotWriter({
      store,
      publisher,
      symbols: SYMBOLS,
      levels: 1,
      intervalMs: 1000,
      retryDelayMs: 50,
      hooks: { written: () => {}, dropped: () => {}, writeFailed: () => {}, writeDuration: () => {}, published: () => {} },
      logger: createServiceLogger('orderbook-collector', 'silent'),
    });
    try {
      // Same grid time and update id: the rendering made ahead is what goes out. One update id is one state of the
      // book, so the two can only differ here, where the test makes them differ to see which one was sent.
      writer.prepare(snapshot('PREPAUSDT', T, 10, '99.00000000'));
      // A later push superseded the one rendered ahead (update id 20 → 21): the grid time's own book goes out.
      writer.prepare(snapshot('PREPBUSDT', T, 20, '98.00000000'));
      // Rendered for another grid time: not this one's.
      writer.prepare(snapshot('PREPCUSDT', T - 1000, 30, '97.00000000'));
      writer.submit([snapshot('PREPAUSDT', T, 10, '99.10000000'), snapshot('PREPBUSDT', T, 21, '98.10000000'), snapshot('PREPCUSDT', T, 30, '97.10000000')]);
      await waitFor('three messages and three rows', async () => feed.messages.length === 3 && (await storedSnapshots(db, SYMBOLS)).length === 3);
      const sent = new Map(feed.messages.map(({ message }) => [message.symbol, message as OrderbookMessage]));
      expect(Object.fromEntries([...sent].map(([symbol, m]) => [symbol, { timestamp: m.timestamp, lastUpdateId: m.lastUpdateId, bids: m.bids }]))).toEqual({
        PREPAUSDT: { timestamp: T, lastUpdateId: 10, bids: [['99', '1.5']] },
        PREPBUSDT: { timestamp: T, lastUpdateId: 21, bids: [['98.1', '1.5']] },
        PREPCUSDT: { timestamp: T, lastUpdateId: 30, bids: [['97.1', '1.5']] },
      });
      // A rendering is used once: the next grid time of the same update id (a quiet book) is rendered anew.
      writer.submit([snapshot('PREPAUSDT', T + 1000, 10, '99.10000000')]);
      await waitFor('the next grid time', () => feed.messages.length === 4);
      expect((feed.messages[3]?.message as OrderbookMessage).bids).toEqual([['99.1', '1.5']]);
    } finally {
      await writer.close(2_000);
      await publisher.close();
      await feed.close();
    }
  });
});
