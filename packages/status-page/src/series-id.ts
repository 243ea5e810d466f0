import { type CandleInterval, isCandleInterval } from '@collector/candle';
import { StatusPageError } from './errors.js';

const SYMBOL = /^[A-Z0-9]{2,20}$/;

/** The id of a candle series in the contract and in leases: `"BTCUSDT|1m"`. */
export function candleSeriesId(symbol: string, interval: CandleInterval): string {
  return `${symbol}|${interval}`;
}

/**
 * Reads `"BTCUSDT|1m"`.
 * @throws {StatusPageError} `INVALID_SERIES` for anything else (no `|`, a lower-case symbol, an unknown interval).
 */
export function parseCandleSeriesId(id: string): { symbol: string; interval: CandleInterval } {
  const [symbol = '', interval = '', ...rest] = id.split('|');
  if (rest.length > 0 || !SYMBOL.test(symbol) || !isCandleInterval(interval)) {
    throw new StatusPageError('INVALID_SERIES', `series ${JSON.stringify(id)} is not SYMBOL|interval (for example BTCUSDT|1m)`);
  }
  return { symbol, interval };
}

/**
 * Checks an order book series id, which is its symbol: `"BTCUSDT"`.
 * @throws {StatusPageError} `INVALID_SERIES` otherwise.
 */
export function parseBookSeriesId(id: string): string {
  if (!SYMBOL.test(id)) throw new StatusPageError('INVALID_SERIES', `symbol ${JSON.stringify(id)} is not upper-case letters and digits (for example BTCUSDT)`);
  return id;
}
