import { parseDecimal } from '@collector/decimal';
import { describe, expect, it } from 'vitest';
import type { DepthDiffEvent } from '../stream-events.js';
import { OrderBook } from './order-book.js';
import { diff, snapshot } from './test-helpers.js';

const BIDS = [['100.00', '1'], ['99.50', '2'], ['99.00', '3']] as const;
const ASKS = [['100.50', '1'], ['101.00', '2'], ['102.00', '3']] as const;

function liveBook(lastUpdateId = 100): OrderBook {
  const book = new OrderBook('BTCUSDT');
  book.apply(diff(lastUpdateId - 5, lastUpdateId + 1, [['100.00', '1']]));
  const result = book.applySnapshot(snapshot(lastUpdateId, BIDS, ASKS), { limit: 1000 });
  expect(result).toMatchObject({ kind: 'synced', lastUpdateId: lastUpdateId + 1 });
  return book;
}

describe('OrderBook: initial sync (§4 steps 2-7)', () => {
  it('starts syncing, buffers events and exposes no levels', () => {
    const book = new OrderBook('BTCUSDT');
    expect(book.status).toBe('syncing');
    expect(book.needsSnapshot).toBe(false);
    expect(book.apply(diff(10, 12, [['100', '1']]))).toEqual({ kind: 'buffered' });
    expect(book.needsSnapshot).toBe(true);
    expect(book.firstBufferedUpdateId).toBe(10);
    expect(book.top(5)).toMatchObject({ status: 'syncing', lastUpdateId: undefined, bids: [], asks: [] });
  });

  it('refuses a snapshot older than the first buffered U, keeping the buffer for the next one', () => {
    const book = new OrderBook('BTCUSDT');
    book.apply(diff(50, 55));
    book.apply(diff(56, 60, [['99.00', '7']]));
    expect(book.applySnapshot(snapshot(49, BIDS, ASKS))).toEqual({ kind: 'too-old', snapshotUpdateId: 49, firstBufferedUpdateId: 50 });
    expect(book.status).toBe('syncing');
    expect(book.bufferedEvents).toBe(2);
    // lastUpdateId = U exactly is not too old (the rule is strictly less).
    expect(book.applySnapshot(snapshot(50, BIDS, ASKS))).toEqual({ kind: 'synced', lastUpdateId: 60, applied: 2, dropped: 0 });
    expect(book.quantityAt('bids', parseDecimal('99'))?.toFixed()).toBe('7');
  });

  it('drops buffered events with u ≤ lastUpdateId and applies from the bridging event on', () => {
    const book = new OrderBook('BTCUSDT');
    book.apply(diff(90, 95, [['100.00', '9']])); // u < lastUpdateId: dropped
    book.apply(diff(96, 100, [['100.00', '8']])); // u = lastUpdateId: dropped
    book.apply(diff(101, 103, [['99.50', '0']], [['100.25', '4']])); // U = lastUpdateId + 1: bridges
    book.apply(diff(104, 104, [], [['101.00', '0']]));
    const result = book.applySnapshot(snapshot(100, BIDS, ASKS), { limit: 1000 });
    expect(result).toEqual({ kind: 'synced', lastUpdateId: 104, applied: 2, dropped: 2 });
    expect(book.status).toBe('live');
    expect(book.topStrings(5)).toMatchObject({
      bids: [['100', '1'], ['99', '3']],
      asks: [['100.25', '4'], ['100.5', '1'], ['102', '3']],
      lastUpdateId: 104,
      lastEventTime: 1_700_000_000_104,
    });
  });

  it('applies a bridging event whose range straddles lastUpdateId (U ≤ id+1 ≤ u)', () => {
    const book = new OrderBook('BTCUSDT');
    book.apply(diff(95, 110, [['98.00', '5']]));
    expect(book.applySnapshot(snapshot(100, BIDS, ASKS))).toMatchObject({ kind: 'synced', lastUpdateId: 110, applied: 1 });
    expect(book.top(4).bids.map(([p]) => p.toFixed())).toEqual(['100', '99.5', '99', '98']);
  });

  it('keeps the buffer contiguous: a hole while buffering restarts it from the new event', () => {
    const book = new OrderBook('BTCUSDT');
    book.apply(diff(10, 20));
    book.apply(diff(25, 30)); // 21..24 missing
    expect(book.firstBufferedUpdateId).toBe(25);
    expect(book.bufferedEvents).toBe(1);
    expect(book.applySnapshot(snapshot(22, BIDS, ASKS))).toEqual({ kind: 'too-old', snapshotUpdateId: 22, firstBufferedUpdateId: 25 });
  });

  it('bounds the buffer by dropping the oldest events', () => {
    const book = new OrderBook('BTCUSDT', { maxBufferedEvents: 3 });
    for (let i = 1; i <= 5; i++) book.apply(diff(i, i));
    expect(book.bufferedEvents).toBe(3);
    expect(book.firstBufferedUpdateId).toBe(3);
  });

  it('installs a snapshot with nothing buffered, then requires the next event to bridge', () => {
    const book = new OrderBook('BTCUSDT');
    expect(book.applySnapshot(snapshot(100, BIDS, ASKS))).toMatchObject({ kind: 'synced', lastUpdateId: 100, applied: 0 });
    expect(book.lastEventTime).toBeUndefined();
    expect(book.apply(diff(99, 100))).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(book.apply(diff(102, 103))).toMatchObject({ kind: 'gap', expectedUpdateId: 101, firstUpdateId: 102 });
  });

  it('ignores a snapshot while live and events of another symbol', () => {
    const book = liveBook();
    expect(book.applySnapshot(snapshot(500, [], []))).toEqual({ kind: 'ignored' });
    expect(book.apply(diff(102, 102, [], [], 'ETHUSDT'))).toEqual({ kind: 'ignored', reason: 'other-symbol' });
    expect(book.lastUpdateId).toBe(101);
  });
});

