import type { Decimal } from '@collector/decimal';

/** A decimal as input: exchange text (`"0.00000005"`, `"5E-8"`) or a `Decimal`. Never a JS number. */
export type DecimalInput = string | Decimal;

/** One kline to store. Times are epoch milliseconds. */
export interface CandleRecord {
  symbol: string;
  /** Binance interval: `1s`, `1m`, `3m`, `5m`, `15m`, `30m`, `1h`, `2h`, `4h`, `6h`, `8h`, `12h`, `1d`, `3d`, `1w`, `1M`. */
  interval: string;
  /** Open time, epoch ms (also stored in the `timestamp` column). */
  openTime: number;
  /** Close time, epoch ms. */
  closeTime: number;
  open: DecimalInput;
  high: DecimalInput;
  low: DecimalInput;
  close: DecimalInput;
  volume: DecimalInput;
  quoteVolume: DecimalInput;
  takerBuyVolume: DecimalInput;
  takerBuyQuoteVolume: DecimalInput;
  /** Number of trades. */
  trades: number;
  /** False while the candle is still forming; a closed candle is final. */
  isClosed: boolean;
}

/** A stored kline as read back: decimals are the exact strings PostgreSQL returns. */
export interface StoredCandle {
  symbol: string;
  interval: string;
  openTime: number;
  closeTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quoteVolume: string;
  takerBuyVolume: string;
  takerBuyQuoteVolume: string;
  trades: number;
  isClosed: boolean;
}

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
export interface CandleRangeQuery {
  symbol: string;
  interval: string;
  /** First open time, epoch ms, inclusive. */
  from: number;
  /** Last open time, epoch ms, inclusive. */
  to: number;
}

/** A range the exchange has no candles for (an outage), recorded so that it is never fetched again. */
export interface KnownCandleGap {
  symbol: string;
  interval: string;
  /** Open time (epoch ms) of the first missing candle. */
  from: number;
  /** Open time (epoch ms) of the last missing candle. */
  to: number;
  /** Why it is missing, e.g. `exchange returned no candles`. */
  reason: string;
}
