import { type BinanceSim, startBinanceSim, type BinanceSimOptions } from '@collector/binance-sim';
import { normalizeDecimalString } from '@collector/decimal';
import { afterEach, describe, expect, it } from 'vitest';
import { createBinanceClient } from '../src/index.js';
import { attachOrderBooks, createOrderBooks, type OrderBooks, type OrderBooksEvents } from '../src/order-book/order-books.js';

// OrderBook over real sockets: the client's diff-depth stream and REST snapshots from @collector/binance-sim, checked
// against the simulator's own book (`trueBook`) at the update id the local book stands at.

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startSim(options: BinanceSimOptions): Promise<BinanceSim> {
  const sim = await startBinanceSim(options);
  cleanups.push(() => sim.close());
  return sim;
}

function next<K extends keyof OrderBooksEvents>(
  books: OrderBooks,
  name: K,
  match: (event: OrderBooksEvents[K]) => boolean,
  timeoutMs = 10_000,
): Promise<OrderBooksEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = books.on(name, (event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not done within ${ms} ms`)), ms))]);
}

/** The local book equals the simulator's at the local book's update id, over every level known valid (up to `levels`). */
function expectEqualsTrueBook(sim: BinanceSim, books: OrderBooks, symbol: string, levels = 300): void {
  const book = books.get(symbol)!;
  // Read both in the same tick: no event can land in between.
  const id = book.lastUpdateId!;
  const local = book.topStrings(levels);
  const valid = book.validDepth;
  const truth = sim.trueBook(symbol, id, levels);
  expect(local.status).toBe('live');
  expect(truth.lastUpdateId).toBe(id);
  const norm = (side: readonly (readonly [string, string])[], n: number) => side.slice(0, n).map(([p, q]) => [normalizeDecimalString(p), normalizeDecimalString(q)]);
  const nb = Math.min(levels, valid.bids);
  const na = Math.min(levels, valid.asks);
  expect(nb).toBeGreaterThan(20);
  expect(na).toBeGreaterThan(20);
  expect(local.bids.slice(0, nb)).toEqual(norm(truth.bids, nb));
  expect(local.asks.slice(0, na)).toEqual(norm(truth.asks, na));
}

const wsBase = (sim: BinanceSim): string => sim.wsUrl.replace(/\/ws$/, '');

describe('OrderBook against @collector/binance-sim', () => {
  it('follows the diff stream and equals the simulator’s true book, through injected gaps and dropped connections', async () => {
    const symbols = ['BTCUSDT', 'ETHUSDT'];
    const sim = await startSim({ symbols, seed: 11, depthUpdateMs: 25, bookHistory: 4000 });
    const client = createBinanceClient({ baseUrl: sim.restUrl, wsBaseUrl: wsBase(sim), retryDelayMs: 10, reconnectDelayMs: 20 });
    const streams = client.openStreams({
      streams: symbols.map((s) => `${s.toLowerCase()}@depth@100ms`),
    });
    cleanups.push(() => streams.close());
    const books = createOrderBooks({ client, symbols, snapshotLimit: 1000, retryDelayMs: 20 });
    cleanups.push(() => books.close());
    attachOrderBooks(streams, books);

    await withTimeout(books.whenLive(), 10_000, 'initial sync');
    await new Promise((r) => setTimeout(r, 300));
    for (const symbol of symbols) expectEqualsTrueBook(sim, books, symbol);

    // A gap: three BTCUSDT events never sent.
    const gap = next(books, 'resync', (e) => e.symbol === 'BTCUSDT' && e.reason === 'gap');
    const stale = next(books, 'stale', (e) => e.symbol === 'BTCUSDT');
    sim.faults.skipDepthUpdates(3, 'BTCUSDT');
    await gap;
    await stale;
    await withTimeout(books.whenLive('BTCUSDT'), 10_000, 'resync after gap');
    await new Promise((r) => setTimeout(r, 200));
    for (const symbol of symbols) expectEqualsTrueBook(sim, books, symbol);
    expect(books.get('ETHUSDT')!.resyncCount).toBe(0);

    // Every connection dropped: both books go stale, then resync from the reconnected stream.
    const dropped = symbols.map((s) => next(books, 'stale', (e) => e.symbol === s));
    sim.faults.dropConnections();
    const reasons = await Promise.all(dropped);
    // Usually the stream reports the drop first; if the new connection's first event beats it, it is a gap.
    for (const r of reasons) expect(['disconnected', 'gap']).toContain(r.reason);
    await withTimeout(books.whenLive(), 10_000, 'resync after drop');
    await new Promise((r) => setTimeout(r, 200));
    for (const symbol of symbols) expectEqualsTrueBook(sim, books, symbol);
  }, 40_000);

  it('starts 500 books against a low weight limit without a single 429', async () => {
    const symbols = Array.from({ length: 500 }, (_, i) => `OB${i}USDT`);
    const weightWindowMs = 1000;
    const weightLimitPerMinute = 500; // per 1 s window here: 100 depth(limit ≤ 100) requests per window
    const sim = await startSim({ symbols, seed: 5, depthUpdateMs: 250, bookLevels: 200, bookHistory: 50, weightLimitPerMinute, weightWindowMs });
    let responses = 0;
    let tooMany = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      responses++;
      if (response.status === 429 || response.status === 418) tooMany++;
      return response;
    };
    const client = createBinanceClient({
      baseUrl: sim.restUrl,
      wsBaseUrl: wsBase(sim),
      weightLimitPerMinute,
      weightWindowMs,
      fetch: countingFetch,
    });
    const streams = client.openStreams({
      streams: symbols.map((s) => `${s.toLowerCase()}@depth@100ms`),
    });
    cleanups.push(() => streams.close());
    const books = createOrderBooks({ client, symbols, snapshotLimit: 100, maxConcurrentSnapshots: 2 });
    cleanups.push(() => books.close());
    attachOrderBooks(streams, books);

    await withTimeout(books.whenLive(), 45_000, '500 books live');
    expect(tooMany).toBe(0);
    expect(responses).toBeGreaterThanOrEqual(500);
    expect(symbols.every((s) => books.get(s)!.status === 'live')).toBe(true);
    expectEqualsTrueBook(sim, books, 'OB0USDT', 50);
  }, 60_000);
});
