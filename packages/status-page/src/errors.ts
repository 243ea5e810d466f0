/** What was wrong. */
export type StatusPageErrorCode =
  /** A series id that is not `SYMBOL|interval` (candles) or `SYMBOL` (order books). */
  | 'INVALID_SERIES'
  /** A query parameter out of range or malformed. */
  | 'INVALID_QUERY'
  /** A series or symbol this replica does not own. */
  | 'UNKNOWN_SERIES'
  /** Nothing stored yet for the series or symbol. */
  | 'NOT_FOUND'
  /** An option of {@link createStatusPageHandler} is missing or wrong. */
  | 'INVALID_OPTIONS'
  /** The page's files are not where the package puts them (a broken install). */
  | 'ASSETS_MISSING'
  /** The status source or the store failed while answering. */
  | 'SOURCE_FAILED';

/**
 * The one error class of `@collector/status-page`; `code` says what was wrong.
 * @example `[status-page] series "BTCUSDT" is not SYMBOL|interval`
 */
export class StatusPageError extends Error {
  override readonly name = 'StatusPageError';
  readonly code: StatusPageErrorCode;

  constructor(code: StatusPageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[status-page] ${message}`, options);
    this.code = code;
  }
}
