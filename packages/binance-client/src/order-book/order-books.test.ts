import { describe, expect, expectTypeOf, it } from 'vitest';
import { BinanceApiError, BinanceClientError } from '../errors.js';
import type { DepthParams } from '../client.js';
import type { DepthSnapshot } from '../parse.js';
import { EventEmitter } from 'node:events';
import type { MarketStreams } from '../streams/market-streams.js';
import { attachOrderBooks, createOrderBook, createOrderBooks, type DepthStreamSource, type OrderBooksEvents, symbolsOfDepthStreams } from './order-books.js';
import { diff, snapshot } from './test-helpers.js';

const BIDS = [['100', '1']] as const;
const ASKS = [['101', '1']] as const;

/** A stand-in for `client.depth`: answers from a script and records what was asked and how many were in flight. */
function fakeClient(answer: (params: DepthParams, call: number) => DepthSnapshot | Error | Promise<DepthSnapshot>) {
  const calls: DepthParams[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    calls,
    maxInFlight: () => maxInFlight,
    client: {
      async depth(params: DepthParams): Promise<DepthSnapshot> {
        calls.push(params);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await new Promise((r) => setTimeout(r, 1));
          const result = await answer(params, calls.length);
          if (result instanceof Error) throw result;
          return result;
        } finally {
          inFlight--;
        }
      },
    },
  };
}

function record<K extends keyof OrderBooksEvents>(books: { on: (n: K, l: (e: OrderBooksEvents[K]) => void) => unknown }, name: K): OrderBooksEvents[K][] {
  const seen: OrderBooksEvents[K][] = [];
  books.on(name, (e) => seen.push(e));
  return seen;
}

