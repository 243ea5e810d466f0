import { createHash } from 'node:crypto';
import type { CandleInterval } from '@collector/candle';
import { cachedZipPath, readCachedZip, removeCachedZip, writeCachedZip } from './cache.js';
import { parseChecksumFile } from './checksum.js';
import { parseArchiveCsv, type ParsedArchiveCsv } from './csv.js';
import { BinanceArchiveError } from './errors.js';
import { archiveFileUrl, type ArchiveFile } from './files.js';
import { httpGet } from './http.js';
import { resolveReaderOptions, type ArchiveEvent, type ArchiveFileOutcome, type ArchiveReaderOptions, type ResolvedArchiveReaderOptions } from './options.js';
import { planArchive, type ArchivePlanInput, type ArchivePlanPiece } from './plan.js';
import { extractArchiveCsv } from './unzip.js';

/** What one file's read did, whatever the outcome. */
interface ArchiveFileResultBase {
  file: ArchiveFile;
  /** Downloads tried. */
  attempts: number;
  /** Body bytes received over the network for this file, every attempt. */
  bytesDownloaded: number;
  /** Whether the zip that was used came from the cache directory. */
  fromCache: boolean;
}

/** How reading one file ended: verified and parsed, absent (404), or bad after every attempt. */
export type ArchiveFileResult =
  | (ArchiveFileResultBase & { outcome: 'ok' } & ParsedArchiveCsv)
  | (ArchiveFileResultBase & { outcome: 'missing' })
  | (ArchiveFileResultBase & { outcome: 'bad'; error: BinanceArchiveError });

/** The candles of one archive file that verified and parsed completely: every candle that opens in [from, to). */
export type ArchiveCandles = Extract<ArchiveFileResult, { outcome: 'ok' }> & {
  source: 'archive';
  /** = `file.from`, epoch ms. */
  from: number;
  /** = `file.to` (exclusive), epoch ms. */
  to: number;
};

/** An archive file that could not be used, and why. */
export interface ArchiveFallback {
  file: ArchiveFile;
  outcome: Exclude<ArchiveFileOutcome, 'ok'>;
  /** Why the file is `bad`. */
  error?: BinanceArchiveError;
}

/** Open times [from, to) to fetch over REST. */
export interface ArchiveRestRange {
  source: 'rest';
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** The archive files this range stands in for (missing or bad); empty where the plan had no file to offer. */
  fallbacks: ArchiveFallback[];
}

/** One step of {@link ArchiveReader.read}, in time order. */
export type ArchiveReadItem = ArchiveCandles | ArchiveRestRange;

/** What to read: one series over the open times [from, to). */
export interface ArchiveReadInput extends Omit<ArchivePlanInput, 'now'> {
  /** The current time, epoch ms, which decides what is published. @default Date.now() */
  now?: number;
  /** Aborting stops every download; the iteration then throws ABORTED. */
  signal?: AbortSignal;
}

/** Reads Binance's kline archives; see {@link createArchiveReader}. */
export interface ArchiveReader {
  /** The options in force, defaults applied. */
  readonly options: Readonly<ResolvedArchiveReaderOptions>;
  /** The plan {@link read} follows for `input`: {@link planArchive} with this reader's plan options. */
  plan(input: ArchiveReadInput): ArchivePlanPiece[];
  /**
   * Downloads, verifies, unzips and parses one file, trying a bad download once more (`attempts`). Never throws
   * for a fault of the file: that is the `missing` or `bad` outcome.
   * @throws {BinanceArchiveError} ABORTED when `signal` aborts.
   */
  readFile(file: ArchiveFile, options?: { signal?: AbortSignal }): Promise<ArchiveFileResult>;
  /**
   * The series over [from, to) in time order: each archive file's candles once the whole file verified and parsed
   * (never part of a file), and REST ranges for what the archives do not cover, missing and bad files included
   * (consecutive REST ranges are merged). Up to `concurrency` files are downloaded ahead while the consumer works.
   * @throws {BinanceArchiveError} ABORTED when `signal` aborts; INVALID_ARGUMENT for bad input.
   */
  read(input: ArchiveReadInput): AsyncGenerator<ArchiveReadItem, void, undefined>;
}

const NEVER_ABORTED = new AbortController().signal;
/**
 * Files in a row that failed with a network error on every attempt, after which {@link ArchiveReader.read} takes the
 * archive host for unreachable (blocked, offline, DNS down) and sends the rest of its range to REST at once, instead
 * of failing each of a few hundred files twice before anything is stored.
 */
const UNREACHABLE_AFTER_FILES = 2;
const MAX_CHECKSUM_BYTES = 4096;

