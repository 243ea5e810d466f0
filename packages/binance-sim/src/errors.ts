/** What went wrong, as a stable string. */
export type BinanceSimErrorCode = 'INVALID_OPTION' | 'INVALID_ARGUMENT' | 'UNKNOWN_SYMBOL' | 'BOOK_STATE_UNAVAILABLE' | 'REPLAY_FILE';

/** The one error class thrown by @collector/binance-sim. */
export class BinanceSimError extends Error {
  override readonly name = 'BinanceSimError';

  constructor(
    readonly code: BinanceSimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`[binance-sim] ${message}`, options);
  }
}
