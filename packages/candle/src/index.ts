export { CANDLE_DECIMAL_FIELDS, type Candle, type CandleDecimalField, type CandleSeries, type CandleText, type CandleUpdate } from './candle.js';
export { CandleError, type CandleErrorCode } from './errors.js';
export {
  assertCandleInterval,
  CANDLE_INTERVALS,
  candleCloseTime,
  candleOpenAt,
  candlesBetween,
  firstCandleOpenFrom,
  INTERVAL_MS,
  intervalMs,
  isCandleInterval,
  isCandleOpen,
  nextCandleOpen,
  previousCandleOpen,
  type CandleInterval,
  type FixedCandleInterval,
} from './intervals.js';
export { PackedCandles, type PackedCandlesColumns } from './packed.js';
