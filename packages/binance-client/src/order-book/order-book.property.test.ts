import { formatDecimal } from '@collector/decimal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';
import { diff, snapshot } from './test-helpers.js';

// Prices on a small grid (so updates hit existing levels often), written with varying trailing zeros to prove
// exact keying: "100.5", "100.50" and "100.50000000" are one level.
const price = fc.tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom('', '0', '000000')).map(([ticks, pad]) => {
  const cents = 9_900 + ticks * 5;
  const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  return `${text}${pad}`;
});
const qty = fc.oneof(fc.constant('0'), fc.constant('0.00000000'), fc.integer({ min: 1, max: 10_000 }).map((n) => `${n / 1000}`));
const levelChanges = fc.array(fc.tuple(price, qty), { maxLength: 12 });

/** The naive model: a Map keyed by canonical price text, sorted only when read. */
function modelTop(model: Map<string, string>, side: 'bids' | 'asks'): [string, string][] {
  const sorted = [...model.entries()].sort(([a], [b]) => (side === 'bids' ? Number(b) - Number(a) : Number(a) - Number(b)));
  return sorted;
}

const canonical = (text: string): string => formatDecimal(snapshot(0, [[text, '1']], []).bids[0]![0]);

describe('OrderBook property: random diffs equal a naive Map model', () => {
  it('after any sequence of contiguous diffs (with stale repeats mixed in), top(all) equals the sorted model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(price, qty.filter((q) => Number(q) !== 0)), { maxLength: 20 }),
        fc.array(fc.tuple(price, qty.filter((q) => Number(q) !== 0)), { maxLength: 20 }),
        fc.array(fc.record({ bids: levelChanges, asks: levelChanges, span: fc.integer({ min: 1, max: 4 }), repeat: fc.boolean() }), { maxLength: 40 }),
        (snapBids, snapAsks, events) => {
          const bidModel = new Map<string, string>();
          const askModel = new Map<string, string>();
          for (const [p, q] of snapBids) bidModel.set(canonical(p), canonical(q));
          for (const [p, q] of snapAsks) askModel.set(canonical(p), canonical(q));
          const book = new OrderBook('BTCUSDT');
          // Snapshot levels are given unordered, with repeats: `load` must sort and keep the last.
          expect(book.applySnapshot(snapshot(100, snapBids, snapAsks))).toMatchObject({ kind: 'synced' });
          let id = 100;
          for (const e of events) {
            const event = diff(id + 1, id + e.span, e.bids, e.asks);
            expect(book.apply(event)).toEqual({ kind: 'applied' });
            if (e.repeat) expect(book.apply(event)).toEqual({ kind: 'ignored', reason: 'stale' });
            id += e.span;
            for (const [p, q] of e.bids) Number(q) === 0 ? bidModel.delete(canonical(p)) : bidModel.set(canonical(p), canonical(q));
            for (const [p, q] of e.asks) Number(q) === 0 ? askModel.delete(canonical(p)) : askModel.set(canonical(p), canonical(q));
          }
          const top = book.topStrings(Number.MAX_SAFE_INTEGER);
          expect(top.bids).toEqual(modelTop(bidModel, 'bids'));
          expect(top.asks).toEqual(modelTop(askModel, 'asks'));
          expect(top.lastUpdateId).toBe(id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a gap anywhere leaves the last good book untouched', () => {
    fc.assert(
      fc.property(levelChanges, levelChanges, fc.integer({ min: 2, max: 50 }), (bids, asks, skip) => {
        const book = new OrderBook('BTCUSDT');
        book.applySnapshot(snapshot(100, [['99.00', '1']], [['101.00', '1']]));
        const before = book.topStrings(100);
        expect(book.apply(diff(100 + skip, 100 + skip, bids, asks))).toMatchObject({ kind: 'gap' });
        expect(book.topStrings(100)).toEqual({ ...before, status: 'stale' });
      }),
    );
  });
});
