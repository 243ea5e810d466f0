import type { CandleUpdate } from '@collector/candle';
import { type DecimalInput, lazyDecimal, parseDecimal } from '@collector/decimal';
import { findTestRedis, type TestRedis } from '@collector/testkit';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublisher, createSubscriber, prepareCandles, prepareOrderbook, PubsubError, type CandleMessage, type ReceivedMessage } from '../src/index.js';

const { redis, skipReason } = await findTestRedis();
if (skipReason) console.log(`pubsub tests skipped: ${skipReason}`);

function candle(symbol: string, minute: number, isClosed: boolean): CandleUpdate<DecimalInput> {
  const openTime = 1_735_689_600_000 + minute * 60_000;
  return {
    symbol,
    interval: '1m',
    openTime,
    closeTime: openTime + 59_999,
    open: '93576.00000000',
    high: '93610.93000000',
    low: '93537.50000000',
    close: parseDecimal('93610.93'),
    volume: '8.21827000',
    quoteVolume: '768978.44066230',
    takerBuyVolume: '5E-8',
    takerBuyQuoteVolume: '12345678901234567890.123456789',
    trades: 2148,
    isClosed,
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

describe.skipIf(!redis)('pubsub against a real Redis', () => {
  const { url, prefix } = redis as TestRedis;

  it('delivers every candle on candles:SYMBOL and candles:all with exact decimal strings', async () => {
    const subscriber = createSubscriber({ url, channelPrefix: prefix });
    const publisher = createPublisher({ url, channelPrefix: prefix });
    try {
      const perSymbol = await subscriber.subscribe({ candles: ['BTCUSDT'] });
      const everything = createSubscriber({ url, channelPrefix: prefix });
      const all = await everything.subscribe({ candles: 'all' });
      for (let minute = 0; minute < 50; minute++) {
        publisher.publishCandle(candle('BTCUSDT', minute, minute % 2 === 1));
        publisher.publishCandle(candle('ETHUSDT', minute, true));
      }
      await publisher.flush();
      const btc = await take(perSymbol, 50);
      const merged = await take(all, 100);
      await everything.close();

      expect(btc.map((m) => m.channel)).toEqual(Array(50).fill('candles:BTCUSDT'));
      expect(btc.map((m) => m.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(btc.every((m) => m.missed === 0)).toBe(true);
      const first = btc[0]!.message;
      expect(first).toMatchObject({
        v: 1,
        type: 'candle',
        symbol: 'BTCUSDT',
        interval: '1m',
        openTime: 1_735_689_600_000,
        open: '93576',
        high: '93610.93',
        close: '93610.93',
        volume: '8.21827',
        takerBuyVolume: '0.00000005',
        takerBuyQuoteVolume: '12345678901234567890.123456789',
        trades: 2148,
        isFinal: false,
      });
      expect(btc[1]!.message).toMatchObject({ isFinal: true });
      expect(merged).toHaveLength(100);
      expect(merged.filter((m) => m.message.symbol === 'ETHUSDT')).toHaveLength(50);
      expect(merged.map((m) => m.message.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(publisher.stats()).toMatchObject({ published: 100, dropped: 0, queued: 0 });
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it('publishes a batch in order on candles:all, lazy Decimals as canonical text; an invalid candle refuses the whole batch', async () => {
    const subscriber = createSubscriber({ url, channelPrefix: prefix });
    const publisher = createPublisher({ url, channelPrefix: prefix, batchSize: 100 });
    try {
      const all = await subscriber.subscribe({ candles: 'all' });
      const symbols = ['AUSDT', 'BUSDT', 'CUSDT'];
      const batch = symbols.flatMap((symbol) =>
        Array.from({ length: 100 }, (_, minute) => ({ ...candle(symbol, minute, true), close: lazyDecimal('93610.93000000'), eventTime: 1_735_689_660_000 + minute })),
      );
      expect(() => publisher.publishCandles([...batch.slice(0, 5), { ...batch[5]!, volume: '1,5' }])).toThrow(
        expect.objectContaining({ code: 'INVALID_MESSAGE', message: expect.stringContaining('candle 5 of the batch: AUSDT volume') }),
      );
      expect(publisher.stats().queued).toBe(0);
      publisher.publishCandles(batch);
      const received = await take(all, batch.length);
      expect(received.map((m) => [m.message.symbol, (m.message as CandleMessage).openTime])).toEqual(batch.map((c) => [c.symbol, c.openTime]));
      expect(received.every((m) => (m.message as CandleMessage).close === '93610.93' && m.missed === 0)).toBe(true);
      expect((received[7]!.message as CandleMessage).eventTime).toBe(1_735_689_660_007);
      await publisher.flush();
      expect(publisher.stats()).toMatchObject({ published: 300, dropped: 0, queued: 0 });
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it('publishes a prepared batch as the same messages the batch itself gives, in order; preparing refuses an invalid candle by its index', async () => {
    const subscriber = createSubscriber({ url, channelPrefix: prefix });
    const publisher = createPublisher({ url, channelPrefix: prefix });
    try {
      const all = await subscriber.subscribe({ candles: 'all' });
      const batch = ['AUSDT', 'BUSDT'].flatMap((symbol) => Array.from({ length: 30 }, (_, minute) => ({ ...candle(symbol, minute, minute < 29), close: lazyDecimal('5E-8') })));
      expect(() => prepareCandles([batch[0]!, { ...batch[1]!, high: 'x' }])).toThrow(
        expect.objectContaining({ code: 'INVALID_MESSAGE', message: expect.stringContaining('candle 1 of the batch: AUSDT high') }),
      );
      const prepared = prepareCandles(batch);
      expect(prepared.length).toBe(60);
      publisher.publishCandles(batch);
      publisher.publishCandles(prepared);
      const received = (await take(all, 120)).map(({ message }) => ({ ...(message as CandleMessage), seq: undefined }));
      expect(received.slice(60)).toEqual(received.slice(0, 60));
      expect(received.slice(0, 60).map((m) => [m.symbol, m.openTime, m.close, m.isFinal])).toEqual(
        batch.map((c) => [c.symbol, c.openTime, '0.00000005', c.isClosed]),
      );
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it('publishes message by message, in order, where the server refuses scripts', async () => {
    // A Redis user without @scripting, as some managed services configure; removed again afterwards.
    const admin = createSubscriber({ url, channelPrefix: prefix });
    const user = `noscript${prefix.replace(/\W/g, '')}`;
    const { Redis } = await import('ioredis');
    const acl = new Redis(url);
    await acl.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
    const warnings: string[] = [];
    const limited = new URL(url);
    limited.username = user;
    limited.password = 'pw';
    const publisher = createPublisher({ url: limited.toString(), channelPrefix: prefix, logger: { info: () => {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') } });
    try {
      const all = await admin.subscribe({ candles: 'all' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const batch = Array.from({ length: 20 }, (_, minute) => candle('BTCUSDT', minute, true));
      publisher.publishCandles(batch);
      const received = await take(all, 20);
      expect(received.map((m) => (m.message as CandleMessage).openTime)).toEqual(batch.map((c) => c.openTime));
      expect(warnings).toEqual(['redis refused the publish script; publishing message by message']);
      await publisher.flush();
      expect(publisher.stats()).toMatchObject({ published: 20, dropped: 0 });
    } finally {
      await publisher.close();
      await admin.close();
      await acl.call('ACL', 'DELUSER', user);
      acl.disconnect();
    }
  });

  it('publishes order book snapshots with exact levels on orderbook:SYMBOL and orderbook:all', async () => {
    const subscriber = createSubscriber({ url, channelPrefix: prefix });
    const publisher = createPublisher({ url, channelPrefix: prefix });
    try {
      const messages = await subscriber.subscribe({ orderbook: ['BTCUSDT'], candles: undefined });
      publisher.publishOrderbook({
        symbol: 'BTCUSDT',
        timestamp: 1_723_161_600_000,
        lastUpdateId: 50_093_239_218,
        eventTime: 1_723_161_599_900,
        bids: [['61000.01000000', '0.50000000']],
        asks: [['61000.02000000', '1E-8']],
      });
      const [received] = await take(messages, 1);
      expect(received?.message).toMatchObject({
        type: 'orderbook',
        lastUpdateId: 50_093_239_218,
        eventTime: 1_723_161_599_900,
        bids: [['61000.01', '0.5']],
        asks: [['61000.02', '0.00000001']],
      });
    } finally {
      await publisher.close();
      await subscriber.close();
    }
  });

  it('publishes a prepared snapshot as the same message a plain one gives, on both channels, each with its own sequence', async () => {
    const bySymbol = createSubscriber({ url, channelPrefix: prefix });
    const all = createSubscriber({ url, channelPrefix: prefix });
    const publisher = createPublisher({ url, channelPrefix: prefix });
    try {
      const symbolMessages = await bySymbol.subscribe({ orderbook: ['ETHUSDT'] });
      const allMessages = await all.subscribe({ orderbook: 'all' });
      const snapshot = { symbol: 'ETHUSDT', timestamp: 1_723_161_601_000, lastUpdateId: 7, bids: [['2600.10', '1.000']], asks: [['2600.20', '5E-8']] } as const;
      const prepared = prepareOrderbook(snapshot);
      publisher.publishOrderbook(snapshot);
      publisher.publishOrderbook(prepared);
      const bodies = (received: ReceivedMessage[]) => received.map(({ message }) => ({ ...message, publisher: undefined }));
      const expected = (seq: number) => ({
        v: 1,
        seq,
        publisher: undefined,
        type: 'orderbook',
        symbol: 'ETHUSDT',
        timestamp: 1_723_161_601_000,
        lastUpdateId: 7,
        bids: [['2600.1', '1']],
        asks: [['2600.2', '0.00000005']],
      });
      expect(bodies(await take(symbolMessages, 2))).toEqual([expected(1), expected(2)]);
      expect(bodies(await take(allMessages, 2))).toEqual([expected(1), expected(2)]);
      expect(() => prepareOrderbook({ ...snapshot, asks: [['2600.20', 'x']] })).toThrow(/ETHUSDT asks\[0\] quantity is not an exact decimal/);
    } finally {
      await publisher.close();
      await bySymbol.close();
      await all.close();
    }
  });

  it('refuses an invalid candle with a typed error naming the field', () => {
    const publisher = createPublisher({ url, channelPrefix: prefix });
    try {
      expect(() => publisher.publishCandle({ ...candle('BTCUSDT', 0, true), high: 'NaN' })).toThrow(PubsubError);
      expect(() => publisher.publishCandle({ ...candle('BTCUSDT', 0, true), high: 'NaN' })).toThrow(/BTCUSDT high/);
    } finally {
      void publisher.close();
    }
  });
});

describe('when Redis is away', () => {
  let blackhole: Server;
  let deadUrl: string;
  beforeAll(async () => {
    // A port that accepts nothing: connection attempts fail at once, as with a stopped Redis.
    blackhole = createServer();
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const address = blackhole.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
    deadUrl = `redis://:secret-password@127.0.0.1:${port}`;
  });
  afterAll(() => undefined);

  it('never blocks the caller, keeps a bounded queue, drops the oldest and counts it, and logs no password', async () => {
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (obj: object, msg?: string) => warnings.push(`${JSON.stringify(obj)} ${msg}`) };
    const publisher = createPublisher({ url: deadUrl, maxQueue: 100, logger, reconnectDelayMs: 50, maxReconnectDelayMs: 100 });
    // publishCandle is synchronous: the loop ends without giving Redis a turn, so it cannot have waited for it.
    for (let minute = 0; minute < 1000; minute++) publisher.publishCandle(candle('BTCUSDT', minute, true));
    expect(publisher.stats()).toMatchObject({ queued: 100, dropped: 900, published: 0, connected: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publisher.close(100);
    expect(warnings.length).toBe(1);
    expect(warnings.join()).not.toContain('secret-password');
  });
});
