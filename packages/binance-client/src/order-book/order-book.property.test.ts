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

  it('a refresh begun, taken and delivered at any points (the snapshot older or newer than the book) is adopted once, without a mismatch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ bids: levelChanges, asks: levelChanges, span: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 30 }),
        fc.tuple(fc.nat(), fc.nat(), fc.nat()),
        (events, [a, b, c]) => {
          // The model's state at every position of the sequence (0: before the first event), known in advance so a
          // snapshot may come from ahead of the stream.
          const bidModel = new Map<string, string>([['99', '1']]);
          const askModel = new Map<string, string>([['101', '1']]);
          const states: { id: number; bids: [string, string][]; asks: [string, string][] }[] = [];
          let id = 100;
          for (let k = 0; ; k++) {
            states.push({ id, bids: modelTop(bidModel, 'bids'), asks: modelTop(askModel, 'asks') });
            const e = events[k];
            if (e === undefined) break;
            id += e.span;
            for (const [p, q] of e.bids) Number(q) === 0 ? bidModel.delete(canonical(p)) : bidModel.set(canonical(p), canonical(q));
            for (const [p, q] of e.asks) Number(q) === 0 ? askModel.delete(canonical(p)) : askModel.set(canonical(p), canonical(q));
          }
          // The refresh begins first; the snapshot is taken at or after that, and delivered at or after that too.
          const n = events.length + 1;
          const begin = Math.min(a % n, b % n, c % n);
          const taken = Math.max(begin, b % n);
          const delivered = Math.max(begin, c % n);

          const book = new OrderBook('BTCUSDT');
          book.applySnapshot(snapshot(100, [['99', '1']], [['101', '1']]));
          let adoptions = 0;
          let bookId = 100;
          for (let k = 0; k < n; k++) {
            if (k === begin) expect(book.beginRefresh()).toBe(true);
            if (k === delivered) {
              const state = states[taken] as (typeof states)[number];
              const result = book.applyRefresh(snapshot(state.id, state.bids, state.asks));
              if (taken <= k) {
                expect(result).toMatchObject({ kind: 'adopted', lastUpdateId: bookId, snapshotUpdateId: state.id, mismatch: undefined });
                adoptions++;
              } else expect(result).toEqual({ kind: 'pending', snapshotUpdateId: state.id });
            }
            const e = events[k];
            if (e === undefined) break;
            const result = book.apply(diff(bookId + 1, bookId + e.span, e.bids, e.asks));
            bookId += e.span;
            if (result.kind === 'applied' && result.refresh !== undefined) {
              expect(result.refresh).toMatchObject({ lastUpdateId: bookId, mismatch: undefined });
              adoptions++;
            }
          }
          expect(adoptions).toBe(1);
          expect(book.status).toBe('live');
          const top = book.topStrings(Number.MAX_SAFE_INTEGER);
          expect(top.bids).toEqual(modelTop(bidModel, 'bids'));
          expect(top.asks).toEqual(modelTop(askModel, 'asks'));
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
