import type { CandleInterval, CandleSeries } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';

/** One price level as input: `[price, quantity]`. */
export type PriceLevelInput = readonly [price: DecimalInput, quantity: DecimalInput];

/** An order book snapshot to store. */
export interface OrderbookSnapshotRecord {
  symbol: string;
  /** Snapshot time, epoch ms. */
  timestamp: number;
  lastUpdateId: number;
  /** Exchange event time (epoch ms) of the last update applied to the book, when the source has one. */
  eventTime?: number | null;
  /** Best (highest) first. */
  bids: readonly PriceLevelInput[];
  /** Best (lowest) first. */
  asks: readonly PriceLevelInput[];
}

/** A stored order book snapshot; levels are canonical decimal strings. */
export interface StoredOrderbookSnapshot {
  symbol: string;
  timestamp: number;
  lastUpdateId: number;
  eventTime: number | null;
  bids: [price: string, quantity: string][];
  asks: [price: string, quantity: string][];
}

/** Progress of one collector stream, as written. */
export interface CollectorStateInput {
  symbol: string;
  /** For example `candles:1m` or `orderbook`. */
  stream: string;
  /** Epoch ms of the last item safely stored. */
  lastTimestamp: number;
  /** Left unchanged on an existing row when omitted; `false` for a new row. */
  isRealtime?: boolean;
}

/** Progress of one collector stream, as stored. */
export interface CollectorState {
  symbol: string;
  stream: string;
  lastTimestamp: number;
  lastUpdated: Date;
  isRealtime: boolean;
}

/** A run of missing closed candles; `from` and `to` are open times (ms) of the first and last missing candle. */
export interface CandleGap {
  from: number;
  to: number;
  /** Number of missing candles in the run. */
  missing: number;
}

/** Inclusive open-time range of one symbol and interval. */
export interface CandleRangeQuery extends CandleSeries {
  /** First open time, epoch ms, inclusive. */
  from: number;
  /** Last open time, epoch ms, inclusive. */
  to: number;
}

/** A range the exchange has no candles for (an outage), recorded so that it is never fetched again. */
export interface KnownCandleGap {
  symbol: string;
  interval: CandleInterval;
  /** Open time (epoch ms) of the first missing candle. */
  from: number;
  /** Open time (epoch ms) of the last missing candle. */
  to: number;
  /** Why it is missing, e.g. `exchange returned no candles`. */
  reason: string;
}
