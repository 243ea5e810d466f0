import type { Candle } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import type { DepthLevel, DepthLevelText } from './parse.js';

/**
 * Typed WebSocket market events. The stream parser produces them and `OrderBook` and the collectors consume
 * them, so this file is the one contract between those parts.
 */

/** `<symbol>@kline_<interval>`: the current state of one candle; `kline.isClosed` is the stream's `x` flag. */
export interface KlineEvent {
  type: 'kline';
  /** Stream name as subscribed, e.g. `btcusdt@kline_1m`. */
  stream: string;
  /** Exchange event time `E`, epoch ms. */
  eventTime: number;
  /** Local receipt time, epoch ms. */
  receivedAt: number;
  /** The candle as of `eventTime`; prices and volumes are Decimals built from the frame's text when first read. */
  kline: Candle<Decimal>;
}

/** `<symbol>@depth` / `<symbol>@depth@100ms`: absolute quantities for changed levels; quantity 0 removes a level. */
export interface DepthDiffEvent {
  type: 'depthDiff';
  stream: string;
  /** Uppercase symbol from the payload's `s`. */
  symbol: string;
  eventTime: number;
  receivedAt: number;
  /** `U`: first update id in the event. */
  firstUpdateId: number;
  /** `u`: final update id in the event. */
  finalUpdateId: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
}

/**
 * `<symbol>@depth<5|10|20>[@100ms]`: the top levels as a whole. The payload has no symbol or event time. Prices and
 * quantities are the exchange's decimal text, checked (`checkDecimalString`, not negative) but not parsed, and the
 * book is checked to be in order and not crossed; `parseDecimal` gives a Decimal where one is needed.
 */
export interface PartialDepthEvent {
  type: 'partialDepth';
  stream: string;
  /** Uppercase symbol, taken from the stream name. */
  symbol: string;
  /** 5, 10 or 20. */
  levels: number;
  receivedAt: number;
  lastUpdateId: number;
  /** Best (highest) first, strictly descending. */
  bids: DepthLevelText[];
  /** Best (lowest) first, strictly ascending, above the best bid. */
  asks: DepthLevelText[];
}

/**
 * A partial-depth push as it arrived, not parsed yet: what `openStreams({ deferPartialDepth: true })` delivers in place
 * of a {@link PartialDepthEvent}. It was routed by the stream name at the start of the frame, and nothing else of it
 * was read; `parse()` parses and checks it exactly as the `partialDepth` event would have been.
 */
export interface PartialDepthFrame {
  type: 'partialDepthFrame';
  /** Stream name as it came, e.g. `btcusdt@depth20@100ms`. */
  stream: string;
  /** Uppercase symbol, taken from the stream name. */
  symbol: string;
  /** 5, 10 or 20. */
  levels: number;
  /** Local receipt time, epoch ms. */
  receivedAt: number;
  /**
   * The push as a checked {@link PartialDepthEvent}, parsed on the first call; later calls return the same event or
   * throw the same error.
   * @throws {ResponseFormatError} for a frame the `partialDepth` event would have refused (an `error` event there).
   */
  parse(): PartialDepthEvent;
}

/** Every market event a stream can deliver. */
export type MarketEvent = KlineEvent | DepthDiffEvent | PartialDepthEvent;
