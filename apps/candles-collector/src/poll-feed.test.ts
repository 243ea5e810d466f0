import { DEFAULT_BINANCE_CLIENT_OPTIONS } from '@collector/binance-client';
import { describe, expect, it } from 'vitest';
import { POLL_WEIGHT_SHARE, pollRoundMs } from './poll-feed.js';

describe('pollRoundMs', () => {
  it('is REALTIME_INTERVAL while the rounds fit the budget', () => {
    // 5 series: 10 weight a round, 1,200 a minute at 0.5 s, far below 6,000 × 0.9 × 0.8.
    expect(pollRoundMs(5, 500, DEFAULT_BINANCE_CLIENT_OPTIONS)).toBe(500);
  });

  it('stretches the round so that a minute of rounds spends the paced share of the budget, not more', () => {
    const roundMs = pollRoundMs(200, 500, DEFAULT_BINANCE_CLIENT_OPTIONS);
    // 400 weight a round against 4,320 a minute: a round every 5.6 s, about 10.8 rounds a minute.
    expect(roundMs).toBe(5556);
    const roundsPerMinute = 60_000 / roundMs;
    expect(roundsPerMinute * 400).toBeLessThanOrEqual(6000 * 0.9 * POLL_WEIGHT_SHARE);
    expect((roundsPerMinute + 1) * 400).toBeGreaterThan(6000 * 0.9 * POLL_WEIGHT_SHARE);
  });

  it('follows the client options it is given (a lower limit, a shorter window)', () => {
    expect(pollRoundMs(100, 100, { weightLimitPerMinute: 1200, weightSafety: 1, weightWindowMs: 10_000 })).toBe(2084);
  });
});
