import type { CandleInterval } from './intervals.js';

/** The eight price and volume fields of a candle, in Binance's column order. */
export const CANDLE_DECIMAL_FIELDS = [
  'open', 'high', 'low', 'close', 'volume', 'quoteVolume', 'takerBuyVolume', 'takerBuyQuoteVolume',
] as const;

/** One of {@link CANDLE_DECIMAL_FIELDS}. */
export type CandleDecimalField = (typeof CANDLE_DECIMAL_FIELDS)[number];

/**
 * One candle (Binance kline) of one symbol and interval, identified by `openTime`.
 *
 * `D` is how prices and volumes are held; it is never a JS number. `string` (the default, {@link CandleText}) is
 * the exchange's exact decimal text; a package with a decimal library uses its own type, for example
 * `Candle<Decimal>`. Times are epoch milliseconds.
 */
export interface Candle<D = string> {
  symbol: string;
  interval: CandleInterval;
  /** Open time, epoch ms. */
  openTime: number;
  /** Close time, epoch ms: the last millisecond of the candle (openTime + length − 1). */
  closeTime: number;
  open: D;
  high: D;
  low: D;
  close: D;
  /** Base asset volume. */
  volume: D;
  /** Quote asset volume. */
  quoteVolume: D;
  /** Base asset volume bought by takers. */
  takerBuyVolume: D;
  /** Quote asset volume bought by takers. */
  takerBuyQuoteVolume: D;
  /** Number of trades. */
  trades: number;
  /** False while the candle is still forming; a closed candle is final and never changes again. */
  isClosed: boolean;
}

/** A {@link Candle} whose prices and volumes are exact decimal text, as the exchange sent it or PostgreSQL returns it. */
export type CandleText = Candle<string>;

/**
 * One update of a candle on a live feed: the candle as it stood at `eventTime`. An open candle is updated many
 * times; its closed version is final.
 */
export interface CandleUpdate<D = string> extends Candle<D> {
  /** Exchange event time of the update (a stream's `E`), epoch ms; absent when the candle came from REST. */
  eventTime?: number;
}

/** The key of one series of candles: a symbol and an interval. */
export interface CandleSeries {
  symbol: string;
  interval: CandleInterval;
}
