import { type ArchiveEvent, type ArchiveReader, createArchiveReader } from '@collector/binance-archive';
import type { Logger } from '@collector/service-kit';
import type { CandlesCollectorConfig } from '../config.js';
import type { CandlesMetrics } from '../metrics.js';

/**
 * Files each series downloads ahead of the one it stores: one is enough to overlap the download with the COPY,
 * and memory is about (this + 1) × 13 MB per series in history for 1m monthly files (the reader holds a file whole
 * until handed over, as packed candles over its CSV bytes). Two ahead measured slower when files were parsed into
 * objects: more candles alive at once made garbage collection dearer.
 */
const FILES_AHEAD_PER_SERIES = 1;
/** REST klines cost 2 weight a request of up to 1,000 candles: what an archive file spares. */
const KLINES_WEIGHT_PER_REQUEST = 2;
const KLINES_PER_REQUEST = 1000;

/** The REST weight `candles` would have cost. */
export function restWeightOf(candles: number): number {
  return Math.ceil(candles / KLINES_PER_REQUEST) * KLINES_WEIGHT_PER_REQUEST;
}

/** The archive reader of the history phase, or undefined with HISTORY_SOURCE=rest. Its events feed the metrics. */
export function createHistoryArchives(config: CandlesCollectorConfig, metrics: CandlesMetrics, logger: Logger): ArchiveReader | undefined {
  if (config.historySource === 'rest') return undefined;
  const onEvent = (event: ArchiveEvent): void => {
    if (event.type === 'retry') {
      metrics.archiveRetries.inc();
      return;
    }
    metrics.archiveFiles.inc({ outcome: event.outcome });
    metrics.archiveBytes.inc(event.bytesDownloaded);
    if (event.outcome === 'ok') metrics.archiveWeightSaved.inc(restWeightOf(event.candles));
  };
  return createArchiveReader({
    baseUrl: config.archiveBaseUrl,
    ...(config.archiveCacheDir === undefined ? {} : { cacheDir: config.archiveCacheDir }),
    concurrency: FILES_AHEAD_PER_SERIES,
    logger,
    onEvent,
  });
}