describe('OrderBook: live updates', () => {
  it('sets absolute quantities, inserts new levels in order and removes qty-0 levels', () => {
    const book = liveBook();
    expect(book.apply(diff(102, 104, [['99.75', '5'], ['99.50', '0'], ['100.00', '1.25']], [['100.50', '0'], ['100.75', '0.5']]))).toEqual({
      kind: 'applied',
    });
    const top = book.topStrings(10);
    expect(top.bids).toEqual([['100', '1.25'], ['99.75', '5'], ['99', '3']]);
    expect(top.asks).toEqual([['100.75', '0.5'], ['101', '2'], ['102', '3']]);
    expect(top.lastUpdateId).toBe(104);
  });

  it('treats the removal of an absent level as harmless', () => {
    const book = liveBook();
    const before = book.topStrings(10);
    expect(book.apply(diff(102, 102, [['42.00', '0.00000000']], [['1000.00', '0']]))).toEqual({ kind: 'applied' });
    expect(book.topStrings(10)).toEqual({ ...before, lastUpdateId: 102, lastEventTime: 1_700_000_000_102 });
  });

  it('keys prices by exact value: "100.10" and "100.1" are one level', () => {
    const book = liveBook();
    book.apply(diff(102, 102, [['99.10000000', '1']]));
    book.apply(diff(103, 103, [['99.1', '2']]));
    expect(book.topStrings(10).bids.filter(([p]) => p === '99.1')).toEqual([['99.1', '2']]);
    expect(book.size.bids).toBe(4);
  });

  it('ignores a stale event (u below the local id)', () => {
    const book = liveBook();
    book.apply(diff(102, 110, [['100.00', '4']]));
    expect(book.apply(diff(105, 108, [['100.00', '999']]))).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(book.apply(diff(110, 110, [['100.00', '999']]))).toEqual({ kind: 'ignored', reason: 'stale' });
    expect(book.quantityAt('bids', parseDecimal('100'))?.toFixed()).toBe('4');
    expect(book.lastUpdateId).toBe(110);
    expect(book.status).toBe('live');
  });

  it('applies an event overlapping the local id (U ≤ id < u)', () => {
    const book = liveBook();
    expect(book.apply(diff(100, 105, [['100.00', '6']]))).toEqual({ kind: 'applied' });
    expect(book.lastUpdateId).toBe(105);
  });

  it('detects a gap (U > id + 1): goes stale, keeps the last good book readable, buffers from the gap event', () => {
    const book = liveBook();
    const good = book.topStrings(3);
    const result = book.apply(diff(103, 104, [['100.00', '99']]));
    expect(result).toEqual({ kind: 'gap', expectedUpdateId: 102, firstUpdateId: 103 });
    expect(book.status).toBe('stale');
    expect(book.lastResyncReason).toBe('gap');
    expect(book.resyncCount).toBe(1);
    expect(book.topStrings(3)).toEqual({ ...good, status: 'stale' });
    expect(book.needsSnapshot).toBe(true);
    expect(book.firstBufferedUpdateId).toBe(103);
    // A further event is buffered, not applied.
    expect(book.apply(diff(105, 106, [['100.00', '98']]))).toEqual({ kind: 'buffered' });
    expect(book.quantityAt('bids', parseDecimal('100'))?.toFixed()).toBe('1');
    // The resync completes with a new snapshot.
    expect(book.applySnapshot(snapshot(104, [['100.00', '99']], ASKS))).toEqual({ kind: 'synced', lastUpdateId: 106, applied: 1, dropped: 1 });
    expect(book.status).toBe('live');
    expect(book.quantityAt('bids', parseDecimal('100'))?.toFixed()).toBe('98');
  });

  it('never half-applies a malformed event and resyncs instead', () => {
    const book = liveBook();
    const good = book.topStrings(10);
    const bad: DepthDiffEvent = {
      ...diff(102, 103, [['99.00', '5']]),
      asks: [[parseDecimal('100.50'), parseDecimal('-1')]],
    };
    expect(book.apply(bad)).toMatchObject({ kind: 'invalid' });
    expect(book.topStrings(10)).toEqual({ ...good, status: 'stale' });
    expect(book.lastResyncReason).toBe('invalid-event');
    const notDecimal = { ...diff(102, 103), bids: [['99.00', '5']] } as unknown as DepthDiffEvent;
    expect(book.apply(notDecimal)).toMatchObject({ kind: 'invalid' });
    expect(book.apply({ ...diff(102, 103), firstUpdateId: 104 })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('bad update ids') });
    expect(book.bufferedEvents).toBe(0);
  });

  it('resync() marks a live book stale and drops the buffer; a never-synced book stays syncing', () => {
    const book = liveBook();
    book.resync('disconnected');
    expect(book.status).toBe('stale');
    expect(book.lastResyncReason).toBe('disconnected');
    const fresh = new OrderBook('BTCUSDT');
    fresh.apply(diff(1, 2));
    fresh.resync('disconnected');
    expect(fresh.status).toBe('syncing');
    expect(fresh.bufferedEvents).toBe(0);
  });

  it('refuses a malformed snapshot without touching a stale book', () => {
    const book = liveBook();
    book.apply(diff(200, 201));
    const badSnap = { lastUpdateId: 300, bids: [[parseDecimal('1'), parseDecimal('1')]], asks: [['2', '1']] } as never;
    expect(book.applySnapshot(badSnap)).toMatchObject({ kind: 'invalid' });
    expect(book.status).toBe('stale');
    expect(book.topStrings(1).bids).toEqual([['100', '1']]);
  });
});

