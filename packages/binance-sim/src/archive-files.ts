import { INTERVALS, isInterval } from './intervals.js';

/** A daily or a monthly archive file. */
export type ArchiveKind = 'daily' | 'monthly';

/** One kline archive file of the data.binance.vision tree: where it is and what range it covers. */
export interface ArchiveFile {
  kind: ArchiveKind;
  symbol: string;
  /** The simulator's interval name (`1M` for the month, whose folder is `1mo`). */
  interval: string;
  /** `YYYY-MM-DD` (daily) or `YYYY-MM` (monthly). */
  date: string;
  /** First open time covered, epoch ms (00:00 UTC of the day or month). */
  start: number;
  /** End of the range covered (exclusive), epoch ms. */
  end: number;
  /** `SYMBOL-INTERVAL-DATE`: the zip's name without `.zip`, and the CSV's without `.csv`. */
  baseName: string;
  /** URL path of the zip, e.g. `/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip`. */
  path: string;
}

const DAY_MS = 86_400_000;

/**
 * Intervals published as daily files too. The official download script fetches daily files only for
 * 1s … 1d; 3d, 1w and 1mo exist as monthly files only (binance-api.md §5).
 */
const DAILY_INTERVALS = new Set(INTERVALS.filter((i) => i !== '3d' && i !== '1w' && i !== '1M'));

/** Spot archive timestamps are in microseconds for data dated 2025-01-01 and later. */
export const MICROSECONDS_FROM = Date.UTC(2025, 0, 1);

/** The folder name of an interval: `1mo` for the month, so that case-insensitive file systems work. */
function folderName(interval: string): string {
  return interval === '1M' ? '1mo' : interval;
}

/** The simulator's name of an interval folder (`1mo` → `1M`), or undefined for an unknown folder. */
function intervalOfFolder(folder: string): string | undefined {
  if (folder === '1mo') return '1M';
  return folder !== '1M' && isInterval(folder) ? folder : undefined;
}

/** An interval given by name or by folder name (`1M` or `1mo`), or undefined when it is neither. */
export function intervalNamed(name: string): string | undefined {
  return intervalOfFolder(name) ?? (isInterval(name) ? name : undefined);
}

/** True when `interval` has daily files. */
export function hasDailyFiles(interval: string): boolean {
  return DAILY_INTERVALS.has(interval);
}

/** The file of `kind` for `symbol` × `interval` that contains `t`. */
export function archiveFileAt(kind: ArchiveKind, symbol: string, interval: string, t: number): ArchiveFile {
  const d = new Date(t);
  const start = kind === 'daily' ? Math.floor(t / DAY_MS) * DAY_MS : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = kind === 'daily' ? start + DAY_MS : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const date = new Date(start).toISOString().slice(0, kind === 'daily' ? 10 : 7);
  const folder = folderName(interval);
  const baseName = `${symbol}-${folder}-${date}`;
  return { kind, symbol, interval, date, start, end, baseName, path: `/data/spot/${kind}/klines/${symbol}/${folder}/${baseName}.zip` };
}

const ARCHIVE_PATH = /^\/data\/spot\/(daily|monthly)\/klines\/([A-Z0-9]+)\/(\w+)\/([A-Z0-9]+)-(\w+)-(\d{4}-\d{2}(?:-\d{2})?)\.zip(\.CHECKSUM)?$/;

/**
 * Reads a URL path of the archive tree: the file, and whether the `.CHECKSUM` was asked for.
 * Undefined for anything that is not a well-formed kline file path: a wrong folder (`1M` instead of
 * `1mo`), a name that does not repeat its folders, an impossible date, or a daily file of an
 * interval that has monthly files only.
 */
export function parseArchivePath(pathname: string): { file: ArchiveFile; checksum: boolean } | undefined {
  const m = ARCHIVE_PATH.exec(pathname);
  if (!m) return undefined;
  const [, kind, symbol, folder, nameSymbol, nameFolder, date, checksum] = m as unknown as [string, ArchiveKind, string, string, string, string, string, string | undefined];
  const interval = intervalOfFolder(folder);
  if (interval === undefined || nameSymbol !== symbol || nameFolder !== folder) return undefined;
  if ((kind === 'daily') !== (date.length === 10)) return undefined;
  if (kind === 'daily' && !hasDailyFiles(interval)) return undefined;
  const t = Date.parse(kind === 'daily' ? `${date}T00:00:00Z` : `${date}-01T00:00:00Z`);
  if (Number.isNaN(t)) return undefined;
  const file = archiveFileAt(kind, symbol, interval, t);
  // Date.parse rolls 2024-02-30 over to March; a date that does not read back is not a day.
  if (file.date !== date) return undefined;
  return { file, checksum: checksum !== undefined };
}

/**
 * When the file is published, epoch ms of the sim clock. The fact sheet says a daily file appears
 * "the next day" and a monthly file "on the first Monday of the following month"; read simply:
 * - a daily file from 00:00 UTC two days after its date (neither today's nor yesterday's exists);
 * - a monthly file from 00:00 UTC of the first Monday on or after the 2nd of the next month, so never
 *   before the daily file of the month's last day;
 * - never before its last candle has closed (only 3d, whose last candle may end after that Monday).
 * `lastCandleEnd` is the end (close time + 1 ms) of the file's last candle.
 */
export function publishedAt(file: ArchiveFile, lastCandleEnd: number): number {
  let at: number;
  if (file.kind === 'daily') at = file.start + 2 * DAY_MS;
  else {
    const second = file.end + DAY_MS;
    const weekday = new Date(second).getUTCDay();
    at = second + ((8 - weekday) % 7) * DAY_MS;
  }
  return Math.max(at, lastCandleEnd);
}
