import {
  type CommonConfig,
  ConfigError,
  type Env,
  loadCommonConfig,
  loadReplicaConfig,
  type ReplicaConfig,
  parseChoiceEnv,
  parseDurationEnv,
  parseNumberEnv,
  readEnv,
} from '@collector/service-kit';

/** How the collector follows the books. */
export const ORDERBOOK_MODES = ['stream', 'diff', 'poll'] as const;
export type OrderbookMode = (typeof ORDERBOOK_MODES)[number];

/** Level counts Binance's partial depth stream offers (`<symbol>@depth<N>@100ms`). */
export const PARTIAL_DEPTH_LEVELS: readonly number[] = [5, 10, 20];
/** Push periods Binance's partial depth stream offers, ms: `@depth<N>@100ms` and `@depth<N>` (1000 ms). */
export const STREAM_SPEEDS_MS = [100, 1000] as const;
export type StreamSpeedMs = (typeof STREAM_SPEEDS_MS)[number];
/** Binance serves at most this many levels per side in a REST snapshot. */
export const MAX_LEVELS = 5000;
/** REQUEST_WEIGHT Binance allows per minute per IP; the client keeps 10 % of it in reserve. */
const BINANCE_WEIGHT_PER_MINUTE = 6000;
const WEIGHT_SAFETY = 0.9;

/** The validated configuration of the order book collector. */
export interface OrderbookCollectorConfig extends CommonConfig, ReplicaConfig {
  /** Always set: unlike `CommonConfig`, a missing database is a configuration error here. */
  databaseUrl: string;
  /** Levels per side in every snapshot (`ORDERBOOK_LEVELS`). */
  levels: number;
  /** Grid step (`ORDERBOOK_UPDATE_INTERVAL`), whole milliseconds. */
  intervalMs: number;
  /** Base delay of Binance retries and database write retries (`ORDERBOOK_RETRY_DELAY`). */
  retryDelayMs: number;
  /** Retries of one Binance request (`ORDERBOOK_MAX_RETRIES`). */
  maxRetries: number;
  mode: OrderbookMode;
  /** Diff mode: a live book takes a fresh snapshot to check itself against this long after its last one (`ORDERBOOK_VERIFY_INTERVAL`); 0: off. */
  verifyIntervalMs: number;
  /** Push period of the partial depth streams in stream mode (`ORDERBOOK_STREAM_SPEED`), ms. */
  streamSpeedMs: StreamSpeedMs;
}

/**
 * The REST `limit` of `diff` mode's snapshots for `levels` stored levels: the top of the cheapest weight tier
 * (100, 500, 1000 or 5000 levels: weight 5, 25, 50, 250) that holds at least twice `levels`, so a book knows as
 * many levels again beyond the stored ones, the margin the price can move through before a refresh lands.
 */
export function diffSnapshotLimit(levels: number): number {
  for (const tier of [100, 500, 1000]) if (2 * levels <= tier) return tier;
  return MAX_LEVELS;
}

/**
 * The known depth below which a diff-mode book refreshes its snapshot: half way from the snapshot's depth down to
 * the stored `levels`, so half the margin is left for the refresh to land in.
 */
export function diffRefreshDepth(levels: number): number {
  const limit = diffSnapshotLimit(levels);
  return levels + Math.ceil((limit - levels) / 2);
}

/** REST weight of `GET /api/v3/depth` with `limit` (Binance's tiers since 2023-10-19). */
export function depthRequestWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

function parseInterval(env: Env): number {
  const seconds = parseNumberEnv(env, 'ORDERBOOK_UPDATE_INTERVAL', 1, { min: 0, exclusiveMin: true, max: 86_400 });
  const ms = Math.round(seconds * 1000);
  // The grid is kept in whole milliseconds, as are the stored timestamps.
  if (ms < 1 || Math.abs(seconds * 1000 - ms) > 1e-6) {
    throw new ConfigError('ORDERBOOK_UPDATE_INTERVAL', `must be a whole number of milliseconds (≥ 0.001 s), got "${readEnv(env, 'ORDERBOOK_UPDATE_INTERVAL')}"`);
  }
  return ms;
}

