/** What was wrong with an argument of this package. */
export type CandleErrorCode = 'INVALID_INTERVAL' | 'NO_FIXED_LENGTH' | 'INVALID_TIME' | 'INVALID_COLUMNS';

/** The one error class of `@collector/candle`; `code` says what was wrong. */
export class CandleError extends Error {
  override readonly name = 'CandleError';
  readonly code: CandleErrorCode;

  constructor(code: CandleErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[candle] ${message}`, options);
    this.code = code;
  }
}
