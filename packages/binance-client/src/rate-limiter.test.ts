import { describe, expect, it } from 'vitest';
import { backoffDelayMs, MAX_BACKOFF_MS, WeightLimiter, windowStart } from './rate-limiter.js';

describe('windowStart', () => {
  it('aligns to UTC minutes for a 60 s window', () => {
    expect(windowStart(Date.UTC(2024, 0, 1, 12, 34, 56, 789), 60_000)).toBe(Date.UTC(2024, 0, 1, 12, 34));
    expect(windowStart(120_000, 60_000)).toBe(120_000);
    expect(windowStart(119_999, 60_000)).toBe(60_000);
  });
});

describe('WeightLimiter', () => {
  it('lets requests go until the budget, then waits for the window end', () => {
    let now = 60_000 + 10_000;
    const limiter = new WeightLimiter(10, 60_000, () => now);
    expect(limiter.delayFor(5)).toBe(0);
    limiter.sync(8);
    expect(limiter.delayFor(2)).toBe(0);
    expect(limiter.delayFor(3)).toBe(50_000);
    now = 120_000;
    expect(limiter.usedWeight()).toBe(0);
    expect(limiter.delayFor(3)).toBe(0);
  });

  it('takes the server count over the local one', async () => {
    const limiter = new WeightLimiter(100, 60_000, () => 1_000);
    await limiter.acquire(20);
    expect(limiter.usedWeight()).toBe(20);
    limiter.sync(95);
    expect(limiter.usedWeight()).toBe(95);
    expect(limiter.delayFor(10)).toBe(59_000);
    expect(limiter.msToWindowEnd()).toBe(59_000);
  });

  it('lets one request heavier than the whole budget go in an empty window', () => {
    const limiter = new WeightLimiter(10, 60_000, () => 0);
    expect(limiter.delayFor(250)).toBe(0);
  });

  it('holds everything during a pause', () => {
    const limiter = new WeightLimiter(10, 60_000, () => 1_000);
    limiter.pauseUntil(4_000);
    limiter.pauseUntil(2_000);
    expect(limiter.delayFor(1)).toBe(3_000);
  });
});

describe('backoffDelayMs', () => {
  it('stays in [0, base × 2^attempt) and under the cap', () => {
    expect(backoffDelayMs(0, 1000, () => 0)).toBe(0);
    expect(backoffDelayMs(0, 1000, () => 0.999999)).toBe(999);
    expect(backoffDelayMs(3, 1000, () => 0.5)).toBe(4000);
    expect(backoffDelayMs(30, 1000, () => 0.999999)).toBeLessThan(MAX_BACKOFF_MS);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(2, 100);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(400);
    }
  });
});