/**
 * Reads and validates the environment once, at start-up.
 * @throws {ConfigError} naming the first variable that is wrong.
 */
export function loadConfig(env: Env): OrderbookCollectorConfig {
  const common = loadCommonConfig(env, { httpPort: 8081 });
  if (common.databaseUrl === undefined) {
    throw new ConfigError('DATABASE_URL', 'is not set (nor DB_HOST): the order book collector needs PostgreSQL (`pnpm start` at the root provides an embedded one)');
  }
  const levels = parseNumberEnv(env, 'ORDERBOOK_LEVELS', 20, { integer: true, min: 1, max: MAX_LEVELS });
  const intervalMs = parseInterval(env);
  const retryDelayMs = Math.round(parseNumberEnv(env, 'ORDERBOOK_RETRY_DELAY', 1, { min: 0, exclusiveMin: true, max: 3600 }) * 1000);
  const maxRetries = parseNumberEnv(env, 'ORDERBOOK_MAX_RETRIES', 3, { integer: true, min: 0, max: 100 });
  const defaultMode: OrderbookMode = PARTIAL_DEPTH_LEVELS.includes(levels) ? 'stream' : 'diff';
  const mode = parseChoiceEnv(env, 'ORDERBOOK_MODE', ORDERBOOK_MODES, defaultMode);
  if (mode === 'stream' && !PARTIAL_DEPTH_LEVELS.includes(levels)) {
    throw new ConfigError(
      'ORDERBOOK_LEVELS',
      `must be 5, 10 or 20 in stream mode (Binance's partial depth streams), got ${levels}; use ORDERBOOK_MODE=diff for other depths`,
    );
  }
  if (mode === 'poll') {
    // Checked here rather than discovered as 429s: polling N symbols costs N requests per interval.
    const perMinute = common.symbols.length * depthRequestWeight(levels) * (60_000 / intervalMs);
    const budget = BINANCE_WEIGHT_PER_MINUTE * WEIGHT_SAFETY;
    if (perMinute > budget) {
      throw new ConfigError(
        'ORDERBOOK_UPDATE_INTERVAL',
        `is too short for poll mode: ${common.symbols.length} symbols × ${depthRequestWeight(levels)} weight every ${intervalMs / 1000} s is ${Math.ceil(perMinute)} weight/min, over the ${budget} Binance allows this client; use a longer interval or ORDERBOOK_MODE=stream|diff`,
      );
    }
  }
  const speed = parseChoiceEnv(env, 'ORDERBOOK_STREAM_SPEED', ['100', '1000'] as const, '100');
  const streamSpeedMs: StreamSpeedMs = speed === '1000' ? 1000 : 100;
  if (streamSpeedMs > intervalMs) {
    // A slower push than the grid would store one book under several grid times as if each were fresh.
    throw new ConfigError('ORDERBOOK_STREAM_SPEED', `is ${streamSpeedMs} ms, longer than the ${intervalMs} ms grid step; use 100 or ORDERBOOK_UPDATE_INTERVAL ≥ ${streamSpeedMs / 1000}`);
  }
  const verifyIntervalMs = parseDurationEnv(env, 'ORDERBOOK_VERIFY_INTERVAL', 300_000, { minMs: 0, maxMs: 86_400_000 });
  if (verifyIntervalMs > 0 && verifyIntervalMs < 1000) {
    throw new ConfigError('ORDERBOOK_VERIFY_INTERVAL', `must be 0 (off) or at least 1 s, got "${readEnv(env, 'ORDERBOOK_VERIFY_INTERVAL')}"`);
  }
  return { ...common, ...loadReplicaConfig(env), databaseUrl: common.databaseUrl, levels, intervalMs, retryDelayMs, maxRetries, mode, verifyIntervalMs, streamSpeedMs };
}
