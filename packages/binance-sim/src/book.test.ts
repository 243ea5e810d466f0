import { describe, expect, it } from 'vitest';
import { BookRegistry } from './book.js';
import { resolveSymbol, SymbolMarket } from './market.js';
import { resolveOptions } from './options.js';

const T0 = Date.UTC(2026, 0, 5, 12);

/** Ticks a book of `symbol` `ticks` times, 100 ms of sim time apart, and reports how far its touch moved. */
function run(symbol: string, drift: number, ticks: number) {
  const market = new SymbolMarket(resolveSymbol(symbol, 7)!, 7);
  let t = T0;
  const books = new BookRegistry(new Map([[symbol, market]]), 7, () => t, { levels: 5000, history: 0, drift });
  const book = books.get(symbol)!;
  const first = book.snapshot(100);
  const worstBid = book.bids.prices[99]!;
  const worstAsk = book.asks.prices[99]!;
  let fewestKnown = 100;
  for (let i = 0; i < ticks; i++) {
    t += 100;
    book.advance(books.targetTicks(market, t));
    const bids = book.bids.prices.filter((p) => p >= worstBid).length;
    const asks = book.asks.prices.filter((p) => p <= worstAsk).length;
    fewestKnown = Math.min(fewestKnown, bids, asks);
  }
  return { first, last: book.snapshot(100), fewestKnown };
}

describe('bookDrift', () => {
  it('1 leaves the books as they were: the target is the market price at the sim time', () => {
    const market = new SymbolMarket(resolveSymbol('ETHUSDT', 7)!, 7);
    const books = new BookRegistry(new Map([['ETHUSDT', market]]), 7, () => T0, { levels: 100, history: 0, drift: 1 });
    const t = T0 + 123_456;
    expect(books.targetTicks(market, t)).toBe(Number(market.partialMinute(Math.floor(t / 60_000), t).close / 10n ** 6n));
  });

  it('60 runs the price path 60 times as fast: a minute of ticks sees the price an hour later', () => {
    const market = new SymbolMarket(resolveSymbol('ETHUSDT', 7)!, 7);
    const slow = new BookRegistry(new Map([['ETHUSDT', market]]), 7, () => T0, { levels: 100, history: 0, drift: 1 });
    const fast = new BookRegistry(new Map([['ETHUSDT', market]]), 7, () => T0, { levels: 100, history: 0, drift: 60 });
    expect(fast.targetTicks(market, T0)).toBe(slow.targetTicks(market, T0));
    expect(fast.targetTicks(market, T0 + 60_000)).toBe(slow.targetTicks(market, T0 + 3_600_000));
  });

  it('a fast drift walks a book out of a 100-level snapshot within a minute where the default does not', () => {
    // 600 ticks = one minute at the default 100 ms per tick.
    const calm = run('ETHUSDT', 1, 600);
    const fast = run('ETHUSDT', 60, 600);
    expect(calm.fewestKnown).toBeGreaterThan(20);
    expect(fast.fewestKnown).toBeLessThan(20);
    // Same seed and creation time: the same starting book.
    expect(fast.first).toEqual(calm.first);
  });
});

describe('bookDrift option', () => {
  it('below 1 is refused, naming the option', () => {
    expect(() => resolveOptions({ bookDrift: 0.5 })).toThrow(/option bookDrift must be >= 1, got 0.5/);
    expect(resolveOptions({}).bookDrift).toBe(1);
  });
});

describe('partialDepthJson', () => {
  it('is the text of JSON.stringify(snapshot(limit)), and of the swapped sides when crossed, as the book moves', () => {
    for (const symbol of ['BTCUSDT', 'SHIBUSDT', 'ETHBTC']) {
      const market = new SymbolMarket(resolveSymbol(symbol, 7)!, 7);
      let t = T0;
      const books = new BookRegistry(new Map([[symbol, market]]), 7, () => t, { levels: 200, history: 0, drift: 60 });
      const book = books.get(symbol)!;
      for (let i = 0; i < 50; i++) {
        t += 100;
        book.advance(books.targetTicks(market, t));
        for (const limit of [5, 20]) {
          const snapshot = book.snapshot(limit);
          expect(book.partialDepthJson(limit)).toBe(JSON.stringify(snapshot));
          expect(book.partialDepthJson(limit, true)).toBe(JSON.stringify({ lastUpdateId: snapshot.lastUpdateId, bids: snapshot.asks, asks: snapshot.bids }));
        }
      }
    }
  });
});
