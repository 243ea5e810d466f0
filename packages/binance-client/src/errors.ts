/** Machine-readable kind of a {@link BinanceClientError}. */
export type BinanceClientErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'API_ERROR'
  | 'RATE_LIMITED'
  | 'IP_BANNED'
  | 'RESPONSE_FORMAT'
  | 'NETWORK_ERROR'
  | 'STREAM_REQUEST_FAILED'
  | 'STREAMS_CLOSED'
  | 'TIMEOUT'
  | 'ABORTED';

/** Base class of every error thrown by this package. */
export class BinanceClientError extends Error {
  override name = 'BinanceClientError';
  readonly code: BinanceClientErrorCode;

  constructor(code: BinanceClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[binance-client] ${message}`, options);
    this.code = code;
  }
}

/** Binance answered with an HTTP error and (usually) a `{code,msg}` body; never retried when 4xx. */
export class BinanceApiError extends BinanceClientError {
  override name = 'BinanceApiError';
  /** HTTP status. */
  readonly status: number;
  /** Binance's negative error code (e.g. -1121), when the body had one. */
  readonly binanceCode: number | undefined;
  /** Binance's `msg`, when the body had one. */
  readonly binanceMessage: string | undefined;

  constructor(
    message: string,
    fields: { status: number; binanceCode?: number | undefined; binanceMessage?: string | undefined },
    options?: { cause?: unknown },
  ) {
    super('API_ERROR', message, options);
    this.status = fields.status;
    this.binanceCode = fields.binanceCode;
    this.binanceMessage = fields.binanceMessage;
  }
}

/** HTTP 429 still returned after every retry was spent. */
export class RateLimitError extends BinanceClientError {
  override name = 'RateLimitError';
  /** How long Binance asked to wait (Retry-After), in ms. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('RATE_LIMITED', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** HTTP 418: this IP is banned. Requests of the same client fail fast with this error until `bannedUntil`. */
export class IpBanError extends BinanceClientError {
  override name = 'IpBanError';
  /** Time left until the ban ends, in ms. */
  readonly retryAfterMs: number;
  /** Local epoch ms at which the ban ends. */
  readonly bannedUntil: number;

  constructor(message: string, retryAfterMs: number, bannedUntil: number, options?: { cause?: unknown }) {
    super('IP_BANNED', message, options);
    this.retryAfterMs = retryAfterMs;
    this.bannedUntil = bannedUntil;
  }
}

/** The body was not what Binance documents (HTML page, truncated JSON, a missing or wrongly typed field). */
export class ResponseFormatError extends BinanceClientError {
  override name = 'ResponseFormatError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RESPONSE_FORMAT', message, options);
  }
}

/** A SUBSCRIBE or UNSUBSCRIBE that the stream server refused with `{"code","msg","id"}`. */
export class StreamRequestError extends BinanceClientError {
  override name = 'StreamRequestError';
  /** `SUBSCRIBE` or `UNSUBSCRIBE`. */
  readonly method: string;
  /** The streams named in the refused message. */
  readonly streams: readonly string[];
  /** The server's error code (0 unknown property, 1 bad value type, 2 invalid request, 3 invalid JSON). */
  readonly binanceCode: number;
  /** The server's `msg`. */
  readonly binanceMessage: string;

  constructor(
    message: string,
    fields: { method: string; streams: readonly string[]; binanceCode: number; binanceMessage: string },
    options?: { cause?: unknown },
  ) {
    super('STREAM_REQUEST_FAILED', message, options);
    this.method = fields.method;
    this.streams = fields.streams;
    this.binanceCode = fields.binanceCode;
    this.binanceMessage = fields.binanceMessage;
  }
}
