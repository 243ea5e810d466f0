import type { CandleInterval, CandleText } from '@collector/candle';

/**
 * The JSON of `GET /status` and of the page's data endpoints. Every field is documented here and in the README;
 * other tools may read it. Money (prices, quantities, volumes) is always an exact decimal string; counts, times
 * (epoch ms), durations (ms) and percentages are numbers. Nothing in it comes from configuration that could hold
 * a secret: there is no URL, host or credential anywhere in the contract.
 */

/** Version of this contract; raised when a field changes meaning or goes away (new fields do not raise it). */
export const STATUS_CONTRACT_VERSION = 1;

/** Which collector answers. */
export type StatusApp = 'candles' | 'orderbook';

/** Binance request weight used in the current one-minute window, against the exchange's limit. */
export interface WeightUsage {
  /** Weight used in the current window, as the exchange counts it. */
  used: number;
  /** The exchange's REQUEST_WEIGHT limit per minute (the client keeps a safety margin below it). */
  limit: number;
}

/** What both collectors report. */
interface StatusReportBase {
  /** {@link STATUS_CONTRACT_VERSION}. */
  version: typeof STATUS_CONTRACT_VERSION;
  /** This replica's id, unique among the app's replicas. */
  replica: string;
  /** When the report was built, epoch ms (the collector's clock). */
  generatedAt: number;
  weight: WeightUsage;
  /** WebSocket reconnects (or, for order books, books that left the live state) since the process started. */
  reconnects: number;
}

/** The fields of a stored candle the page shows: open time and the exact OHLCV text. */
export type StatusCandle = Pick<CandleText, 'openTime' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'isClosed'>;

/** A range the exchange has no candles for, as recorded in `known_candle_gaps`. */
export interface KnownGapStatus {
  /** Open time (epoch ms) of the first missing candle. */
  from: number;
  /** Open time (epoch ms) of the last missing candle. */
  to: number;
  /** Candles in the range. */
  candles: number;
  /** Why they are missing, as recorded (for example `exchange returned no candles`). */
  reason: string;
}

/** Where the historical phase of a series gets its candles. */
export type BackfillSource = 'archive' | 'rest';

/** How far the historical phase of a series has got. */
export interface BackfillProgress {
  source: BackfillSource;
  /** `done / (done + left)` in percent, 0–100, one decimal; 100 only when nothing is left. */
  percent: number;
  /** Candles from the first wanted one up to the complete stored prefix (stored or known gaps). */
  done: number;
  /** Candles still to fetch in this historical phase. */
  left: number;
  /** Candles per second over the last seconds; null until two readings exist. */
  ratePerSecond: number | null;
  /** `left / ratePerSecond` in ms; null without a rate, or when the rate is 0. */
  etaMs: number | null;
}

/** What every candle series reports. */
interface CandleSeriesBase {
  /** `"BTCUSDT|1m"`. */
  series: string;
  symbol: string;
  interval: CandleInterval;
  /** Open time (epoch ms) of the last candle of the complete stored prefix (`collector_state.last_timestamp`); null before the first commit. */
  storedUntil: number | null;
  /** The newest stored candle (it may still be forming); null when none is stored. */
  lastCandle: StatusCandle | null;
  /** Recorded exchange gaps of the series, oldest first. */
  knownGaps: KnownGapStatus[];
}

/** A series loading its history. */
export interface CandleSeriesInHistory extends CandleSeriesBase {
  phase: 'history';
  progress: BackfillProgress;
}

/** A series following the exchange live. */
export interface CandleSeriesLive extends CandleSeriesBase {
  phase: 'live';
  /** Exchange time now minus the event time of the last stored update, in ms; null before the first update. */
  lagMs: number | null;
}

/** One candle series owned by this replica. */
export type CandleSeriesStatus = CandleSeriesInHistory | CandleSeriesLive;

/** `live`: written at every grid time; `resyncing`: events arrive but the book is being rebuilt; `stale`: nothing has arrived lately. */
export type BookPhase = 'live' | 'stale' | 'resyncing';

/** One order book owned by this replica. */
export interface BookStatus {
  /** The symbol, `"BTCUSDT"` (an order book series is its symbol). */
  series: string;
  symbol: string;
  phase: BookPhase;
  /** Best bid price of the last stored snapshot, exact decimal text; null when none is stored or its bid side is empty. */
  bestBid: string | null;
  /** Best ask price of the last stored snapshot. */
  bestAsk: string | null;
  /** `bestAsk − bestBid`, exact; null when either is. */
  spread: string | null;
  /** Grid time (epoch ms) of the stored snapshot the prices come from. */
  snapshotAt: number | null;
  /** The book's update id in that snapshot. */
  lastUpdateId: number | null;
  /** Milliseconds since the last event (or REST answer) of the symbol arrived; null before the first. */
  lagMs: number | null;
}

/** `GET /status` of the candles collector. */
export interface CandlesStatusReport extends StatusReportBase {
  app: 'candles';
  /** The series this replica collects, sorted by `series`. */
  owned: CandleSeriesStatus[];
}

/** `GET /status` of the order book collector. */
export interface OrderbookStatusReport extends StatusReportBase {
  app: 'orderbook';
  /** The books this replica collects, sorted by `series`. */
  owned: BookStatus[];
}

/** `GET /status`. */
export type StatusReport = CandlesStatusReport | OrderbookStatusReport;

/** `GET /api/candles?series=BTCUSDT|1m&limit=N`: the newest N stored candles, oldest first. */
export interface CandlesResponse {
  series: string;
  symbol: string;
  interval: CandleInterval;
  candles: StatusCandle[];
}

/** `GET /api/orderbook?symbol=BTCUSDT`: the last stored snapshot, best levels first. */
export interface OrderbookResponse {
  symbol: string;
  snapshotAt: number;
  lastUpdateId: number;
  /** `[price, quantity]`, exact decimal text, highest price first. */
  bids: [price: string, quantity: string][];
  /** `[price, quantity]`, lowest price first. */
  asks: [price: string, quantity: string][];
}

/** The body of every 4xx/5xx answer of the JSON endpoints. */
export interface StatusErrorBody {
  error: { code: string; message: string };
}
