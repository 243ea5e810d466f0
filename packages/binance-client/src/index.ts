export {
  createBinanceClient,
  MAX_KLINES_LIMIT,
  type BinanceClient,
  type OpenStreamsParams,
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
  StreamRequestError,
  type BinanceClientErrorCode,
} from './errors.js';
export { depthWeight, ENDPOINT_WEIGHTS } from './market.js';
export {
  DEFAULT_BINANCE_CLIENT_OPTIONS,
  DEFAULT_STREAM_OPTIONS,
  type BinanceClientLogger,
  type BinanceClientOptions,
  type StreamOptions,
} from './options.js';
export type { DepthLevel, DepthLevelText, DepthSnapshot, ExchangeInfo, RateLimitInfo, SymbolInfo } from './parse.js';
export { backoffDelayMs, MAX_BACKOFF_MS } from './rate-limiter.js';
export type { DepthDiffEvent, KlineEvent, MarketEvent, PartialDepthEvent, PartialDepthFrame } from './stream-events.js';
export type {
  MarketStreams,
  MarketStreamsEventMap,
  MarketStreamsEventName,
  MarketStreamsListener,
  StreamsDisconnectedEvent,
  StreamsReconnectedEvent,
  StreamsServerShutdownEvent,
  StreamsWaitOptions,
} from './streams/market-streams.js';
export {
  depthStream,
  klineStream,
  normalizeStreamName,
  partialDepthStream,
  type DepthUpdateSpeedMs,
  type PartialDepthLevels,
} from './streams/names.js';
export {
  DEFAULT_ORDER_BOOK_OPTIONS,
  OrderBook,
  type ApplyResult,
  type ApplySnapshotOptions,
  type BookMismatch,
  type OrderBookOptions,
  type OrderBookStatus,
  type OrderBookTop,
  type OrderBookTopStrings,
  type RefreshAdopted,
  type RefreshResult,
  type ResyncReason,
  type SnapshotResult,
  type ValidDepth,
} from './order-book/order-book.js';
export {
  attachOrderBooks,
  createOrderBook,
  createOrderBooks,
  DEFAULT_ORDER_BOOKS_OPTIONS,
  symbolsOfDepthStreams,
  type DepthStreamSource,
  type OrderBookFeed,
  type OrderBookFeedOptions,
  type OrderBooks,
  type OrderBooksEvents,
  type OrderBooksOptions,
  type OrderBooksResyncReason,
  type RefreshReason,
} from './order-book/order-books.js';
