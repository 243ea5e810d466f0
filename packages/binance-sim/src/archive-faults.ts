import { intervalNamed, parseArchivePath, type ArchiveFile } from './archive-files.js';
import type { BuiltZip } from './archive-zip.js';
import { BinanceSimError } from './errors.js';

/**
 * What goes wrong with an archive file:
 * - `notFound`: 404, as for a file not published;
 * - `status`: that HTTP status (default 503) with an error page;
 * - `slow`: the normal body, sent in 20 pieces spread over `bodyMs`;
 * - `truncated`: a clean 200 carrying only the zip's first `keepBytes` bytes (default half);
 * - `checksumMismatch`: a valid zip whose CSV has one volume changed by one unit, so its SHA-256 is not
 *   the one its `.CHECKSUM` says;
 * - `headerRow`: the file is published with a CSV header row (its `.CHECKSUM` says the hash of that zip).
 */
export type ArchiveFaultKind = 'notFound' | 'status' | 'slow' | 'truncated' | 'checksumMismatch' | 'headerRow';

/** The files a fault applies to: one path, or every file matching all the fields given (any file when none is). */
export interface ArchiveFaultTarget {
  /** URL path of a zip or of its `.CHECKSUM`, e.g. `/data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03-05.zip`. */
  path?: string;
  symbol?: string;
  /** `1s` … `1M` (`1mo`, the folder name, is accepted). */
  interval?: string;
  /** `YYYY-MM-DD` targets a daily file, `YYYY-MM` a monthly one. */
  date?: string;
  /**
   * The request that gets the fault: the zip (default) or the `.CHECKSUM` (`notFound`, `status` and `slow`
   * only). A `path` ending in `.CHECKSUM` means the checksum.
   */
  resource?: 'zip' | 'checksum';
}

/** An archive fault: what, where, and for how many requests. */
export type ArchiveFault = ArchiveFaultTarget & {
  /** How many requests of the target get it, one consumed per request. @default 1 */
  count?: number;
} & (
    | { fault: 'notFound' }
    | { fault: 'status'; /** @default 503 */ status?: number }
    | { fault: 'slow'; /** Real ms over which the body is spread. @default 1000 */ bodyMs?: number }
    | { fault: 'truncated'; /** Bytes of the zip that are sent. @default half the zip */ keepBytes?: number }
    | { fault: 'checksumMismatch' }
    | { fault: 'headerRow' }
  );

/**
 * Faults of the archive server. Each request of a zip consumes one count of the first pending fault
 * that matches it (in the order they were added); a `.CHECKSUM` request consumes only faults aimed at
 * the checksum, and otherwise describes the zip the next download gets (the header-row zip while a
 * `headerRow` fault is first in line): fetch the `.CHECKSUM` before the zip, as verifying while
 * streaming needs anyway.
 */
export interface SimArchiveFaults {
  /** Adds a fault; throws INVALID_ARGUMENT naming what is wrong with it. */
  inject(fault: ArchiveFault): void;
  /** The faults not used up yet, `count` being what remains. */
  pending(): ArchiveFault[];
  /** Removes every pending archive fault. */
  clear(): void;
}

/** A pending fault, with the zips it has built for the files it hit. */
export interface PendingArchiveFault {
  spec: ArchiveFault & { resource: 'zip' | 'checksum'; count: number };
  /** Zip variants built for this fault, by file path. */
  built: Map<string, Promise<BuiltZip>>;
}

const KINDS = new Set<ArchiveFaultKind>(['notFound', 'status', 'slow', 'truncated', 'checksumMismatch', 'headerRow']);
const ZIP_ONLY = new Set<ArchiveFaultKind>(['truncated', 'checksumMismatch', 'headerRow']);
const KEYS: Record<ArchiveFaultKind, readonly string[]> = {
  notFound: [],
  status: ['status'],
  slow: ['bodyMs'],
  truncated: ['keepBytes'],
  checksumMismatch: [],
  headerRow: [],
};
const COMMON = ['fault', 'count', 'path', 'symbol', 'interval', 'date', 'resource'];

function invalid(msg: string): never {
  throw new BinanceSimError('INVALID_ARGUMENT', `archive fault: ${msg}`);
}

