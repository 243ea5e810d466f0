import { describe, expect, it } from 'vitest';
import { assertInterval, assertSymbol, depthWeight } from './market.js';
import { DEFAULT_BINANCE_CLIENT_OPTIONS, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const o = resolveOptions();
    expect(o.baseUrl).toBe(DEFAULT_BINANCE_CLIENT_OPTIONS.baseUrl);
    expect(o.maxRetries).toBe(5);
    expect(o.weightWindowMs).toBe(60_000);
    // Binance's own limits: 300 connection attempts per 5 minutes per IP.
    expect([o.maxConnectionAttempts, o.connectionAttemptsWindowMs]).toEqual([300, 300_000]);
    expect(o.maxQueuedEvents).toBe(10_000);
  });

  it.each([
    [{ maxRetries: -1 }, /maxRetries/],
    [{ retryDelayMs: 1.5 }, /retryDelayMs/],
    [{ weightSafety: 0 }, /weightSafety/],
    [{ weightSafety: 1.5 }, /weightSafety/],
    [{ weightLimitPerMinute: 0 }, /weightLimitPerMinute/],
    [{ baseUrl: 'api.binance.com' }, /baseUrl/],
    [{ wsBaseUrl: 'https://stream.binance.com' }, /wsBaseUrl/],
    [{ logger: {} as never }, /logger/],
    [{ maxConnectionAttempts: 0 }, /maxConnectionAttempts/],
    [{ connectionAttemptsWindowMs: -1 }, /connectionAttemptsWindowMs/],
    [{ maxQueuedEvents: 0 }, /maxQueuedEvents/],
  ])('refuses %j naming the option', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
    expect(() => resolveOptions(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error);
  });
});

describe('market rules', () => {
  it('refuses an interval that is not one of the 16, as an argument error', () => {
    expect(() => assertInterval('1M')).not.toThrow();
    expect(() => assertInterval('1H')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('1s 1m 3m') }) as Error);
  });

  it('checks symbol shape', () => {
    expect(() => assertSymbol('BTCUSDT')).not.toThrow();
    expect(() => assertSymbol('1000SATSUSDT')).not.toThrow();
    expect(() => assertSymbol('btcusdt')).toThrow(/invalid symbol/);
    expect(() => assertSymbol('BTC USDT')).toThrow(/invalid symbol/);
    expect(() => assertSymbol('')).toThrow(/invalid symbol/);
  });

  it('weighs depth by limit', () => {
    expect([1, 100, 101, 500, 501, 1000, 1001, 5000].map(depthWeight)).toEqual([5, 5, 25, 25, 50, 50, 250, 250]);
  });
});
