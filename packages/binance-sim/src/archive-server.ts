import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastCandleEnd, type ArchiveRowSource, type CsvVariant } from './archive-csv.js';
import type { ArchiveFaultQueue, PendingArchiveFault } from './archive-faults.js';
import { archiveFileAt, hasDailyFiles, intervalNamed, parseArchivePath, publishedAt, type ArchiveFile } from './archive-files.js';
import { ArchiveStore } from './archive-store.js';
import { checksumText, type BuiltZip } from './archive-zip.js';
import { BinanceSimError } from './errors.js';

/** What the archive server needs from the simulator. */
export interface ArchiveContext extends ArchiveRowSource {
  host: string;
  port: number;
  /** Byte bound of the zips kept after being built on request. */
  cacheBytes: number;
  faults: ArchiveFaultQueue;
  now(): number;
}

/** What {@link BinanceSim.prepareArchive} builds: the files a download of [from, to) uses. */
export interface ArchivePrepareSpec {
  /** Symbols to prepare. @default every symbol served */
  symbols?: string[];
  /** `1s` … `1M` (`1mo` accepted). */
  interval: string;
  /** Start of the range, epoch ms (inclusive). */
  from: number;
  /** End of the range, epoch ms (exclusive). */
  to: number;
}

/** What {@link BinanceSim.prepareArchive} built. */
export interface ArchivePrepareResult {
  /** URL paths of the zips prepared, in order. */
  paths: string[];
  /** Their total size. */
  bytes: number;
  /** Wall time the preparation took, ms. */
  elapsedMs: number;
}

