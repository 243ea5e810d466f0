/** Why a store operation failed. */
export type StoreErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_CANDLE'
  | 'INVALID_SNAPSHOT'
  | 'INVALID_STATE'
  | 'INVALID_GAP'
  | 'INVALID_QUERY'
  | 'UNSUPPORTED_INTERVAL'
  | 'QUERY_FAILED'
  | 'CLOSED';

/**
 * The one base error of @collector/store.
 * @example `[store] upsertCandles failed: candle 3 (BTCUSDT 1m): open is not a decimal: "1,5"`
 */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  /** Machine-readable reason. */
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[store] ${message}`, options);
    this.code = code;
  }
}

/** An input refused before anything was written; names the offending item and field. */
export class StoreValidationError extends StoreError {
  override readonly name: string = 'StoreValidationError';
  /** Position of the offending item in the batch (0 for single-item calls). */
  readonly index: number;
  /** The offending field, for example `open` or `openTime`; `''` when the item itself is malformed. */
  readonly field: string;
  /** Symbol of the offending item, when it has a readable one. */
  readonly symbol: string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    details: { index: number; field: string; symbol: string | undefined },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.index = details.index;
    this.field = details.field;
    this.symbol = details.symbol;
  }
}
