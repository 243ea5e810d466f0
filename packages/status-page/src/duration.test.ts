import { describe, expect, it } from 'vitest';
import { formatShortDuration } from './duration.js';

describe('formatShortDuration', () => {
  it('keeps one decimal under 10 s and whole units above', () => {
    expect([0, 349, 9_949, 40_400, 200_000, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatShortDuration)).toEqual([
      '0.0 s', '0.3 s', '9.9 s', '40 s', '3 min 20 s', '2 h 5 min', '3 d 4 h',
    ]);
  });

  it('says a negative duration (clock skew) as zero', () => {
    expect(formatShortDuration(-1_500)).toBe('0.0 s');
  });
});
