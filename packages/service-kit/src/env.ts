import { ConfigError } from './config-error.js';
import { parseSymbolSelection, type SymbolSelection } from './symbol-selection.js';

/** The process environment, or a literal one in tests. */
export type Env = Record<string, string | undefined>;

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_FORMAT`: `json` (one JSON object per line) or `pretty` (readable lines, via pino-pretty). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The symbols both collectors collect when `SYMBOLS` is unset. */
export const DEFAULT_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT'];

/** A variable's trimmed value; blank counts as unset, as in shell `VAR=` lines of an env file. */
export function readEnv(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Bounds of {@link parseNumberEnv}. */
export interface NumberCheck {
  integer?: boolean;
  min: number;
  max?: number;
  /** `min` itself is refused. */
  exclusiveMin?: boolean;
}

/** A decimal number from the environment, or `fallback` when unset. Refuses `1e3`, `0x10`, `Infinity`. */
export function parseNumberEnv(env: Env, name: string, fallback: number, check: NumberCheck): number {
  const text = readEnv(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  const describe = `${check.integer ? 'an integer' : 'a number'} ${check.exclusiveMin ? '>' : '≥'} ${check.min}${check.max === undefined ? '' : ` and ≤ ${check.max}`}`;
  const belowMin = check.exclusiveMin ? value <= check.min : value < check.min;
  if (!/^-?\d+(\.\d+)?$/.test(text) || Number.isNaN(value) || belowMin || (check.max !== undefined && value > check.max) || (check.integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `must be ${describe}, got "${text}"`);
  }
  return value;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration from the environment in ms, or `fallbackMs` when unset: `500ms`, `30s`, `15m`, `1h`, `2d`, or a plain
 * number of seconds (`90`, `1.5`).
 * @throws {ConfigError} for another form, or a value outside [`minMs`, `maxMs`].
 */
export function parseDurationEnv(env: Env, name: string, fallbackMs: number, bounds: { minMs: number; maxMs?: number }): number {
  const text = readEnv(env, name);
  if (text === undefined) return fallbackMs;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text);
  const ms = match ? Math.round(Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 's'] as number)) : Number.NaN;
  const range = `between ${bounds.minMs} ms and ${bounds.maxMs === undefined ? 'any length' : `${bounds.maxMs} ms`}`;
  if (Number.isNaN(ms)) throw new ConfigError(name, `must be a duration such as 30s, 15m or 1h (a plain number is seconds), got "${text}"`);
  if (ms < bounds.minMs || (bounds.maxMs !== undefined && ms > bounds.maxMs)) throw new ConfigError(name, `must be ${range}, got "${text}"`);
  return ms;
}

/** One of a fixed set of words, or `fallback` when unset. */
export function parseChoiceEnv<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const text = readEnv(env, name) ?? fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${text}"`);
  }
  return text as T;
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

/** An absolute URL with one of `protocols`, or `fallback` when unset. */
export function parseUrlEnv(env: Env, name: string, fallback: string, protocols: string[]): string;
export function parseUrlEnv(env: Env, name: string, fallback: undefined, protocols: string[]): string | undefined;
export function parseUrlEnv(env: Env, name: string, fallback: string | undefined, protocols: string[]): string | undefined {
  const text = readEnv(env, name) ?? fallback;
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value may hold a password, so it is not echoed.
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return text;
}

