import { BinanceSimError } from './errors.js';

/** Options of {@link startBinanceSim}. */
export interface BinanceSimOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port for REST and WebSocket; 0 picks a free one. @default 0 */
  port?: number;
  /**
   * Symbols served: the built-in BTCUSDT, ETHUSDT, ETHBTC, ADAUSDT, SHIBUSDT, or any name matching
   * /^[A-Z0-9]{2,16}(USDT|BTC)$/, which gets a deterministic synthetic profile from seed and name.
   * @default ['BTCUSDT','ETHUSDT']
   */
  symbols?: string[];
  /** Seed of the synthetic market and books; the same seed gives the same candles. @default 1 */
  seed?: number;
  /** Sim clock in epoch ms; overrides `speed`. @default real time */
  clock?: () => number;
  /** Speed of the sim clock relative to real time when no `clock` is given (600: a 1m candle per 100 ms). @default 1 */
  speed?: number;
  /** REQUEST_WEIGHT limit per client address per window. @default 6000 */
  weightLimitPerMinute?: number;
  /** Length of the weight window, in ms of sim time. @default 60000 */
  weightWindowMs?: number;
  /** Render values below 1e-4 in scientific notation (e.g. "5E-8") in klines. @default false */
  scientificTinyValues?: boolean;
  /**
   * data.binance.vision kline CSV files (SYMBOL-INTERVAL-YYYY-MM-DD.csv, ms or µs), or directories of them,
   * served by REST and by the archive server instead of the synthetic series. @default []
   */
  replayKlines?: string[];
  /** TCP port of the data.binance.vision-like archive server; 0 picks a free one. @default 0 */
  archivePort?: number;
  /** Bytes of archive zips kept after being built on request (least recently used go first; prepared zips are kept apart). @default 268435456 */
  archiveCacheBytes?: number;
  /** Real-time period of open-candle kline pushes, in ms. @default 2000 */
  klinePushMs?: number;
  /** Real-time period of open-candle pushes of `@kline_1s`, in ms. @default 1000 */
  kline1sPushMs?: number;
  /** Real-time period of one order-book tick (one `@depth@100ms` event), in ms. @default 100 */
  depthUpdateMs?: number;
  /** Levels kept per book side (fewer bids when the price has fewer ticks). @default 5000 */
  bookLevels?: number;
  /** Book ticks retained per symbol for `trueBook` (about 300 bytes each). @default 600 */
  bookHistory?: number;
  /**
   * How many times faster than the sim clock the books' prices move: each book follows the market price of a sim
   * time running `bookDrift` times as fast (from the simulator's start), so `60` puts an hour of price moves into a
   * minute. The touch still trades through at most 4 levels per tick, as on a busy real book. Candles, REST and
   * `trueBook` are unaffected (trueBook stays exact). At least 1. @default 1
   */
  bookDrift?: number;
  /** Incoming frames (text, ping, pong) allowed per connection per second; more closes it. @default 5 */
  wsMaxMessagesPerSecond?: number;
  /** Streams one connection may hold; a SUBSCRIBE beyond gets error code 2. @default 1024 */
  wsMaxStreamsPerConnection?: number;
  /** Connection attempts per address per window; more are refused with 429. @default 300 */
  wsMaxConnectionAttempts?: number;
  /** Window of `wsMaxConnectionAttempts`, in ms. @default 300000 */
  wsConnectionAttemptWindowMs?: number;
  /** Period of server ping frames, in ms. @default 20000 */
  wsPingIntervalMs?: number;
  /** A connection that has not answered a ping within this time is terminated, in ms. @default 60000 */
  wsPongTimeoutMs?: number;
  /** Connections are closed at this age, in ms. @default 86400000 */
  wsMaxConnectionLifetimeMs?: number;
  /** Delay between the serverShutdown event and the close, in ms. @default 1000 */
  wsShutdownGraceMs?: number;
}

/** Defaults of {@link BinanceSimOptions}. */
export const DEFAULT_BINANCE_SIM_OPTIONS = {
  host: '127.0.0.1',
  port: 0,
  symbols: ['BTCUSDT', 'ETHUSDT'] as string[],
  seed: 1,
  speed: 1,
  weightLimitPerMinute: 6000,
  weightWindowMs: 60_000,
  scientificTinyValues: false,
  replayKlines: [] as string[],
  archivePort: 0,
  archiveCacheBytes: 256 * 1024 * 1024,
  klinePushMs: 2000,
  kline1sPushMs: 1000,
  depthUpdateMs: 100,
  bookLevels: 5000,
  bookHistory: 600,
  bookDrift: 1,
  wsMaxMessagesPerSecond: 5,
  wsMaxStreamsPerConnection: 1024,
  wsMaxConnectionAttempts: 300,
  wsConnectionAttemptWindowMs: 300_000,
  wsPingIntervalMs: 20_000,
  wsPongTimeoutMs: 60_000,
  wsMaxConnectionLifetimeMs: 86_400_000,
  wsShutdownGraceMs: 1000,
} as const;

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly string[] ? string[] : T;

/** Options with every default filled in. */
export type ResolvedOptions = { -readonly [K in keyof typeof DEFAULT_BINANCE_SIM_OPTIONS]: Widen<(typeof DEFAULT_BINANCE_SIM_OPTIONS)[K]> } & { clock?: () => number };

/** Fills defaults and checks every numeric option, naming the bad one. */
export function resolveOptions(options: BinanceSimOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULT_BINANCE_SIM_OPTIONS, ...defined } as ResolvedOptions;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) throw new BinanceSimError('INVALID_OPTION', `option ${k} must be a finite number >= 0, got ${v}`);
  }
  for (const k of ['speed', 'klinePushMs', 'kline1sPushMs', 'depthUpdateMs', 'wsPingIntervalMs', 'weightWindowMs'] as const) {
    if (o[k] <= 0) throw new BinanceSimError('INVALID_OPTION', `option ${k} must be > 0, got ${o[k]}`);
  }
  if (o.bookDrift < 1) throw new BinanceSimError('INVALID_OPTION', `option bookDrift must be >= 1, got ${o.bookDrift}`);
  return o;
}
