import { describe, expect, it } from 'vitest';
import { holesInPage } from './holes.js';
import { SeriesProgress } from './progress.js';

const M = 60_000;

describe('SeriesProgress', () => {
  it('advances only over a complete prefix, and over known gaps', () => {
    const progress = new SeriesProgress({ symbol: 'BTCUSDT', interval: '1m' }, 0);
    expect(progress.markClosed(2 * M)).toBe(false);
    expect(progress.contiguousUntil).toBe(0);
    expect(progress.markClosed(M)).toBe(true);
    expect(progress.contiguousUntil).toBe(2 * M);
    expect(progress.markClosed(M)).toBe(false);
    progress.markClosed(6 * M);
    expect(progress.markKnownGap(3 * M, 5 * M)).toBe(true);
    expect(progress.contiguousUntil).toBe(6 * M);
  });
});

describe('holesInPage', () => {
  it('finds holes before and inside a page', () => {
    expect(holesInPage('1m', 0, [2 * M, 3 * M, 7 * M])).toEqual({ holes: [{ from: 0, to: M }, { from: 4 * M, to: 6 * M }], next: 8 * M });
    expect(holesInPage('1m', 0, [0, M])).toEqual({ holes: [], next: 2 * M });
  });
});