function databaseUrlFrom(env: Env): string | undefined {
  const direct = parseUrlEnv(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  if (direct) return direct;
  const host = readEnv(env, 'DB_HOST');
  if (host === undefined) return undefined;
  const port = parseNumberEnv(env, 'DB_PORT', 5432, { integer: true, min: 1, max: 65535 });
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = String(port);
  url.pathname = `/${encodeURIComponent(readEnv(env, 'DB_NAME') ?? 'postgres')}`;
  url.username = encodeURIComponent(readEnv(env, 'DB_USER') ?? 'postgres');
  const password = env.DB_PASSWORD;
  if (password) url.password = encodeURIComponent(password);
  return url.toString();
}

function redisUrlFrom(env: Env): string {
  const direct = parseUrlEnv(env, 'REDIS_URL', undefined, ['redis:', 'rediss:']);
  if (direct) return direct;
  const host = readEnv(env, 'REDIS_HOST') ?? '127.0.0.1';
  const port = parseNumberEnv(env, 'REDIS_PORT', 6379, { integer: true, min: 1, max: 65535 });
  return `redis://${host}:${port}`;
}

/** `host:port,host:port,…` of a Redis Cluster's seed nodes. */
function redisClusterNodesFrom(env: Env): { host: string; port: number }[] | undefined {
  const text = readEnv(env, 'REDIS_CLUSTER_NODES');
  if (text === undefined) return undefined;
  return text.split(',').map((entry) => {
    const match = /^([^\s:,]+):(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new ConfigError('REDIS_CLUSTER_NODES', `must be host:port,host:port,…, got "${entry.trim()}"`);
    return { host: match[1] as string, port };
  });
}

/** Where the publisher connects: the cluster when `REDIS_CLUSTER_NODES` is set, else the one server. */
export function redisTargetOf(config: Pick<CommonConfig, 'redisUrl' | 'redisClusterNodes' | 'redisPassword'>):
  | { url: string }
  | { clusterNodes: { host: string; port: number }[]; clusterPassword?: string } {
  if (!config.redisClusterNodes) return { url: config.redisUrl };
  return { clusterNodes: config.redisClusterNodes, ...(config.redisPassword ? { clusterPassword: config.redisPassword } : {}) };
}

/** Settings both collectors read the same way. */
export interface CommonConfig {
  /** `DATABASE_URL`, else built from `DB_*`. Unset only when neither is given. */
  databaseUrl: string | undefined;
  redisUrl: string;
  /** `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster; when set, the feed uses sharded pub/sub on it instead of `redisUrl`. */
  redisClusterNodes: { host: string; port: number }[] | undefined;
  /** `REDIS_PASSWORD`: the cluster nodes' password (a single server takes it in `REDIS_URL`). */
  redisPassword: string | undefined;
  /** `REDIS_ENABLED=false` runs without publishing (the database stays the record). */
  redisEnabled: boolean;
  /** Prefix of every pub/sub channel, to share one Redis between deployments. */
  redisChannelPrefix: string;
  binanceBaseUrl: string;
  binanceWsUrl: string;
  /** `SYMBOLS`: names, patterns (`*USDT`, `ALL`) and exclusions (`-USDCUSDT`); the default five when unset. */
  symbolSelection: SymbolSelection;
  /** The names `SYMBOLS` lists as they are (every selected symbol when it has no pattern). */
  symbols: string[];
  logLevel: LogLevel;
  /** `LOG_FORMAT`; unset: pretty when stdout is a terminal, JSON otherwise. */
  logFormat: LogFormat | undefined;
  httpHost: string;
  /** 0 picks a free port (tests). */
  httpPort: number;
}

/**
 * Reads the database, Redis, Binance, `SYMBOLS`, `LOG_LEVEL`, `LOG_FORMAT` and HTTP variables.
 * @throws {ConfigError} naming the first variable that is wrong.
 */
export function loadCommonConfig(env: Env, defaults: { httpPort: number }): CommonConfig {
  const symbolsText = readEnv(env, 'SYMBOLS');
  const symbolSelection = symbolsText === undefined ? { names: [...DEFAULT_SYMBOLS], patterns: [], exclusions: [] } : parseSymbolSelection(symbolsText);
  return {
    databaseUrl: databaseUrlFrom(env),
    redisUrl: redisUrlFrom(env),
    redisClusterNodes: redisClusterNodesFrom(env),
    redisPassword: readEnv(env, 'REDIS_PASSWORD'),
    redisEnabled: parseChoiceEnv(env, 'REDIS_ENABLED', ['true', 'false'], 'true') === 'true',
    redisChannelPrefix: readEnv(env, 'REDIS_CHANNEL_PREFIX') ?? '',
    binanceBaseUrl: parseUrlEnv(env, 'BINANCE_BASE_URL', 'https://api.binance.com', ['http:', 'https:']),
    binanceWsUrl: parseUrlEnv(env, 'BINANCE_WS_URL', 'wss://stream.binance.com:9443', ['ws:', 'wss:']),
    symbolSelection,
    symbols: [...symbolSelection.names],
    logLevel: parseChoiceEnv(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: readEnv(env, 'LOG_FORMAT') === undefined ? undefined : parseChoiceEnv(env, 'LOG_FORMAT', LOG_FORMATS, 'json'),
    httpHost: readEnv(env, 'HTTP_HOST') ?? '127.0.0.1',
    httpPort: parseNumberEnv(env, 'HTTP_PORT', defaults.httpPort, { integer: true, min: 0, max: 65535 }),
  };
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; anything unparsable becomes `[unparsable URL]`. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '[unparsable URL]';
  }
}
