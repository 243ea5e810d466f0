import { describe, expect, it } from 'vitest';
import { StatusPageError } from './errors.js';
import { candleSeriesId, parseBookSeriesId, parseCandleSeriesId } from './series-id.js';

describe('series ids', () => {
  it('round-trips SYMBOL|interval, case-sensitive intervals included', () => {
    expect(candleSeriesId('BTCUSDT', '1m')).toBe('BTCUSDT|1m');
    expect(parseCandleSeriesId('BTCUSDT|1m')).toEqual({ symbol: 'BTCUSDT', interval: '1m' });
    expect(parseCandleSeriesId('ETHBTC|1M')).toEqual({ symbol: 'ETHBTC', interval: '1M' });
    expect(parseBookSeriesId('BTCUSDT')).toBe('BTCUSDT');
  });

  it('refuses anything else with INVALID_SERIES', () => {
    for (const bad of ['BTCUSDT', 'btcusdt|1m', 'BTCUSDT|2m', 'BTCUSDT|1m|x', '|1m', 'BTC USDT|1m']) {
      expect(() => parseCandleSeriesId(bad), bad).toThrow(StatusPageError);
      expect(() => parseCandleSeriesId(bad), bad).toThrow(/is not SYMBOL\|interval/);
    }
    for (const bad of ['BTCUSDT|1m', 'btcusdt', '', 'B']) {
      expect(() => parseBookSeriesId(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_SERIES' }));
    }
  });
});