/**
 * Creates a reader of data.binance.vision's spot kline archives (or anything serving the same tree).
 * @throws {BinanceArchiveError} INVALID_OPTION naming the bad option.
 * @example
 * const reader = createArchiveReader({ cacheDir: '.archive-cache' });
 * for await (const item of reader.read({ symbol: 'BTCUSDT', interval: '1m', from, to })) {
 *   if (item.source === 'archive') store(item.candles);
 *   else fetchOverRest(item.from, item.to);
 * }
 */
export function createArchiveReader(options: ArchiveReaderOptions = {}): ArchiveReader {
  const resolved = resolveReaderOptions(options);
  const { logger } = resolved;

  const emit = (event: ArchiveEvent): void => {
    try {
      resolved.onEvent?.(event);
    } catch (error) {
      logger?.error({ err: error, event: event.type }, 'archive onEvent hook threw');
    }
  };

  const plan = (input: ArchiveReadInput): ArchivePlanPiece[] =>
    planArchive({ symbol: input.symbol, interval: input.interval, from: input.from, to: input.to, now: input.now ?? Date.now() }, resolved);

  async function readFile(file: ArchiveFile, { signal = NEVER_ABORTED }: { signal?: AbortSignal } = {}): Promise<ArchiveFileResult> {
    const url = archiveFileUrl(resolved.baseUrl, file);
    const cachePath = resolved.cacheDir === undefined ? undefined : cachedZipPath(resolved.cacheDir, file);
    let bytesDownloaded = 0;
    const get = (target: string, maxBytes: number) =>
      httpGet(target, { signal, timeoutMs: resolved.requestTimeoutMs, maxBytes, file: file.name, onBytes: (n) => (bytesDownloaded += n) });
    const finish = (result: ArchiveFileResult): ArchiveFileResult => {
      const ok = result.outcome === 'ok';
      emit({
        type: 'file',
        file,
        outcome: result.outcome,
        attempts: result.attempts,
        bytesDownloaded,
        fromCache: result.fromCache,
        candles: ok ? result.candles.length : 0,
        missingCandles: ok ? result.missing.reduce((sum, gap) => sum + gap.missing, 0) : 0,
        ...(result.outcome === 'bad' ? { error: result.error } : {}),
      });
      const fields = { file: file.name, outcome: result.outcome, attempts: result.attempts, fromCache: result.fromCache, bytesDownloaded };
      if (result.outcome === 'bad') logger?.warn({ ...fields, code: result.error.code, err: result.error }, 'archive file bad; its range goes to REST');
      else logger?.debug?.({ ...fields, candles: ok ? result.candles.length : 0 }, `archive file ${result.outcome}`);
      return { ...result, bytesDownloaded };
    };

    let lastError: BinanceArchiveError | undefined;
    for (let attempt = 1; attempt <= resolved.attempts; attempt++) {
      let fromCache = false;
      const base = () => ({ file, attempts: attempt, bytesDownloaded, fromCache });
      try {
        const checksum = await get(`${url}.CHECKSUM`, MAX_CHECKSUM_BYTES);
        if (!checksum.found) return finish({ ...base(), outcome: 'missing' });
        const expected = parseChecksumFile(Buffer.from(checksum.body).toString('utf8'), file);
        let zip: Uint8Array | undefined;
        if (cachePath !== undefined && attempt === 1) {
          zip = await keptZip(cachePath, expected);
          fromCache = zip !== undefined;
        }
        if (zip === undefined) {
          const download = await get(url, resolved.maxZipBytes);
          if (!download.found) return finish({ ...base(), outcome: 'missing' });
          if (download.sha256 !== expected) {
            throw new BinanceArchiveError('CHECKSUM_MISMATCH', `${file.name}: SHA-256 ${download.sha256}, .CHECKSUM says ${expected}`, { file: file.name });
          }
          zip = download.body;
        }
        const csv = await extractArchiveCsv(zip, file, resolved.maxCsvBytes);
        // Parsed as bytes: the candles point into the CSV rather than copy every value into a string of its own.
        const parsed = parseArchiveCsv(csv, file);
        if (cachePath !== undefined && !fromCache) await keepZip(cachePath, zip);
        return finish({ ...base(), outcome: 'ok', ...parsed });
      } catch (error) {
        if (signal.aborted) throw new BinanceArchiveError('ABORTED', `reading ${file.name} aborted`, { cause: signal.reason, file: file.name });
        // Anything else is a bug of ours or the caller's, not a fault of the file: never hidden behind REST.
        if (!(error instanceof BinanceArchiveError) || error.code === 'ABORTED') throw error;
        lastError = error;
        if (fromCache && cachePath !== undefined) await removeCachedZip(cachePath).catch(() => {});
        if (attempt < resolved.attempts) {
          emit({ type: 'retry', file, attempt, error });
          logger?.warn({ file: file.name, attempt, code: error.code, err: error }, 'archive file failed; downloading it once more');
        }
      }
    }
    return finish({ file, attempts: resolved.attempts, bytesDownloaded, fromCache: false, outcome: 'bad', error: lastError as BinanceArchiveError });
  }

  /** The kept zip when it matches `expected`; a stale or unreadable one is dropped and downloaded again. */
  async function keptZip(path: string, expected: string): Promise<Uint8Array | undefined> {
    let kept: Uint8Array | undefined;
    try {
      kept = await readCachedZip(path);
    } catch (error) {
      logger?.warn({ path, err: error }, 'archive cache unreadable; downloading');
      return undefined;
    }
    if (kept === undefined) return undefined;
    if (createHash('sha256').update(kept).digest('hex') === expected) return kept;
    logger?.info({ path }, 'archive cache stale (checksum changed); downloading again');
    await removeCachedZip(path).catch(() => {});
    return undefined;
  }

  /** A failing cache costs a later download, never this file's candles. */
  async function keepZip(path: string, zip: Uint8Array): Promise<void> {
    try {
      await writeCachedZip(path, zip);
    } catch (error) {
      logger?.warn({ path, err: error }, 'archive cache write failed; continuing without it');
    }
  }

  async function* read(input: ArchiveReadInput): AsyncGenerator<ArchiveReadItem, void, undefined> {
    const pieces = plan(input);
    const outer = input.signal;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onAbort, { once: true });
    if (outer?.aborted) onAbort();
    type Settled = { result: ArchiveFileResult } | { error: unknown };
    const tasks = new Map<number, Promise<Settled>>();
    let nextToStart = 0;
    let pending: ArchiveRestRange | undefined;
    let networkFailuresInARow = 0;
    let unreachable = false;
    try {
      for (let index = 0; index < pieces.length; index++) {
        // Keep up to `concurrency` files in flight or ready ahead of the consumer; REST pieces take no slot.
        for (; !unreachable && nextToStart < pieces.length && tasks.size < resolved.concurrency; nextToStart++) {
          const piece = pieces[nextToStart] as ArchivePlanPiece;
          if (piece.source === 'archive') {
            tasks.set(nextToStart, readFile(piece.file, { signal: controller.signal }).then((result) => ({ result }), (error: unknown) => ({ error })));
          }
        }
        if (controller.signal.aborted) throw abortError(input, outer);
        const piece = pieces[index] as ArchivePlanPiece;
        let item: ArchiveReadItem;
        if (piece.source === 'rest' || !tasks.has(index)) {
          // A REST piece, or a file never started because the host is unreachable.
          item = { source: 'rest', from: piece.from, to: piece.to, fallbacks: [] };
        } else {
          const settled = await (tasks.get(index) as Promise<Settled>);
          tasks.delete(index);
          if ('error' in settled) throw controller.signal.aborted ? abortError(input, outer) : settled.error;
          const { result } = settled;
          networkFailuresInARow = result.outcome === 'bad' && result.error.code === 'NETWORK_ERROR' ? networkFailuresInARow + 1 : 0;
          if (!unreachable && networkFailuresInARow >= UNREACHABLE_AFTER_FILES) {
            unreachable = true;
            logger?.warn({ symbol: input.symbol, interval: input.interval, host: new URL(resolved.baseUrl).host, files: networkFailuresInARow }, 'archive host unreachable; the rest of this range goes to REST');
          }
          item =
            result.outcome === 'ok'
              ? { source: 'archive', from: piece.from, to: piece.to, ...result }
              : { source: 'rest', from: piece.from, to: piece.to, fallbacks: [{ file: piece.file, outcome: result.outcome, ...(result.outcome === 'bad' ? { error: result.error } : {}) }] };
        }
        if (item.source === 'rest') {
          pending = pending === undefined ? item : { ...pending, to: item.to, fallbacks: [...pending.fallbacks, ...item.fallbacks] };
          continue;
        }
        if (pending !== undefined) {
          const rest = pending;
          pending = undefined;
          yield rest;
        }
        yield item;
      }
      if (pending !== undefined) yield pending;
    } finally {
      outer?.removeEventListener('abort', onAbort);
      controller.abort(new BinanceArchiveError('ABORTED', 'archive read ended'));
      await Promise.allSettled(tasks.values());
    }
  }

  return { options: resolved, plan, readFile, read };
}

function abortError(input: { symbol: string; interval: CandleInterval }, signal: AbortSignal | undefined): BinanceArchiveError {
  return new BinanceArchiveError('ABORTED', `archive read of ${input.symbol} ${input.interval} aborted`, { cause: signal?.reason });
}