const waitFor = async (check: () => boolean, timeoutMs = 2000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('createOrderBooks', () => {
  it('fetches a snapshot once the first event is buffered (limit 5000 by default), then goes live', async () => {
    const fake = fakeClient(() => snapshot(10, BIDS, ASKS));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'] });
    const synced = record(books, 'synced');
    expect(fake.calls).toHaveLength(0);
    books.handle(diff(9, 11, [['100', '2']]));
    books.handle(diff(12, 12, [], [['101', '3']]));
    await books.whenLive();
    expect(fake.calls).toEqual([{ symbol: 'BTCUSDT', limit: 5000 }]);
    expect(synced).toEqual([{ symbol: 'BTCUSDT', lastUpdateId: 12, applied: 2, dropped: 0, snapshots: 1 }]);
    books.handle(diff(13, 13, [['100', '0']]));
    expect(books.get('BTCUSDT')!.topStrings(1)).toMatchObject({ status: 'live', lastUpdateId: 13, bids: [], asks: [['101', '3']] });
    books.close();
  });

  it('refetches a snapshot that is older than the first buffered event', async () => {
    const fake = fakeClient((_, call) => snapshot(call === 1 ? 5 : 20, BIDS, ASKS));
    const feed = createOrderBook({ client: fake.client, symbol: 'BTCUSDT', snapshotLimit: 1000, retryDelayMs: 1 });
    const resyncs = record(feed, 'resync');
    feed.handle(diff(10, 15));
    feed.handle(diff(16, 21));
    await feed.whenLive();
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[0]).toEqual({ symbol: 'BTCUSDT', limit: 1000 });
    expect(resyncs).toEqual([{ symbol: 'BTCUSDT', reason: 'snapshot-too-old' }]);
    expect(feed.book.lastUpdateId).toBe(21);
    feed.close();
  });

  it('on a gap: emits stale and resync, keeps the stale book readable, refetches and goes live again', async () => {
    const fake = fakeClient((_, call) => (call === 1 ? snapshot(10, BIDS, ASKS) : snapshot(30, [['99', '4']], ASKS)));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'] });
    const stale = record(books, 'stale');
    const resync = record(books, 'resync');
    books.handle(diff(10, 11));
    await books.whenLive();
    books.handle(diff(25, 31)); // 12..24 missed
    expect(books.get('BTCUSDT')!.status).toBe('stale');
    expect(books.get('BTCUSDT')!.topStrings(1).bids).toEqual([['100', '1']]);
    expect(stale).toEqual([{ symbol: 'BTCUSDT', reason: 'gap' }]);
    expect(resync).toEqual([{ symbol: 'BTCUSDT', reason: 'gap' }]);
    await books.whenLive();
    expect(books.get('BTCUSDT')!.topStrings(1)).toMatchObject({ lastUpdateId: 31, bids: [['99', '4']] });
    books.close();
  });

  it('retries a failed snapshot with backoff and reports each failure', async () => {
    const fake = fakeClient((_, call) => (call <= 2 ? new BinanceClientError('NETWORK_ERROR', 'depth BTCUSDT failed: network error ECONNRESET') : snapshot(10, BIDS, ASKS)));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], retryDelayMs: 5 });
    const errors = record(books, 'snapshotError');
    books.handle(diff(10, 11));
    await books.whenLive();
    expect(errors.map((e) => e.attempt)).toEqual([1, 2]);
    expect(errors.every((e) => e.retryInMs !== undefined && e.retryInMs < 5 * 2 ** e.attempt)).toBe(true);
    expect(fake.calls).toHaveLength(3);
    books.close();
  });

  it('gives up on a 4xx (e.g. -1121 invalid symbol) until resync() is called', async () => {
    let refuse = true;
    const fake = fakeClient(() =>
      refuse ? new BinanceApiError('depth BTCUSDT failed: 400 Bad Request (-1121 Invalid symbol.)', { status: 400, binanceCode: -1121 }) : snapshot(10, BIDS, ASKS),
    );
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], retryDelayMs: 1 });
    const failed = record(books, 'failed');
    books.handle(diff(10, 11));
    await waitFor(() => failed.length === 1);
    books.handle(diff(12, 12));
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls).toHaveLength(1);
    refuse = false;
    books.resync('BTCUSDT');
    await books.whenLive();
    expect(fake.calls).toHaveLength(2);
    books.close();
  });

  it('staggers snapshots of many books: never more than maxConcurrentSnapshots in flight', async () => {
    const symbols = Array.from({ length: 40 }, (_, i) => `SYM${i}USDT`);
    const fake = fakeClient(() => snapshot(10, BIDS, ASKS));
    const books = createOrderBooks({ client: fake.client, symbols, maxConcurrentSnapshots: 2 });
    for (const symbol of symbols) books.handle(diff(10, 11, [], [], symbol));
    expect(books.pendingSnapshots()).toBe(40);
    await books.whenLive();
    expect(fake.calls).toHaveLength(40);
    expect(fake.maxInFlight()).toBe(2);
    expect(books.pendingSnapshots()).toBe(0);
    books.close();
  });

  it('disconnected: stale at once, a snapshot fetched before the drop is discarded, resyncs from the events after reconnect', async () => {
    let release: (() => void) | undefined;
    const fake = fakeClient(async (_, call) => {
      if (call === 2) await new Promise<void>((r) => (release = r));
      return call === 1 ? snapshot(10, BIDS, ASKS) : call === 2 ? snapshot(20, BIDS, ASKS) : snapshot(50, [['98', '1']], ASKS);
    });
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT', 'ETHUSDT'] });
    const stale = record(books, 'stale');
    const resync = record(books, 'resync');
    books.handle(diff(10, 11));
    await books.whenLive('BTCUSDT');
    books.handle(diff(12, 20, [], [], 'ETHUSDT')); // ETHUSDT's snapshot request hangs
    await waitFor(() => release !== undefined);
    books.onStreamDisconnected(['BTCUSDT', 'ETHUSDT']);
    expect(books.get('BTCUSDT')!.status).toBe('stale');
    expect(books.get('ETHUSDT')!.status).toBe('syncing');
    expect(stale).toEqual([{ symbol: 'BTCUSDT', reason: 'disconnected' }]);
    expect(resync.map((e) => e.reason)).toEqual(['disconnected', 'disconnected']);
    release!();
    await new Promise((r) => setTimeout(r, 10));
    expect(books.get('ETHUSDT')!.status).toBe('syncing'); // the pre-drop snapshot was not used
    books.onStreamReconnected();
    books.handle(diff(49, 52, [], [], 'ETHUSDT'));
    books.handle(diff(45, 51));
    await books.whenLive();
    expect(books.get('BTCUSDT')!.topStrings(1)).toMatchObject({ status: 'live', lastUpdateId: 51, bids: [['98', '1']] });
    books.close();
  });

  it('ignores events of symbols it does not manage and survives a throwing listener', async () => {
    const fake = fakeClient(() => snapshot(10, BIDS, ASKS));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'] });
    books.on('synced', () => {
      throw new Error('listener bug');
    });
    books.handle(diff(1, 2, [], [], 'ETHUSDT'));
    expect(fake.calls).toHaveLength(0);
    books.handle(diff(10, 11));
    await books.whenLive();
    expect(books.get('BTCUSDT')!.status).toBe('live');
    books.close();
  });

  it('refreshes a live book whose known depth runs low, staying live, and checks it against the snapshot', async () => {
    const deep = [['100', '1'], ['99', '1'], ['98', '1']] as const;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const fake = fakeClient(async (_, call) => {
      if (call === 1) return snapshot(10, deep, [['101', '1'], ['102', '1'], ['103', '1']]);
      await gate;
      return snapshot(12, deep, [['102', '1'], ['103', '1'], ['104', '1']]);
    });
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], snapshotLimit: 3, refreshBelowDepth: 3 });
    const refreshed = record(books, 'refreshed');
    const mismatches = record(books, 'mismatch');
    books.handle(diff(10, 10));
    await books.whenLive();
    expect(fake.calls).toHaveLength(1);
    books.handle(diff(11, 12, [], [['101', '0']])); // 2 asks known now: below 3
    await waitFor(() => fake.calls.length === 2);
    books.handle(diff(13, 13, [['100', '2']])); // after the request, before its answer
    release();
    await waitFor(() => refreshed.length === 1);
    expect(refreshed[0]).toEqual({ symbol: 'BTCUSDT', reason: 'depth', lastUpdateId: 13, snapshotUpdateId: 12, compared: { bids: 3, asks: 2 } });
    expect(mismatches).toEqual([]);
    const book = books.get('BTCUSDT')!;
    expect(book.status).toBe('live');
    expect(book.validDepth).toEqual({ bids: 3, asks: 3 });
    expect(book.topStrings(1).bids).toEqual([['100', '2']]);
    books.close();
  });

  it('verifyIntervalMs: refreshes a book whose depth holds, and reports a disagreement as mismatch', async () => {
    const fake = fakeClient((_, call) => (call === 1 ? snapshot(10, BIDS, ASKS) : snapshot(10, [['100', '9']], ASKS)));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], verifyIntervalMs: 20 });
    const refreshed = record(books, 'refreshed');
    const mismatches = record(books, 'mismatch');
    books.handle(diff(10, 10));
    await books.whenLive();
    await waitFor(() => refreshed.length >= 1);
    expect(refreshed[0]).toMatchObject({ reason: 'verify', lastUpdateId: 10 });
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatchObject({ symbol: 'BTCUSDT', lastUpdateId: 10, side: 'bids', index: 0 });
    expect(books.get('BTCUSDT')!.topStrings(1).bids).toEqual([['100', '9']]);
    // And again one interval later.
    await waitFor(() => refreshed.length >= 2);
    books.close();
  });

  it('a refused refresh (429) leaves the book live, is reported, and is retried until it lands', async () => {
    const limited = new BinanceClientError('RATE_LIMITED', 'depth BTCUSDT failed: 429 Too Many Requests');
    const fake = fakeClient((_, call) => (call === 1 ? snapshot(10, BIDS, ASKS) : call <= 3 ? limited : snapshot(10, BIDS, ASKS)));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], retryDelayMs: 2 });
    const errors = record(books, 'refreshError');
    const refreshed = record(books, 'refreshed');
    books.handle(diff(10, 10));
    await books.whenLive();
    books.refresh('BTCUSDT', 'depth');
    await waitFor(() => refreshed.length === 1);
    expect(errors.map((e) => [e.reason, e.attempt])).toEqual([['depth', 1], ['depth', 2]]);
    expect(books.get('BTCUSDT')!.status).toBe('live');
    expect(refreshed[0]).toMatchObject({ reason: 'depth', compared: { bids: 1, asks: 1 } });
    books.close();
  });

  it('a gap during a refresh drops it: the resync brings the next snapshot', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const fake = fakeClient(async (_, call) => {
      if (call === 2) await gate;
      return snapshot(call === 1 ? 10 : call === 2 ? 11 : 30, BIDS, ASKS);
    });
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'], retryDelayMs: 1 });
    const refreshed = record(books, 'refreshed');
    books.handle(diff(10, 10));
    await books.whenLive();
    books.refresh('BTCUSDT');
    books.handle(diff(11, 11));
    books.handle(diff(25, 31)); // gap
    expect(books.get('BTCUSDT')!.status).toBe('stale');
    release();
    await books.whenLive();
    expect(books.get('BTCUSDT')!.lastUpdateId).toBe(31);
    expect(refreshed).toEqual([]);
    books.close();
  });

  it('checks options at construction, naming the bad one', () => {
    const client = fakeClient(() => snapshot(1, [], [])).client;
    expect(() => createOrderBooks({ client, symbols: [] })).toThrow(/symbols/);
    expect(() => createOrderBooks({ client, symbols: ['btcusdt'] })).toThrow(/symbols/);
    expect(() => createOrderBooks({ client, symbols: ['BTCUSDT'], snapshotLimit: 6000 })).toThrow(/snapshotLimit/);
    expect(() => createOrderBooks({ client, symbols: ['BTCUSDT'], maxConcurrentSnapshots: 0 })).toThrow(/maxConcurrentSnapshots/);
    expect(() => createOrderBooks({ client: {} as never, symbols: ['BTCUSDT'] })).toThrow(/client/);
  });
});

