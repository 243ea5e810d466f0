import type { ArchiveReader } from '@collector/binance-archive';
import type { BinanceClient } from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import type { Store } from '@collector/store';
import type { CandleSink } from './candle-sink.js';
import type { CandlesCollectorConfig } from './config.js';
import type { CandlesMetrics } from './metrics.js';
import type { SeriesProgress } from './progress.js';

/** What the collector's parts share; built once by the service. */
export interface CollectorContext {
  config: CandlesCollectorConfig;
  client: BinanceClient;
  /** Binance's kline archives for history; undefined with HISTORY_SOURCE=rest. */
  archives: ArchiveReader | undefined;
  store: Store;
  sink: CandleSink;
  metrics: CandlesMetrics;
  logger: Logger;
  /** Aborts at shutdown. */
  signal: AbortSignal;
  /** Progress per series id (`BTCUSDT|1m`), present once the series' history is loaded. */
  progress: Map<string, SeriesProgress>;
  /** Exchange time now, epoch ms. */
  now: () => number;
}
