import { describe, expect, it } from 'vitest';
import { backfillProgress, createRateMeter } from './progress.js';

describe('backfillProgress', () => {
  it('gives percent with one decimal, floored, and the time left at the rate', () => {
    expect(backfillProgress({ source: 'rest', done: 620, left: 380, ratePerSecond: 9.5 })).toEqual({
      source: 'rest', percent: 62, done: 620, left: 380, ratePerSecond: 9.5, etaMs: 40_000,
    });
    expect(backfillProgress({ source: 'archive', done: 1, left: 2, ratePerSecond: 3.33333 })).toMatchObject({ percent: 33.3, ratePerSecond: 3.3, etaMs: 600 });
  });

  it('never reads 100 % while candles are left, and reads 100 % with nothing to do', () => {
    expect(backfillProgress({ source: 'rest', done: 99_999, left: 1, ratePerSecond: null }).percent).toBe(99.9);
    expect(backfillProgress({ source: 'rest', done: 0, left: 0, ratePerSecond: null })).toMatchObject({ percent: 100, etaMs: 0 });
    expect(backfillProgress({ source: 'rest', done: 10, left: 0, ratePerSecond: 0 })).toMatchObject({ percent: 100, etaMs: 0 });
  });

  it('has no ETA without a rate or at a standstill', () => {
    expect(backfillProgress({ source: 'rest', done: 0, left: 50, ratePerSecond: null })).toMatchObject({ percent: 0, etaMs: null, ratePerSecond: null });
    expect(backfillProgress({ source: 'rest', done: 5, left: 50, ratePerSecond: 0 }).etaMs).toBeNull();
  });
});

describe('createRateMeter', () => {
  it('gives no rate until the readings span the minimum, then the slope over the window', () => {
    const meter = createRateMeter({ windowMs: 10_000, minSpanMs: 1_000 });
    expect(meter.record(0, 0)).toBeNull();
    expect(meter.record(50, 500)).toBeNull();
    expect(meter.record(100, 1_000)).toBe(100);
    expect(meter.record(300, 2_000)).toBe(150);
  });

  it('forgets readings older than the window, so the rate follows the recent pace', () => {
    const meter = createRateMeter({ windowMs: 10_000 });
    meter.record(0, 0);
    meter.record(10_000, 10_000); // 1000/s for 10 s
    expect(meter.record(10_100, 20_000)).toBeCloseTo(10, 5); // then 10/s: only the reading at 10 s is kept
  });

  it('starts again when the count goes down (a restart from the stored state)', () => {
    const meter = createRateMeter();
    meter.record(500, 0);
    meter.record(600, 2_000);
    expect(meter.record(100, 3_000)).toBeNull();
    expect(meter.record(300, 5_000)).toBe(100);
  });
});
