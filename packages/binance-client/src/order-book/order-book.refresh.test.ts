import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';
import { diff, snapshot } from './test-helpers.js';

// Snapshots of limit 3: each side below is cut at its third level, so the book knows three levels per side.
const BIDS = [['100', '1'], ['99', '2'], ['98', '3']] as const;
const ASKS = [['101', '1'], ['102', '2'], ['103', '3']] as const;

/** A live book at update id 20 that knows 3 levels per side (98..100, 101..103). */
function liveBook(): OrderBook {
  const book = new OrderBook('BTCUSDT');
  book.apply(diff(19, 20));
  expect(book.applySnapshot(snapshot(20, BIDS, ASKS), { limit: 3 })).toMatchObject({ kind: 'synced', lastUpdateId: 20 });
  return book;
}

describe('OrderBook: refresh while live', () => {
  it('adopts a snapshot older than the book by applying the events kept since beginRefresh, staying live', () => {
    const book = liveBook();
    // Trades through the best ask: the book now knows only 2 asks.
    book.apply(diff(21, 21, [], [['101', '0']]));
    expect(book.validDepth).toEqual({ bids: 3, asks: 2 });
    expect(book.beginRefresh()).toBe(true);
    book.apply(diff(22, 23, [['100', '5']]));
    book.apply(diff(24, 24, [], [['102', '4']]));
    // Taken at 22 (inside the event 22..23, as a REST snapshot may be): that event and the next are applied on top.
    const result = book.applyRefresh(snapshot(22, [['100', '1'], ['99', '2'], ['98', '3']], [['102', '2'], ['103', '3'], ['104', '1']]), { limit: 3 });
    expect(result).toMatchObject({ kind: 'adopted', lastUpdateId: 24, snapshotUpdateId: 22, mismatch: undefined, compared: { bids: 3, asks: 2 } });
    expect(book.status).toBe('live');
    expect(book.refreshing).toBe(false);
    expect(book.validDepth).toEqual({ bids: 3, asks: 3 });
    expect(book.topStrings(3)).toMatchObject({ lastUpdateId: 24, bids: [['100', '5'], ['99', '2'], ['98', '3']], asks: [['102', '4'], ['103', '3'], ['104', '1']] });
  });

  it('keeps a snapshot newer than the book and adopts it with the event that reaches its update id', () => {
    const book = liveBook();
    book.beginRefresh();
    expect(book.applyRefresh(snapshot(23, BIDS, ASKS), { limit: 3 })).toEqual({ kind: 'pending', snapshotUpdateId: 23 });
    expect(book.refreshPending).toBe(true);
    expect(book.apply(diff(21, 21))).toEqual({ kind: 'applied' });
    const reached = book.apply(diff(22, 24, [], [['101', '7']]));
    expect(reached).toMatchObject({ kind: 'applied', refresh: { kind: 'adopted', lastUpdateId: 24, snapshotUpdateId: 23 } });
    expect(book.refreshPending).toBe(false);
    // The event spanning 23 was applied on top of the snapshot.
    expect(book.topStrings(1).asks).toEqual([['101', '7']]);
  });

  it('reports the first level where the book and the caught-up snapshot differ, and the snapshot wins', () => {
    const book = liveBook();
    book.beginRefresh();
    const result = book.applyRefresh(snapshot(20, BIDS, [['101', '1'], ['102', '9'], ['103', '3']]), { limit: 3 });
    expect(result).toMatchObject({ kind: 'adopted', mismatch: { side: 'asks', index: 1 } });
    if (result.kind !== 'adopted') throw new Error('unreachable');
    expect(result.mismatch?.local?.map(String)).toEqual(['102', '2']);
    expect(result.mismatch?.snapshot?.map(String)).toEqual(['102', '9']);
    expect(book.topStrings(3).asks).toEqual([['101', '1'], ['102', '9'], ['103', '3']]);
  });

  it('compares only the levels both books know: a deeper snapshot is no mismatch', () => {
    const book = liveBook();
    book.beginRefresh();
    const result = book.applyRefresh(snapshot(20, [...BIDS, ['97', '1'], ['96', '1']], [...ASKS, ['104', '1'], ['105', '1']]), { limit: 5 });
    expect(result).toMatchObject({ kind: 'adopted', mismatch: undefined, compared: { bids: 3, asks: 3 } });
    expect(book.validDepth).toEqual({ bids: 5, asks: 5 });
  });

  it('a missing level inside the shared range is a mismatch', () => {
    const book = liveBook();
    book.beginRefresh();
    const result = book.applyRefresh(snapshot(20, [['100', '1'], ['98', '3'], ['97', '1']], ASKS), { limit: 3 });
    expect(result).toMatchObject({ kind: 'adopted', mismatch: { side: 'bids', index: 1 } });
  });

  it('refuses a snapshot older than the events kept, and changes nothing', () => {
    const book = liveBook();
    book.apply(diff(21, 22));
    book.beginRefresh();
    book.apply(diff(23, 23, [['100', '4']]));
    expect(book.applyRefresh(snapshot(21, BIDS, ASKS), { limit: 3 })).toEqual({ kind: 'too-old', snapshotUpdateId: 21, firstBufferedUpdateId: 23 });
    expect(book.refreshing).toBe(false);
    expect(book.topStrings(1)).toMatchObject({ status: 'live', lastUpdateId: 23, bids: [['100', '4']] });
  });

  it('ignores a refresh snapshot without beginRefresh or when not live; a gap drops the refresh', () => {
    const book = liveBook();
    expect(book.applyRefresh(snapshot(20, BIDS, ASKS))).toEqual({ kind: 'ignored' });
    book.beginRefresh();
    book.applyRefresh(snapshot(30, BIDS, ASKS));
    expect(book.apply(diff(25, 26))).toMatchObject({ kind: 'gap' });
    expect(book.refreshing).toBe(false);
    expect(book.refreshPending).toBe(false);
    expect(book.beginRefresh()).toBe(false);
    expect(book.applyRefresh(snapshot(30, BIDS, ASKS))).toEqual({ kind: 'ignored' });
  });

  it('knowsWholeSide: a side shorter than the limit is known in full', () => {
    const book = new OrderBook('BTCUSDT');
    book.apply(diff(10, 10));
    book.applySnapshot(snapshot(10, [['100', '1']], ASKS), { limit: 3 });
    expect(book.knowsWholeSide('bids')).toBe(true);
    expect(book.knowsWholeSide('asks')).toBe(false);
  });
});
