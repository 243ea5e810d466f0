export {
  createBinanceClient,
  MAX_KLINES_LIMIT,
  type BinanceClient,
  type DepthParams,
  type KlinesParams,
  type KlinesRangeParams,
} from './client.js';
export {
  BinanceApiError,
  BinanceClientError,
  IpBanError,
  RateLimitError,
  ResponseFormatError,
  type BinanceClientErrorCode,
} from './errors.js';
export { depthWeight, ENDPOINT_WEIGHTS, isKlineInterval, KLINE_INTERVALS, type KlineInterval } from './market.js';
export { DEFAULT_BINANCE_CLIENT_OPTIONS, type BinanceClientLogger, type BinanceClientOptions } from './options.js';
export type { DepthLevel, DepthSnapshot, ExchangeInfo, Kline, RateLimitInfo, SymbolInfo } from './parse.js';
export { backoffDelayMs, MAX_BACKOFF_MS } from './rate-limiter.js';
