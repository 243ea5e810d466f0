/** Binance's kline intervals (case-sensitive: `1m` is a minute, `1M` a month). */
export const KLINE_INTERVALS = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;
export type KlineInterval = (typeof KLINE_INTERVALS)[number];

export const DEFAULT_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT'];
/** Binance serves at most this many klines per request. */
export const MAX_BATCH_SIZE = 1000;

/** The validated configuration of the candles collector. */
export interface CandlesCollectorConfig {
  /** Unset when neither DATABASE_URL nor DB_HOST is given: `pnpm start` then uses an embedded PostgreSQL. */
  databaseUrl: string | undefined;
  redisUrl: string;
  binanceBaseUrl: string;
  binanceWsUrl: string;
  symbols: string[];
  intervals: KlineInterval[];
  /** Epoch ms of START_DATE (UTC midnight). */
  startTime: number;
  /** Epoch ms of END_DATE, when given: backfill up to it, then exit. */
  endTime: number | undefined;
  batchSize: number;
  retryDelayMs: number;
  maxRetries: number;
  realtimeIntervalMs: number;
  realtimeMode: 'stream' | 'poll';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  httpHost: string;
  httpPort: number;
}

/** A configuration value was wrong; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The environment variable at fault. */
    readonly variable: string,
    message: string,
  ) {
    super(`invalid configuration: ${variable} ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseNumber(env: Env, name: string, fallback: number, check: { integer?: boolean; min: number; max?: number; exclusiveMin?: boolean }): number {
  const text = present(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  const describe = `${check.integer ? 'an integer' : 'a number'} ${check.exclusiveMin ? '>' : '≥'} ${check.min}${check.max === undefined ? '' : ` and ≤ ${check.max}`}`;
  const belowMin = check.exclusiveMin ? value <= check.min : value < check.min;
  if (!/^-?\d+(\.\d+)?$/.test(text) || Number.isNaN(value) || belowMin || (check.max !== undefined && value > check.max) || (check.integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `must be ${describe}, got "${text}"`);
  }
  return value;
}

/** Accepts `['BTCUSDT', 'ETHUSDT']` (the form existing deployments use) and `BTCUSDT,ETHUSDT`. */
export function parseSymbolList(text: string, variable = 'SYMBOLS'): string[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  const symbols = inner
    .split(',')
    .map((item) => item.trim().replace(/^["']|["']$/g, '').trim())
    .filter((item) => item !== '');
  if (symbols.length === 0) throw new ConfigError(variable, `lists no symbol, got "${text}"`);
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (!/^[A-Z0-9]{2,20}$/.test(symbol)) {
      throw new ConfigError(variable, `has an invalid symbol "${symbol}" (expected upper-case letters and digits, e.g. BTCUSDT)`);
    }
    if (seen.has(symbol)) throw new ConfigError(variable, `lists ${symbol} twice`);
    seen.add(symbol);
  }
  return symbols;
}

/** Parses `YYYY-MM-DD` (UTC midnight) strictly: `2025-13-01` and `2025-02-30` are refused. */
export function parseUtcDate(text: string, variable: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== text) {
    throw new ConfigError(variable, `must be a calendar date YYYY-MM-DD, got "${text}"`);
  }
  return time;
}

function parseIntervals(env: Env): KlineInterval[] {
  const variable = present(env, 'INTERVALS') !== undefined ? 'INTERVALS' : 'INTERVAL';
  const text = present(env, variable) ?? '1m';
  const intervals = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (intervals.length === 0) throw new ConfigError(variable, `lists no interval, got "${text}"`);
  for (const interval of intervals) {
    if (!(KLINE_INTERVALS as readonly string[]).includes(interval)) {
      throw new ConfigError(variable, `has an unknown interval "${interval}" (Binance intervals: ${KLINE_INTERVALS.join(' ')})`);
    }
  }
  if (new Set(intervals).size !== intervals.length) throw new ConfigError(variable, `lists an interval twice: "${text}"`);
  return intervals as KlineInterval[];
}

function parseUrl(env: Env, name: string, fallback: string | undefined, protocols: string[]): string | undefined {
  const text = present(env, name) ?? fallback;
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return text;
}

function databaseUrlFrom(env: Env): string | undefined {
  const direct = parseUrl(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  if (direct) return direct;
  const host = present(env, 'DB_HOST');
  if (host === undefined) return undefined;
  const port = parseNumber(env, 'DB_PORT', 5432, { integer: true, min: 1, max: 65535 });
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = String(port);
  url.pathname = `/${encodeURIComponent(present(env, 'DB_NAME') ?? 'postgres')}`;
  url.username = encodeURIComponent(present(env, 'DB_USER') ?? 'postgres');
  const password = env.DB_PASSWORD;
  if (password) url.password = encodeURIComponent(password);
  return url.toString();
}

function redisUrlFrom(env: Env): string {
  const direct = parseUrl(env, 'REDIS_URL', undefined, ['redis:', 'rediss:']);
  if (direct) return direct;
  const host = present(env, 'REDIS_HOST') ?? '127.0.0.1';
  const port = parseNumber(env, 'REDIS_PORT', 6379, { integer: true, min: 1, max: 65535 });
  return `redis://${host}:${port}`;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads and validates the environment once, at start-up.
 * @throws {ConfigError} naming the first variable that is wrong.
 */
export function loadConfig(env: Env, now: number = Date.now()): CandlesCollectorConfig {
  const symbolsText = present(env, 'SYMBOLS');
  const startTime = parseUtcDate(present(env, 'START_DATE') ?? '2025-01-01', 'START_DATE');
  if (startTime > now) throw new ConfigError('START_DATE', `is in the future: "${env.START_DATE}"`);
  const endText = present(env, 'END_DATE');
  const endTime = endText === undefined ? undefined : parseUtcDate(endText, 'END_DATE');
  if (endTime !== undefined && endTime <= startTime) throw new ConfigError('END_DATE', `must be after START_DATE, got "${endText}"`);
  if (endTime !== undefined && endTime > now) throw new ConfigError('END_DATE', `is in the future: "${endText}"`);
  const realtimeMode = present(env, 'REALTIME_MODE') ?? 'stream';
  if (realtimeMode !== 'stream' && realtimeMode !== 'poll') {
    throw new ConfigError('REALTIME_MODE', `must be "stream" or "poll", got "${realtimeMode}"`);
  }
  const logLevel = present(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    databaseUrl: databaseUrlFrom(env),
    redisUrl: redisUrlFrom(env),
    binanceBaseUrl: parseUrl(env, 'BINANCE_BASE_URL', 'https://api.binance.com', ['http:', 'https:']) as string,
    binanceWsUrl: parseUrl(env, 'BINANCE_WS_URL', 'wss://stream.binance.com:9443', ['ws:', 'wss:']) as string,
    symbols: symbolsText === undefined ? [...DEFAULT_SYMBOLS] : parseSymbolList(symbolsText),
    intervals: parseIntervals(env),
    startTime,
    endTime,
    batchSize: parseNumber(env, 'BATCH_SIZE', MAX_BATCH_SIZE, { integer: true, min: 1, max: MAX_BATCH_SIZE }),
    retryDelayMs: parseNumber(env, 'RETRY_DELAY', 1, { min: 0, exclusiveMin: true }) * 1000,
    maxRetries: parseNumber(env, 'MAX_RETRIES', 5, { integer: true, min: 0, max: 100 }),
    realtimeIntervalMs: parseNumber(env, 'REALTIME_INTERVAL', 0.5, { min: 0, exclusiveMin: true }) * 1000,
    realtimeMode,
    logLevel: logLevel as CandlesCollectorConfig['logLevel'],
    httpHost: present(env, 'HTTP_HOST') ?? '127.0.0.1',
    httpPort: parseNumber(env, 'HTTP_PORT', 8080, { integer: true, min: 0, max: 65535 }),
  };
}
