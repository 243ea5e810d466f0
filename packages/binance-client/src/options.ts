import { BinanceClientError } from './errors.js';

/** Minimal pino-compatible logger; pass `pino().child({ module: 'binance' })` or anything with these methods. */
export interface BinanceClientLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Options of the WebSocket streams. Set them client-wide in {@link BinanceClientOptions} or per call of
 * `client.openStreams({ streams, ...overrides })`.
 */
export interface StreamOptions {
  /** Streams carried by one connection; more are split across connections. Binance allows 1024. @default 1024 */
  maxStreamsPerConnection?: number;
  /**
   * Control messages (SUBSCRIBE, UNSUBSCRIBE) and pongs sent per connection in any 1 s window (plus a 250 ms margin
   * for network jitter). Binance closes a connection that sends more than 5 per second, pongs included; a pong cannot
   * wait, so the default leaves it one slot. @default 4
   */
  messagesPerSecond?: number;
  /** A connection that brings no frame at all (message, ping or pong) for this long is dead, in ms. Binance pings every 20 s. @default 30000 */
  staleTimeoutMs?: number;
  /** Age at which a connection is replaced, seamlessly, before Binance's 24 h cut-off, in ms. @default 84600000 (23 h 30 min) */
  maxConnectionAgeMs?: number;
  /** Base of the reconnect backoff (exponential, full jitter, capped at 60 s), in ms. @default 1000 */
  reconnectDelayMs?: number;
  /** Longest wait for a WebSocket handshake or for the reply to a SUBSCRIBE/UNSUBSCRIBE, in ms. @default 10000 */
  controlTimeoutMs?: number;
  /** Longest connection URL, in characters; streams that do not fit are subscribed with SUBSCRIBE after connecting. @default 4096 */
  maxUrlLength?: number;
  /** Streams named in one SUBSCRIBE/UNSUBSCRIBE message. @default 200 */
  maxStreamsPerMessage?: number;
  /**
   * Events an async iterator of the handle (`for await (const e of streams)`) holds for a loop body that is behind.
   * Past it the oldest are dropped and counted in `droppedEvents()`, so a stalled consumer costs bounded memory.
   * Listeners (`on`) are called synchronously and buffer nothing. @default 10000
   */
  maxQueuedEvents?: number;
}

/** Defaults of every {@link StreamOptions} field. */
export const DEFAULT_STREAM_OPTIONS = {
  maxStreamsPerConnection: 1024,
  messagesPerSecond: 4,
  staleTimeoutMs: 30_000,
  maxConnectionAgeMs: 84_600_000,
  reconnectDelayMs: 1000,
  controlTimeoutMs: 10_000,
  maxUrlLength: 4096,
  maxStreamsPerMessage: 200,
  maxQueuedEvents: 10_000,
} as const satisfies Required<StreamOptions>;

/** {@link StreamOptions} with defaults applied. @internal */
export type ResolvedStreamOptions = { -readonly [K in keyof typeof DEFAULT_STREAM_OPTIONS]: number };

/** Options of {@link createBinanceClient}; the {@link StreamOptions} set the defaults of every `openStreams`. */
export interface BinanceClientOptions extends StreamOptions {
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
  /**
   * WebSocket connection attempts this client makes in any `connectionAttemptsWindowMs`, over all its stream
   * handles; further attempts wait. Binance allows 300 per 5 minutes per IP: lower it when several processes share
   * one IP. @default 300
   */
  maxConnectionAttempts?: number;
  /** Window of `maxConnectionAttempts`, in ms; only tests change it. @default 300000 */
  connectionAttemptsWindowMs?: number;
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
  maxConnectionAttempts: 300,
  connectionAttemptsWindowMs: 300_000,
  ...DEFAULT_STREAM_OPTIONS,
} as const satisfies BinanceClientOptions;

/** @internal */
export interface ResolvedOptions extends ResolvedStreamOptions {
  baseUrl: string;
  wsBaseUrl: string;
  maxRetries: number;
  retryDelayMs: number;
  weightLimitPerMinute: number;
  weightSafety: number;
  weightWindowMs: number;
  requestTimeoutMs: number;
  maxConnectionAttempts: number;
  connectionAttemptsWindowMs: number;
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

/** @internal */
export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') bad(name, value, 'a boolean');
  return value;
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) bad(name, value, `an integer ≥ ${min}`);
  return value;
}

/**
 * Applies `defaults` to stream options and checks each one.
 * @throws {BinanceClientError} INVALID_OPTION naming the bad option.
 * @internal
 */
export function resolveStreamOptions(options: StreamOptions, defaults: ResolvedStreamOptions = DEFAULT_STREAM_OPTIONS): ResolvedStreamOptions {
  const pick = <K extends keyof ResolvedStreamOptions>(name: K): number => options[name] ?? defaults[name];
  const maxStreamsPerConnection = integer('maxStreamsPerConnection', pick('maxStreamsPerConnection'), 1);
  if (maxStreamsPerConnection > 1024) bad('maxStreamsPerConnection', maxStreamsPerConnection, "an integer in 1..1024 (Binance's limit)");
  const messagesPerSecond = integer('messagesPerSecond', pick('messagesPerSecond'), 1);
  return {
    maxStreamsPerConnection,
    messagesPerSecond,
    staleTimeoutMs: integer('staleTimeoutMs', pick('staleTimeoutMs'), 1),
    maxConnectionAgeMs: integer('maxConnectionAgeMs', pick('maxConnectionAgeMs'), 1),
    reconnectDelayMs: integer('reconnectDelayMs', pick('reconnectDelayMs'), 0),
    controlTimeoutMs: integer('controlTimeoutMs', pick('controlTimeoutMs'), 1),
    maxUrlLength: integer('maxUrlLength', pick('maxUrlLength'), 64),
    maxStreamsPerMessage: integer('maxStreamsPerMessage', pick('maxStreamsPerMessage'), 1),
    maxQueuedEvents: integer('maxQueuedEvents', pick('maxQueuedEvents'), 1),
  };
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
    ...resolveStreamOptions(o),
    baseUrl: url('baseUrl', String(o.baseUrl), ['http:', 'https:']),
    wsBaseUrl: url('wsBaseUrl', String(o.wsBaseUrl), ['ws:', 'wss:']),
    maxRetries: integer('maxRetries', o.maxRetries, 0),
    retryDelayMs: integer('retryDelayMs', o.retryDelayMs, 0),
    weightLimitPerMinute: integer('weightLimitPerMinute', o.weightLimitPerMinute, 1),
    weightSafety: o.weightSafety,
    weightWindowMs: integer('weightWindowMs', o.weightWindowMs, 1),
    requestTimeoutMs: integer('requestTimeoutMs', o.requestTimeoutMs, 1),
    maxConnectionAttempts: integer('maxConnectionAttempts', o.maxConnectionAttempts, 1),
    connectionAttemptsWindowMs: integer('connectionAttemptsWindowMs', o.connectionAttemptsWindowMs, 1),
    logger: o.logger ?? SILENT_LOGGER,
    fetch: o.fetch,
  };
}
