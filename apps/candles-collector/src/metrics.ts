import { counter, gauge, type Registry } from '@collector/service-kit';

/** Every metric the candles collector exports on `/metrics`. */
export interface CandlesMetrics {
  candlesWritten: ReturnType<typeof counter<'symbol' | 'interval'>>;
  updatesPublished: ReturnType<typeof counter<'symbol' | 'interval'>>;
  reconnects: ReturnType<typeof counter>;
  repairs: ReturnType<typeof counter<'symbol' | 'interval' | 'reason'>>;
  writeFailures: ReturnType<typeof counter>;
  lagSeconds: ReturnType<typeof gauge<'symbol' | 'interval'>>;
  backfillRemaining: ReturnType<typeof gauge<'symbol' | 'interval'>>;
  knownGaps: ReturnType<typeof gauge<'symbol' | 'interval'>>;
  historySource: ReturnType<typeof gauge<'symbol' | 'interval' | 'source'>>;
  archiveFiles: ReturnType<typeof counter<'outcome'>>;
  archiveRetries: ReturnType<typeof counter>;
  archiveBytes: ReturnType<typeof counter>;
  archiveWeightSaved: ReturnType<typeof counter>;
}

/** Registers the collector's metrics in `registry`. Gauges read from live objects are added by the service. */
export function createCandlesMetrics(registry: Registry): CandlesMetrics {
  return {
    candlesWritten: counter(registry, 'collector_candles_written_total', 'Candle rows written (inserted or updated).', ['symbol', 'interval']),
    updatesPublished: counter(registry, 'collector_candle_updates_published_total', 'Candle updates handed to Redis pub/sub.', ['symbol', 'interval']),
    reconnects: counter(registry, 'collector_stream_reconnects_total', 'WebSocket reconnects after a drop.'),
    repairs: counter(registry, 'collector_candles_repaired_total', 'Closed candles fetched over REST to fill a hole.', ['symbol', 'interval', 'reason']),
    writeFailures: counter(registry, 'collector_write_failures_total', 'Database writes that failed and were retried.'),
    lagSeconds: gauge(registry, 'collector_candle_lag_seconds', 'Exchange time now minus the event time of the last stored update.', ['symbol', 'interval']),
    backfillRemaining: gauge(registry, 'collector_backfill_remaining_candles', 'Candles still to fetch in the historical phase.', ['symbol', 'interval']),
    knownGaps: gauge(registry, 'collector_known_gap_candles', 'Candles the exchange itself does not have (recorded outages).', ['symbol', 'interval']),
    historySource: gauge(registry, 'collector_history_source', 'Where the history of a series is being read from now: 1 for the current source (archive or rest).', ['symbol', 'interval', 'source']),
    archiveFiles: counter(registry, 'collector_archive_files_total', 'Archive files read, by outcome: ok (stored), missing (404) or bad (still bad after a retry); missing and bad ones went to REST.', ['outcome']),
    archiveRetries: counter(registry, 'collector_archive_retries_total', 'Archive downloads that failed and were tried once more.'),
    archiveBytes: counter(registry, 'collector_archive_bytes_downloaded_total', 'Bytes of archive files and checksums downloaded.'),
    archiveWeightSaved: counter(registry, 'collector_archive_weight_saved_total', 'REST request weight the archive files stood in for (2 per 1,000 candles).'),
  };
}
