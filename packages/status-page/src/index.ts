export {
  STATUS_CONTRACT_VERSION,
  type BackfillProgress,
  type BackfillSource,
  type BookPhase,
  type BookStatus,
  type CandleSeriesInHistory,
  type CandleSeriesLive,
  type CandleSeriesStatus,
  type CandlesResponse,
  type CandlesStatusReport,
  type KnownGapStatus,
  type OrderbookResponse,
  type OrderbookStatusReport,
  type StatusApp,
  type StatusCandle,
  type StatusErrorBody,
  type StatusReport,
  type WeightUsage,
} from './contract.js';
export { StatusPageError, type StatusPageErrorCode } from './errors.js';
export {
  createStatusPageHandler,
  DEFAULT_STATUS_PAGE_OPTIONS,
  type CandlesStatusPageOptions,
  type OrderbookStatusPageOptions,
  type StatusPageHandler,
  type StatusPageLogger,
  type StatusPageOptions,
} from './handler.js';
export { backfillProgress, createRateMeter, DEFAULT_RATE_METER_OPTIONS, type RateMeter, type RateMeterOptions } from './progress.js';
export { formatShortDuration } from './duration.js';
export { bookTop, type BookSide } from './book-top.js';
export { candleSeriesId, parseBookSeriesId, parseCandleSeriesId } from './series-id.js';
