import { counter, createMetricsRegistry, Gauge, Histogram, type Registry } from '@collector/service-kit';

/** What the gauges read when `/metrics` is scraped. */
export interface MetricsSources {
  symbols: readonly string[];
  lastReceivedAt(symbol: string): number | undefined;
  isLive(symbol: string): boolean;
  usedWeight(): number;
  pendingSnapshots(): number;
  publisher(): { published: number; dropped: number; queued: number; connected: boolean };
  clock(): number;
}

/** The collector's Prometheus metrics (names listed in the README). */
export interface OrderbookMetrics {
  registry: Registry;
  written(symbol: string, count: number): void;
  skipped(symbol: string, reason: string): void;
  refreshed(symbol: string, reason: string): void;
  refreshFailed(symbol: string, reason: string): void;
  verifyMismatch(symbol: string): void;
  resync(symbol: string, reason: string): void;
  writeFailed(): void;
  invalidFrame(): void;
  partialDepth(): void;
  writeDuration(ms: number): void;
  published(delayMs: number): void;
  ticksMissed(count: number): void;
}

/** Registers every metric in a fresh registry (process metrics included, all prefixed `collector_`). */
export function createOrderbookMetrics(sources: MetricsSources): OrderbookMetrics {
  const registry = createMetricsRegistry('orderbook-collector');
  const written = counter(registry, 'collector_orderbook_snapshots_written_total', 'Snapshots stored in PostgreSQL', ['symbol']);
  const skipped = counter(registry, 'collector_orderbook_snapshots_skipped_total', 'Grid times without a stored snapshot, by reason', ['symbol', 'reason']);
  const refreshes = counter(registry, 'collector_orderbook_refreshes_total', 'Fresh snapshots taken over by live books (diff mode), by reason: depth, verify', ['symbol', 'reason']);
  const refreshFailures = counter(
    registry,
    'collector_orderbook_refresh_failures_total',
    'Refresh snapshot requests that failed (429, 418, network) and are retried (diff mode)',
    ['symbol', 'reason'],
  );
  const mismatches = counter(
    registry,
    'collector_orderbook_verify_mismatches_total',
    'Refreshes that found the local book different from the snapshot at the same update id; the snapshot replaced it (diff mode)',
    ['symbol'],
  );
  const resyncs = counter(registry, 'collector_orderbook_resyncs_total', 'Books that left the live state or streams that went down, by reason', ['symbol', 'reason']);
  const writeFailures = counter(registry, 'collector_orderbook_write_failures_total', 'Failed snapshot inserts (kept and retried)');
  const partialDepths = counter(registry, 'collector_orderbook_partial_depth_events_total', 'Partial-depth pushes received (stream mode)');
  const invalidFrames = counter(registry, 'collector_orderbook_invalid_frames_total', 'Stream frames refused by the client\'s checks (bad decimal, levels out of order, crossed book): dropped, nothing stored; partial-depth pushes are checked when read');
  const ticksMissed = counter(registry, 'collector_orderbook_ticks_missed_total', 'Grid times passed over because the event loop was blocked');
  const writeSeconds = new Gauge({ name: 'collector_orderbook_write_duration_seconds', help: 'Duration of the last successful snapshot insert', registers: [registry] });
  const insertSeconds = new Histogram({
    name: 'collector_orderbook_insert_duration_seconds',
    help: 'Durations of the successful snapshot inserts (one per grid time, or one for the grid times that queued behind a slow one)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const publishSeconds = new Histogram({
    name: 'collector_orderbook_publish_delay_seconds',
    help: 'From a grid time until Redis acknowledged publishing its snapshots to the subscribers (at most 0.1 s is waited for)',
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  new Gauge({
    name: 'collector_orderbook_stream_lag_seconds',
    help: 'Seconds since the last event (or REST response) of each symbol was received',
    labelNames: ['symbol'],
    registers: [registry],
    collect() {
      const now = sources.clock();
      for (const symbol of sources.symbols) {
        const at = sources.lastReceivedAt(symbol);
        if (at !== undefined) this.set({ symbol }, (now - at) / 1000);
      }
    },
  });
  new Gauge({
    name: 'collector_orderbook_book_live',
    help: '1 when the symbol\'s book would be written now, 0 when it would be skipped',
    labelNames: ['symbol'],
    registers: [registry],
    collect() {
      for (const symbol of sources.symbols) this.set({ symbol }, sources.isLive(symbol) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'collector_orderbook_binance_weight_used',
    help: 'REQUEST_WEIGHT used in the current 1-minute window, as reported by Binance',
    registers: [registry],
    collect() {
      this.set(sources.usedWeight());
    },
  });
  new Gauge({
    name: 'collector_orderbook_pending_snapshots',
    help: 'Snapshots waiting for PostgreSQL',
    registers: [registry],
    collect() {
      this.set(sources.pendingSnapshots());
    },
  });
  new Gauge({
    name: 'collector_orderbook_publisher',
    help: 'Redis publisher counters: published, dropped (queue full or failed round trip), queued, connected (0/1)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      const stats = sources.publisher();
      this.set({ stat: 'published' }, stats.published);
      this.set({ stat: 'dropped' }, stats.dropped);
      this.set({ stat: 'queued' }, stats.queued);
      this.set({ stat: 'connected' }, stats.connected ? 1 : 0);
    },
  });
  return {
    registry,
    written: (symbol, count) => written.inc({ symbol }, count),
    skipped: (symbol, reason) => skipped.inc({ symbol, reason }),
    refreshed: (symbol, reason) => refreshes.inc({ symbol, reason }),
    refreshFailed: (symbol, reason) => refreshFailures.inc({ symbol, reason }),
    verifyMismatch: (symbol) => mismatches.inc({ symbol }),
    resync: (symbol, reason) => resyncs.inc({ symbol, reason }),
    writeFailed: () => writeFailures.inc(),
    invalidFrame: () => invalidFrames.inc(),
    partialDepth: () => partialDepths.inc(),
    writeDuration: (ms) => {
      writeSeconds.set(ms / 1000);
      insertSeconds.observe(ms / 1000);
    },
    published: (delayMs) => publishSeconds.observe(delayMs / 1000),
    ticksMissed: (count) => ticksMissed.inc(count),
  };
}