/** Checks a fault (from code or JSON) and fills its defaults. */
function normalize(raw: ArchiveFault): PendingArchiveFault['spec'] {
  const f = { ...raw } as Record<string, unknown>;
  const kind = f.fault as ArchiveFaultKind;
  if (!KINDS.has(kind)) invalid(`fault must be one of ${[...KINDS].join(', ')}, got ${JSON.stringify(f.fault)}`);
  for (const k of Object.keys(f)) if (!COMMON.includes(k) && !KEYS[kind].includes(k)) invalid(`unknown field ${k} for ${kind}`);
  const count = f.count ?? 1;
  if (!Number.isInteger(count) || (count as number) < 1) invalid(`count must be an integer >= 1, got ${JSON.stringify(f.count)}`);
  f.count = count;
  if (f.path !== undefined) {
    if (typeof f.path !== 'string') invalid('path must be a string');
    const parsed = parseArchivePath(f.path);
    if (!parsed) invalid(`path is not a kline archive file path: ${f.path}`);
    if (f.symbol !== undefined || f.interval !== undefined || f.date !== undefined) invalid('give either path or symbol/interval/date, not both');
    const resource = parsed.checksum ? 'checksum' : 'zip';
    if (f.resource !== undefined && f.resource !== resource) invalid(`resource ${String(f.resource)} contradicts path ${f.path}`);
    f.path = parsed.file.path;
    f.resource = resource;
  }
  f.resource ??= 'zip';
  if (f.resource !== 'zip' && f.resource !== 'checksum') invalid(`resource must be zip or checksum, got ${JSON.stringify(f.resource)}`);
  if (f.resource === 'checksum' && ZIP_ONLY.has(kind)) invalid(`${kind} applies to the zip, not to its .CHECKSUM`);
  if (f.symbol !== undefined && (typeof f.symbol !== 'string' || !/^[A-Z0-9]+$/.test(f.symbol))) invalid(`symbol must be an uppercase symbol name, got ${JSON.stringify(f.symbol)}`);
  if (f.interval !== undefined) {
    const interval = typeof f.interval === 'string' ? intervalNamed(f.interval) : undefined;
    if (interval === undefined) invalid(`interval must be 1s … 1M (or 1mo), got ${JSON.stringify(f.interval)}`);
    f.interval = interval;
  }
  if (f.date !== undefined && (typeof f.date !== 'string' || !/^\d{4}-\d{2}(-\d{2})?$/.test(f.date))) invalid(`date must be YYYY-MM-DD (daily) or YYYY-MM (monthly), got ${JSON.stringify(f.date)}`);
  if (kind === 'status') {
    f.status ??= 503;
    if (!Number.isInteger(f.status) || (f.status as number) < 400 || (f.status as number) > 599) invalid(`status must be an integer 400..599, got ${JSON.stringify(f.status)}`);
  }
  if (kind === 'slow') {
    f.bodyMs ??= 1000;
    if (typeof f.bodyMs !== 'number' || !Number.isFinite(f.bodyMs) || f.bodyMs < 0) invalid(`bodyMs must be a finite number >= 0, got ${JSON.stringify(f.bodyMs)}`);
  }
  if (kind === 'truncated' && f.keepBytes !== undefined && (!Number.isInteger(f.keepBytes) || (f.keepBytes as number) < 0)) invalid(`keepBytes must be an integer >= 0, got ${JSON.stringify(f.keepBytes)}`);
  return f as unknown as PendingArchiveFault['spec'];
}

function matches(spec: PendingArchiveFault['spec'], file: ArchiveFile, resource: 'zip' | 'checksum'): boolean {
  return (
    spec.resource === resource &&
    (spec.path === undefined || spec.path === file.path) &&
    (spec.symbol === undefined || spec.symbol === file.symbol) &&
    (spec.interval === undefined || spec.interval === file.interval) &&
    (spec.date === undefined || spec.date === file.date)
  );
}

/** The archive server's fault state. */
export class ArchiveFaultQueue implements SimArchiveFaults {
  private readonly queue: PendingArchiveFault[] = [];

  inject(fault: ArchiveFault): void {
    this.queue.push({ spec: normalize(fault), built: new Map() });
  }

  pending(): ArchiveFault[] {
    return this.queue.map((p) => ({ ...p.spec }));
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** The first pending fault for this request, one count consumed. */
  take(file: ArchiveFile, resource: 'zip' | 'checksum'): PendingArchiveFault | undefined {
    const i = this.queue.findIndex((p) => matches(p.spec, file, resource));
    if (i < 0) return undefined;
    const p = this.queue[i] as PendingArchiveFault;
    p.spec.count -= 1;
    if (p.spec.count === 0) this.queue.splice(i, 1);
    return p;
  }

  /** The fault the next download of `file`'s zip will get, not consumed. */
  nextForZip(file: ArchiveFile): PendingArchiveFault | undefined {
    return this.queue.find((p) => matches(p.spec, file, 'zip'));
  }
}
