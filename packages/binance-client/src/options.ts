import { BinanceClientError } from './errors.js';

/** Minimal pino-compatible logger; pass `pino().child({ module: 'binance' })` or anything with these methods. */
export interface BinanceClientLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link createBinanceClient}. */
export interface BinanceClientOptions {
  /** REST base URL, without `/api/v3`. @default 'https://api.binance.com' */
  baseUrl?: string;
  /** WebSocket streams base URL (used by the streams part). @default 'wss://stream.binance.com:9443' */
  wsBaseUrl?: string;
  /** Retries of one request after a 429, a 5xx, a network error or a non-JSON 200 body. @default 5 */
  maxRetries?: number;
  /** Base of the exponential backoff with full jitter, in ms. @default 1000 */
  retryDelayMs?: number;
  /** Binance's REQUEST_WEIGHT limit per window. @default 6000 */
  weightLimitPerMinute?: number;
  /** Fraction of `weightLimitPerMinute` this client allows itself (0 < x ≤ 1). @default 0.9 */
  weightSafety?: number;
  /** Length of the weight window in ms; only tests change it. @default 60000 */
  weightWindowMs?: number;
  /** Timeout of one HTTP attempt, in ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Logger; silent when absent. */
  logger?: BinanceClientLogger;
  /** fetch implementation handed to ofetch. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/** Defaults of every optional {@link BinanceClientOptions} field that has one. */
export const DEFAULT_BINANCE_CLIENT_OPTIONS = {
  baseUrl: 'https://api.binance.com',
  wsBaseUrl: 'wss://stream.binance.com:9443',
  maxRetries: 5,
  retryDelayMs: 1000,
  weightLimitPerMinute: 6000,
  weightSafety: 0.9,
  weightWindowMs: 60_000,
  requestTimeoutMs: 10_000,
} as const satisfies BinanceClientOptions;

/** @internal */
export interface ResolvedOptions {
  baseUrl: string;
  wsBaseUrl: string;
  maxRetries: number;
  retryDelayMs: number;
  weightLimitPerMinute: number;
  weightSafety: number;
  weightWindowMs: number;
  requestTimeoutMs: number;
  logger: BinanceClientLogger;
  fetch: typeof globalThis.fetch | undefined;
}

const noop = (): void => {};
/** @internal */
export const SILENT_LOGGER: BinanceClientLogger = { debug: noop, info: noop, warn: noop, error: noop };

function bad(name: string, value: unknown, expected: string): never {
  throw new BinanceClientError('INVALID_OPTION', `invalid option ${name}: ${JSON.stringify(value)} (expected ${expected})`);
}

function url(name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    bad(name, value, `an absolute ${protocols.join('/')} URL`);
  }
  if (!protocols.includes(parsed.protocol)) bad(name, value, `an absolute ${protocols.join('/')} URL`);
  return value.replace(/\/+$/, '');
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) bad(name, value, `an integer ≥ ${min}`);
  return value;
}

/** Applies defaults and checks every option. @internal */
export function resolveOptions(options: BinanceClientOptions = {}): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BinanceClientOptions;
  const o: Required<Omit<BinanceClientOptions, 'logger' | 'fetch'>> & Pick<BinanceClientOptions, 'logger' | 'fetch'> = { ...DEFAULT_BINANCE_CLIENT_OPTIONS, ...defined };
  if (!(typeof o.weightSafety === 'number' && o.weightSafety > 0 && o.weightSafety <= 1)) bad('weightSafety', o.weightSafety, 'a number in (0, 1]');
  if (o.logger !== undefined && (typeof o.logger !== 'object' || typeof o.logger.info !== 'function' || typeof o.logger.warn !== 'function' || typeof o.logger.error !== 'function')) {
    bad('logger', '[object]', 'an object with info, warn and error methods');
  }
  if (o.fetch !== undefined && typeof o.fetch !== 'function') bad('fetch', typeof o.fetch, 'a function');
  return {
    baseUrl: url('baseUrl', String(o.baseUrl), ['http:', 'https:']),
    wsBaseUrl: url('wsBaseUrl', String(o.wsBaseUrl), ['ws:', 'wss:']),
    maxRetries: integer('maxRetries', o.maxRetries, 0),
    retryDelayMs: integer('retryDelayMs', o.retryDelayMs, 0),
    weightLimitPerMinute: integer('weightLimitPerMinute', o.weightLimitPerMinute, 1),
    weightSafety: o.weightSafety,
    weightWindowMs: integer('weightWindowMs', o.weightWindowMs, 1),
    requestTimeoutMs: integer('requestTimeoutMs', o.requestTimeoutMs, 1),
    logger: o.logger ?? SILENT_LOGGER,
    fetch: o.fetch,
  };
}
