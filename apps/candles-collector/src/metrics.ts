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
  };
}