describe('OrderBook: validDepth', () => {
  it('counts levels no worse than the snapshot’s worst level; a level scrolling in from beyond is not counted', () => {
    const book = new OrderBook('BTCUSDT');
    book.applySnapshot(snapshot(10, BIDS, ASKS), { limit: 3 });
    expect(book.validDepth).toEqual({ bids: 3, asks: 3 });
    book.apply(diff(11, 11, [['100.00', '0'], ['98.00', '1']], [['103.00', '1']]));
    // Removing the best bid leaves 99.5 and 99 known; 98 may hide unknown levels between 99 and itself.
    expect(book.validDepth).toEqual({ bids: 2, asks: 3 });
    expect(book.size).toEqual({ bids: 3, asks: 4 });
    book.apply(diff(12, 12, [['99.75', '1']], [['101.50', '1'], ['102.00', '0']]));
    // The worst snapshot price stays the boundary even after its own level is removed.
    expect(book.validDepth).toEqual({ bids: 3, asks: 3 });
  });

  it('treats a side with fewer levels than the limit as complete', () => {
    const book = new OrderBook('BTCUSDT');
    book.applySnapshot(snapshot(10, BIDS, ASKS), { limit: 5000 });
    book.apply(diff(11, 11, [['50.00', '1']], [['500.00', '1']]));
    expect(book.validDepth).toEqual({ bids: 4, asks: 4 });
  });

  it('is 0 before a snapshot, and without a limit an empty side is unknown', () => {
    const book = new OrderBook('BTCUSDT');
    expect(book.validDepth).toEqual({ bids: 0, asks: 0 });
    book.applySnapshot(snapshot(10, [], ASKS));
    expect(book.validDepth).toEqual({ bids: 0, asks: 3 });
  });
});

describe('OrderBook: options', () => {
  it('checks its options at construction, naming the bad one', () => {
    expect(() => new OrderBook('')).toThrow(/symbol/);
    expect(() => new OrderBook('BTCUSDT', { maxBufferedEvents: 0 })).toThrow(/maxBufferedEvents/);
  });
});
