import { BinanceClientError } from './errors.js';

/** The 16 kline intervals Binance accepts (case-sensitive: `1m` minute, `1M` month). */
export const KLINE_INTERVALS = [
  '1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M',
] as const;

/** One of {@link KLINE_INTERVALS}. */
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

const INTERVAL_SET: ReadonlySet<string> = new Set(KLINE_INTERVALS);

// Uppercase ASCII plus non-cased letters, since Binance accepts Unicode symbols (2025-12).
const SYMBOL_SHAPE = /^[\p{Lu}\p{Lo}\p{Nd}_.-]{1,40}$/u;

/** True when `value` is one of the 16 Binance kline intervals. */
export function isKlineInterval(value: unknown): value is KlineInterval {
  return typeof value === 'string' && INTERVAL_SET.has(value);
}

/** @throws {BinanceClientError} INVALID_ARGUMENT when the interval is not a Binance interval. */
export function assertInterval(interval: unknown): asserts interval is KlineInterval {
  if (!isKlineInterval(interval)) {
    throw new BinanceClientError('INVALID_ARGUMENT', `invalid interval ${JSON.stringify(interval)}; expected one of ${KLINE_INTERVALS.join(' ')}`);
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
