/**
 * What went wrong. The CSV codes (`CSV_*`) come with an {@link ArchiveParseError} naming the file and line;
 * see the README's error-code table for when each is raised and what the reader does with it.
 */
export type BinanceArchiveErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_ARGUMENT'
  | 'ABORTED'
  | 'HTTP_ERROR'
  | 'NETWORK_ERROR'
  | 'TOO_LARGE'
  | 'CHECKSUM_FORMAT'
  | 'CHECKSUM_MISMATCH'
  | 'CORRUPT_ZIP'
  | 'ZIP_CONTENTS'
  | 'CSV_COLUMNS'
  | 'CSV_NUMBER'
  | 'CSV_UNIT'
  | 'CSV_OFF_GRID'
  | 'CSV_CLOSE_TIME'
  | 'CSV_ORDER'
  | 'CSV_OUT_OF_PERIOD';

/** The one base class of every error of `@collector/binance-archive`; `code` says what went wrong. */
export class BinanceArchiveError extends Error {
  override name = 'BinanceArchiveError';
  readonly code: BinanceArchiveErrorCode;
  /** The archive file concerned (`BTCUSDT-1m-2024-03.zip`), when there is one. */
  readonly file: string | undefined;

  constructor(code: BinanceArchiveErrorCode, message: string, options?: { cause?: unknown; file?: string }) {
    super(`[binance-archive] ${message}`, options);
    this.code = code;
    this.file = options?.file;
  }
}

/** A CSV line of an archive file broke a rule; the whole file is bad. */
export class ArchiveParseError extends BinanceArchiveError {
  override name = 'ArchiveParseError';
  /** 1-based line number in the CSV. */
  readonly line: number;

  constructor(code: BinanceArchiveErrorCode & `CSV_${string}`, file: string, line: number, problem: string) {
    super(code, `${file} line ${line}: ${problem}`, { file });
    this.line = line;
  }
}
