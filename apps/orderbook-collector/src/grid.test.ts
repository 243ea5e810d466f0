import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextGridTime, startGrid } from './grid.js';

describe('nextGridTime', () => {
  it('is the next multiple of the interval, strictly after now', () => {
    expect(nextGridTime(1_000, 1_000)).toBe(2_000);
    expect(nextGridTime(1_001, 1_000)).toBe(2_000);
    expect(nextGridTime(1_999, 200)).toBe(2_000);
    expect(nextGridTime(2_000, 200)).toBe(2_200);
  });
});

describe('startGrid', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks on the wall-clock grid and reports blocked stretches as missed', () => {
    vi.useFakeTimers({ now: 10_050 });
    const ticks: number[] = [];
    const missed: [number, number][] = [];
    const grid = startGrid({ intervalMs: 200, onTick: (t) => ticks.push(t), onMissed: (n, t) => missed.push([n, t]) });
    vi.advanceTimersByTime(500);
    expect(ticks).toEqual([10_200, 10_400]);
    // Block the loop for 1 s: the timer fires late once, at the latest grid time, and the skipped ones are reported.
    vi.setSystemTime(11_450);
    vi.advanceTimersByTime(50);
    expect(ticks.at(-1)).toBe(11_400);
    expect(missed).toEqual([[4, 11_400]]);
    vi.advanceTimersByTime(200);
    expect(ticks.at(-1)).toBe(11_600);
    grid.stop();
    vi.advanceTimersByTime(1_000);
    expect(ticks.at(-1)).toBe(11_600);
  });
});
