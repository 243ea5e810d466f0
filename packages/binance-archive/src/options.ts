import { BinanceArchiveError, type BinanceArchiveErrorCode } from './errors.js';
import type { ArchiveFile } from './files.js';
import { DEFAULT_ARCHIVE_PLAN_OPTIONS, resolvePlanOptions, type ArchivePlanOptions } from './plan.js';

/** Minimal pino-compatible logger; pass `pino().child({ module: 'archive' })` or anything with these methods. */
export interface ArchiveLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * How reading one file ended: `ok` (verified and parsed; its candles are delivered), `missing` (404: not
 * published, or the symbol was not listed yet; its range goes to REST), `bad` (still failing after every attempt:
 * checksum, zip, CSV, HTTP or network; its range goes to REST).
 */
export type ArchiveFileOutcome = 'ok' | 'missing' | 'bad';

/** One file's result, reported once per file through {@link ArchiveReaderOptions.onEvent}. */
export interface ArchiveFileEvent {
  type: 'file';
  file: ArchiveFile;
  outcome: ArchiveFileOutcome;
  /** Downloads tried: 1, or more when a bad download was retried. */
  attempts: number;
  /** Body bytes received over the network for this file (zips and `.CHECKSUM`s, every attempt). */
  bytesDownloaded: number;
  /** Whether the zip came from the cache directory (after matching a fresh `.CHECKSUM`). */
  fromCache: boolean;
  /** Candles delivered (0 unless `ok`). */
  candles: number;
  /** Candles of the file's period that the file lacks (0 unless `ok`). */
  missingCandles: number;
  /** Why the file is `bad`, or the last error before a retry succeeded. */
  error?: BinanceArchiveError;
}

/** A download of a file failed and is being tried once more. */
export interface ArchiveRetryEvent {
  type: 'retry';
  file: ArchiveFile;
  /** The attempt that failed (1-based). */
  attempt: number;
  error: BinanceArchiveError;
}

/** What {@link ArchiveReaderOptions.onEvent} receives: feed metrics (files by outcome, retries, bytes, candles) from it. */
export type ArchiveEvent = ArchiveFileEvent | ArchiveRetryEvent;

/** Options of {@link createArchiveReader}; the {@link ArchivePlanOptions} shape its plans. */
export interface ArchiveReaderOptions extends ArchivePlanOptions {
  /** Archive host, without `/data`. @default 'https://data.binance.vision' */
  baseUrl?: string;
  /**
   * Directory that keeps verified zips, laid out like the archive's paths. A kept zip is reused only when it matches
   * a freshly fetched `.CHECKSUM`; writes are atomic (temp file + rename). Unset: nothing is kept.
   */
  cacheDir?: string;
  /**
   * Files downloaded at once, and at most this many files read ahead of the consumer (downloading, or verified and
   * waiting to be taken). Memory is about `concurrency + 1` files' candles. @default 4
   */
  concurrency?: number;
  /** Longest one HTTP request may take, headers and whole body, in ms. @default 60000 */
  requestTimeoutMs?: number;
  /** Downloads of a file before its range goes to REST; the second is a fresh download, never the cache. @default 2 */
  attempts?: number;
  /** A zip larger than this is bad, in bytes. A 1m month is about 2.5 MB zipped. @default 67108864 (64 MiB) */
  maxZipBytes?: number;
  /** A CSV larger than this unzipped is bad, in bytes. A 1m month is about 7 MB. @default 268435456 (256 MiB) */
  maxCsvBytes?: number;
  /** Logger; silent when absent. */
  logger?: ArchiveLogger;
  /** Called once per file outcome and per retry; exceptions it throws are logged and ignored. */
  onEvent?: (event: ArchiveEvent) => void;
}

/** Defaults of every optional {@link ArchiveReaderOptions} field that has one. */
export const DEFAULT_ARCHIVE_READER_OPTIONS = {
  baseUrl: 'https://data.binance.vision',
  concurrency: 4,
  requestTimeoutMs: 60_000,
  attempts: 2,
  maxZipBytes: 64 * 1024 * 1024,
  maxCsvBytes: 256 * 1024 * 1024,
  ...DEFAULT_ARCHIVE_PLAN_OPTIONS,
} as const;

/** {@link ArchiveReaderOptions} with defaults applied and checked. */
export type ResolvedArchiveReaderOptions = { -readonly [K in keyof typeof DEFAULT_ARCHIVE_READER_OPTIONS]: (typeof DEFAULT_ARCHIVE_READER_OPTIONS)[K] extends string ? string : number } &
  Pick<ArchiveReaderOptions, 'cacheDir' | 'logger' | 'onEvent'>;

function invalid(message: string): BinanceArchiveError {
  return new BinanceArchiveError('INVALID_OPTION' satisfies BinanceArchiveErrorCode, message);
}

/** @throws {BinanceArchiveError} INVALID_OPTION naming the option. @internal */
export function resolveReaderOptions(options: ArchiveReaderOptions): ResolvedArchiveReaderOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { ...DEFAULT_ARCHIVE_READER_OPTIONS, ...defined, ...resolvePlanOptions(options) } as ResolvedArchiveReaderOptions;
  let url: URL | undefined;
  try {
    url = new URL(resolved.baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalid(`baseUrl must be an http(s) URL, got ${JSON.stringify(resolved.baseUrl)}`);
  for (const name of ['concurrency', 'requestTimeoutMs', 'attempts', 'maxZipBytes', 'maxCsvBytes'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) throw invalid(`${name} must be a positive integer, got ${String(value)}`);
  }
  if (resolved.cacheDir !== undefined && (typeof resolved.cacheDir !== 'string' || resolved.cacheDir === '')) {
    throw invalid('cacheDir must be a non-empty path');
  }
  if (resolved.onEvent !== undefined && typeof resolved.onEvent !== 'function') throw invalid('onEvent must be a function');
  return resolved;
}
