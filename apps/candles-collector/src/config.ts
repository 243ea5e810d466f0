import { statSync } from 'node:fs';
import {
  type CommonConfig,
  ConfigError,
  type Env,
  loadCommonConfig,
  loadReplicaConfig,
  type ReplicaConfig,
  parseChoiceEnv,
  parseNumberEnv,
  parseUrlEnv,
  parseUtcDate,
  readEnv,
} from '@collector/service-kit';
import { CANDLE_INTERVALS, type CandleInterval, isCandleInterval } from '@collector/candle';

/** Binance serves at most this many klines per request. */
export const MAX_BATCH_SIZE = 1000;
export const REALTIME_MODES = ['stream', 'poll'] as const;
/**
 * Where history comes from: `auto` takes Binance's archives for what they cover and REST for the rest (a file
 * not published, missing or bad included); `archive` takes every archive file the plan has and stops the series'
 * history (retrying later) on one that is missing or bad; `rest` takes everything over REST.
 */
export const HISTORY_SOURCES = ['auto', 'archive', 'rest'] as const;
/** data.binance.vision, where Binance publishes its kline archives. */
export const DEFAULT_ARCHIVE_BASE_URL = 'https://data.binance.vision';

/** The validated configuration of the candles collector. */
export interface CandlesCollectorConfig extends CommonConfig, ReplicaConfig {
  intervals: CandleInterval[];
  /** Epoch ms of START_DATE (UTC midnight). */
  startTime: number;
  /** Epoch ms of END_DATE, when given: backfill up to it (exclusive), then exit. */
  endTime: number | undefined;
  batchSize: number;
  retryDelayMs: number;
  maxRetries: number;
  realtimeIntervalMs: number;
  realtimeMode: (typeof REALTIME_MODES)[number];
  /** How long after a candle's close the stream may take to say it closed before REST confirms it. */
  finalityGraceMs: number;
  /** How often the gap scan runs in live mode. */
  gapScanIntervalMs: number;
  historySource: (typeof HISTORY_SOURCES)[number];
  /** Base of the archive tree (`<base>/data/spot/…`). */
  archiveBaseUrl: string;
  /** Where verified archive zips are kept for reuse, when set. */
  archiveCacheDir: string | undefined;
}

function parseIntervals(env: Env): CandleInterval[] {
  const variable = readEnv(env, 'INTERVALS') !== undefined ? 'INTERVALS' : 'INTERVAL';
  const text = readEnv(env, variable) ?? '1m';
  const intervals = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (intervals.length === 0) throw new ConfigError(variable, `lists no interval, got "${text}"`);
  for (const interval of intervals) {
    if (!isCandleInterval(interval)) {
      throw new ConfigError(variable, `has an unknown interval "${interval}" (Binance intervals: ${CANDLE_INTERVALS.join(' ')})`);
    }
  }
  if (new Set(intervals).size !== intervals.length) throw new ConfigError(variable, `lists an interval twice: "${text}"`);
  return intervals as CandleInterval[];
}

/** ARCHIVE_CACHE_DIR: optional; when set, a path that is not an existing file (the reader creates directories). */
function parseCacheDir(env: Env): string | undefined {
  const dir = readEnv(env, 'ARCHIVE_CACHE_DIR');
  if (dir === undefined) return undefined;
  if (dir.includes('\0')) throw new ConfigError('ARCHIVE_CACHE_DIR', 'must be a directory path');
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(dir);
  } catch {
    return dir;
  }
  if (!stat?.isDirectory()) throw new ConfigError('ARCHIVE_CACHE_DIR', `is not a directory: "${dir}"`);
  return dir;
}

/**
 * Reads and validates the environment once, at start-up.
 * @throws {ConfigError} naming the first variable that is wrong.
 */
export function loadConfig(env: Env, now: number = Date.now()): CandlesCollectorConfig {
  const common = loadCommonConfig(env, { httpPort: 8080 });
  const startTime = parseUtcDate(readEnv(env, 'START_DATE') ?? '2025-01-01', 'START_DATE');
  if (startTime > now) throw new ConfigError('START_DATE', `is in the future: "${env.START_DATE}"`);
  const endText = readEnv(env, 'END_DATE');
  const endTime = endText === undefined ? undefined : parseUtcDate(endText, 'END_DATE');
  if (endTime !== undefined && endTime <= startTime) throw new ConfigError('END_DATE', `must be after START_DATE, got "${endText}"`);
  if (endTime !== undefined && endTime > now) throw new ConfigError('END_DATE', `is in the future: "${endText}"`);
  return {
    ...common,
    ...loadReplicaConfig(env),
    intervals: parseIntervals(env),
    startTime,
    endTime,
    batchSize: parseNumberEnv(env, 'BATCH_SIZE', MAX_BATCH_SIZE, { integer: true, min: 1, max: MAX_BATCH_SIZE }),
    retryDelayMs: parseNumberEnv(env, 'RETRY_DELAY', 1, { min: 0, exclusiveMin: true }) * 1000,
    maxRetries: parseNumberEnv(env, 'MAX_RETRIES', 5, { integer: true, min: 0, max: 100 }),
    realtimeIntervalMs: parseNumberEnv(env, 'REALTIME_INTERVAL', 0.5, { min: 0, exclusiveMin: true }) * 1000,
    realtimeMode: parseChoiceEnv(env, 'REALTIME_MODE', REALTIME_MODES, 'stream'),
    finalityGraceMs: parseNumberEnv(env, 'FINALITY_GRACE', 5, { min: 0, exclusiveMin: true }) * 1000,
    gapScanIntervalMs: parseNumberEnv(env, 'GAP_SCAN_INTERVAL', 300, { min: 0, exclusiveMin: true }) * 1000,
    historySource: parseChoiceEnv(env, 'HISTORY_SOURCE', HISTORY_SOURCES, 'auto'),
    archiveBaseUrl: parseUrlEnv(env, 'ARCHIVE_BASE_URL', DEFAULT_ARCHIVE_BASE_URL, ['http:', 'https:']).replace(/\/+$/, ''),
    archiveCacheDir: parseCacheDir(env),
  };
}