describe('attachOrderBooks', () => {
  it('routes depthDiff to the books and turns disconnected/reconnected into stale + resync of the depth streams’ symbols', async () => {
    const fake = fakeClient((_, call) => snapshot(call === 1 ? 10 : 40, BIDS, ASKS));
    const books = createOrderBooks({ client: fake.client, symbols: ['BTCUSDT'] });
    const source = new EventEmitter();
    const detach = attachOrderBooks(source as unknown as DepthStreamSource, books);
    source.emit('depthDiff', diff(10, 11));
    await books.whenLive();
    source.emit('disconnected', { streams: ['btcusdt@depth@100ms', 'btcusdt@kline_1m', 'ethusdt@depth5'] });
    expect(books.get('BTCUSDT')!.status).toBe('stale');
    source.emit('reconnected', { streams: ['btcusdt@depth@100ms'] });
    source.emit('depthDiff', diff(39, 41));
    await books.whenLive();
    expect(books.get('BTCUSDT')!.lastUpdateId).toBe(41);
    detach();
    expect(source.listenerCount('depthDiff')).toBe(0);
    books.close();
  });

  it('accepts the client’s stream handle as a source, and reads symbols from diff-depth stream names only', () => {
    expectTypeOf<MarketStreams>().toMatchTypeOf<DepthStreamSource>();
    expect(symbolsOfDepthStreams(['btcusdt@depth', 'ethusdt@depth@100ms', 'bnbbtc@depth10@100ms', 'btcusdt@trade'])).toEqual(['BTCUSDT', 'ETHUSDT']);
  });
});
