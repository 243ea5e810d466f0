import { CANDLE_INTERVALS, type CandleInterval, isCandleInterval } from '@collector/candle';
import { BinanceClientError } from './errors.js';

// Uppercase ASCII plus non-cased letters, since Binance accepts Unicode symbols (2025-12).
const SYMBOL_SHAPE = /^[\p{Lu}\p{Lo}\p{Nd}_.-]{1,40}$/u;

/** @throws {BinanceClientError} INVALID_ARGUMENT when the interval is not a Binance interval. */
export function assertInterval(interval: unknown): asserts interval is CandleInterval {
  if (!isCandleInterval(interval)) {
    throw new BinanceClientError('INVALID_ARGUMENT', `invalid interval ${JSON.stringify(interval)}; expected one of ${CANDLE_INTERVALS.join(' ')}`);
  }
}

/** @throws {BinanceClientError} INVALID_ARGUMENT when the symbol cannot be a Binance symbol (e.g. lowercase, blank). */
export function assertSymbol(symbol: unknown): asserts symbol is string {
  if (typeof symbol !== 'string' || !SYMBOL_SHAPE.test(symbol)) {
    throw new BinanceClientError('INVALID_ARGUMENT', `invalid symbol ${JSON.stringify(symbol)}; expected uppercase like BTCUSDT`);
  }
}

/** Request weight of `GET /api/v3/depth` for a given `limit` (Binance's 2023-10-19 table). */
export function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

/** Request weight of each endpoint this client calls. */
export const ENDPOINT_WEIGHTS = {
  ping: 1,
  time: 1,
  exchangeInfo: 20,
  klines: 2,
} as const;