/** A running archive server. */
export interface ArchiveServer {
  /** Base URL, e.g. http://127.0.0.1:40124 */
  url: string;
  /** Builds and pins the zips a download of [from, to) uses. */
  prepare(spec: ArchivePrepareSpec): Promise<ArchivePrepareResult>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

const PIECES = 20;
const PREPARE_CONCURRENCY = 2;

/** S3's error codes for the statuses a fault is likely to ask for. */
const S3_ERRORS: Record<number, [string, string]> = {
  403: ['AccessDenied', 'Access Denied'],
  500: ['InternalError', 'We encountered an internal error. Please try again.'],
  503: ['SlowDown', 'Please reduce your request rate.'],
};

function xmlError(code: string, message: string, key: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Key>${key.replace(/[<>&]/g, '')}</Key></Error>`;
}

/**
 * Starts the data.binance.vision-like archive server on its own port: GET (and HEAD) of
 * `/data/spot/{daily,monthly}/klines/SYMBOL/INTERVAL/SYMBOL-INTERVAL-DATE.zip[.CHECKSUM]`.
 */
export async function startArchiveServer(ctx: ArchiveContext): Promise<ArchiveServer> {
  const store = new ArchiveStore(ctx, ctx.cacheBytes);
  const timers = new Set<NodeJS.Timeout>();

  /** The file's publication time when it exists on the sim clock now, else undefined. */
  function existsNow(file: ArchiveFile): number | undefined {
    if (!ctx.markets.has(file.symbol)) return undefined;
    const end = lastCandleEnd(ctx, file);
    if (end === undefined) return undefined;
    const at = publishedAt(file, end);
    return ctx.now() >= at ? at : undefined;
  }

  function send(res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string | number>): void {
    res.writeHead(status, { Date: new Date(ctx.now()).toUTCString(), 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  function sendSlowly(res: ServerResponse, body: Buffer, bodyMs: number, headers: Record<string, string | number>): void {
    res.writeHead(200, { Date: new Date(ctx.now()).toUTCString(), 'Content-Length': body.length, ...headers });
    const piece = Math.ceil(body.length / PIECES);
    let offset = 0;
    const next = (): void => {
      if (res.destroyed) return;
      res.write(body.subarray(offset, offset + piece));
      offset += piece;
      if (offset >= body.length) {
        res.end();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        next();
      }, bodyMs / PIECES);
      timers.add(timer);
    };
    next();
  }

  function notFound(res: ServerResponse, key: string): void {
    send(res, 404, xmlError('NoSuchKey', 'The specified key does not exist.', key), { 'Content-Type': 'application/xml' });
  }

  function variantOf(p: PendingArchiveFault, file: ArchiveFile, variant: CsvVariant): Promise<BuiltZip> {
    let built = p.built.get(file.path);
    if (!built) {
      built = store.variant(file, variant);
      p.built.set(file.path, built);
    }
    return built;
  }

  async function serve(res: ServerResponse, file: ArchiveFile, checksum: boolean, published: number): Promise<void> {
    const key = `${file.path.slice(1)}${checksum ? '.CHECKSUM' : ''}`;
    const fault = ctx.faults.take(file, checksum ? 'checksum' : 'zip');
    const spec = fault?.spec;
    if (spec?.fault === 'notFound') return notFound(res, key);
    if (spec?.fault === 'status') {
      const status = spec.status ?? 503;
      const [code, message] = S3_ERRORS[status] ?? ['ServiceUnavailable', 'Service is unable to handle request.'];
      return send(res, status, xmlError(code, message, key), { 'Content-Type': 'application/xml' });
    }
    let body: Buffer;
    if (checksum) {
      const next = ctx.faults.nextForZip(file);
      const built = next?.spec.fault === 'headerRow' ? await variantOf(next, file, 'headerRow') : await store.get(file);
      body = Buffer.from(checksumText(built.sha256, `${file.baseName}.zip`));
    } else if (fault && spec?.fault === 'headerRow') body = (await variantOf(fault, file, 'headerRow')).zip;
    else if (fault && spec?.fault === 'checksumMismatch') body = (await variantOf(fault, file, 'altered')).zip;
    else {
      body = (await store.get(file)).zip;
      if (spec?.fault === 'truncated') body = body.subarray(0, Math.min(body.length, spec.keepBytes ?? Math.floor(body.length / 2)));
    }
    const headers = { 'Content-Type': checksum ? 'text/plain' : 'application/zip', 'Last-Modified': new Date(published).toUTCString() };
    if (spec?.fault === 'slow') sendSlowly(res, body, spec.bodyMs ?? 1000, headers);
    else send(res, 200, body, headers);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://archive');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, xmlError('MethodNotAllowed', 'The specified method is not allowed against this resource.', url.pathname.slice(1)), { 'Content-Type': 'application/xml', Allow: 'GET, HEAD' });
    }
    const parsed = parseArchivePath(url.pathname);
    const published = parsed && existsNow(parsed.file);
    if (!parsed || published === undefined) return notFound(res, url.pathname.slice(1));
    serve(res, parsed.file, parsed.checksum, published).catch(() => {
      if (!res.headersSent) send(res, 500, xmlError(...S3_ERRORS[500]!, url.pathname.slice(1)), { 'Content-Type': 'application/xml' });
      else res.destroy();
    });
  }

  /** The files a download of [from, to) uses: monthly files for whole months, daily files for the other whole days (and for whole months whose monthly file is not out yet). */
  function planFiles(symbol: string, interval: string, from: number, to: number): ArchiveFile[] {
    const files: ArchiveFile[] = [];
    for (let month = archiveFileAt('monthly', symbol, interval, from); month.start < to; month = archiveFileAt('monthly', symbol, interval, month.end)) {
      if (month.start >= from && month.end <= to && existsNow(month) !== undefined) {
        files.push(month);
        continue;
      }
      if (!hasDailyFiles(interval)) continue;
      for (let day = archiveFileAt('daily', symbol, interval, Math.max(month.start, from)); day.start < Math.min(month.end, to); day = archiveFileAt('daily', symbol, interval, day.end)) {
        if (day.start >= from && day.end <= to && existsNow(day) !== undefined) files.push(day);
      }
    }
    return files;
  }

  async function prepare(spec: ArchivePrepareSpec): Promise<ArchivePrepareResult> {
    const started = performance.now();
    const interval = intervalNamed(spec.interval);
    if (interval === undefined) throw new BinanceSimError('INVALID_ARGUMENT', `prepareArchive: interval must be 1s … 1M (or 1mo), got ${spec.interval}`);
    if (!Number.isFinite(spec.from) || !Number.isFinite(spec.to) || spec.from >= spec.to) throw new BinanceSimError('INVALID_ARGUMENT', `prepareArchive: need finite epoch ms with from < to, got from=${spec.from} to=${spec.to}`);
    const symbols = spec.symbols ?? [...ctx.markets.keys()];
    for (const s of symbols) if (!ctx.markets.has(s)) throw new BinanceSimError('UNKNOWN_SYMBOL', `prepareArchive: ${s} is not served by this simulator`);
    const files = symbols.flatMap((s) => planFiles(s, interval, spec.from, spec.to));
    let bytes = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const size = await store.pin(files[next++] as ArchiveFile);
        bytes += size;
      }
    };
    await Promise.all(Array.from({ length: PREPARE_CONCURRENCY }, worker));
    return { paths: files.map((f) => f.path), bytes, elapsedMs: performance.now() - started };
  }

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.port, ctx.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    prepare,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
