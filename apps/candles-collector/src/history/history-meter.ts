import type { CandleSeries } from '@collector/candle';
import type { Logger } from '@collector/service-kit';
import type { CandlesMetrics } from '../metrics.js';

/** Where a stretch of history came from. */
export type HistorySource = 'archive' | 'rest';

export const HISTORY_SOURCE_LABELS: readonly HistorySource[] = ['archive', 'rest'];

/** How often one series logs its progress during the historical phase. */
const PROGRESS_LOG_INTERVAL_MS = 5_000;

/**
 * Progress of one series' historical phase, whichever source it reads: the `backfill_remaining` and
 * `history_source` gauges (which the status report reads), and a log line every few seconds with percent,
 * candles/s, ETA and the source.
 */
export class HistoryMeter {
  private readonly startedAt = Date.now();
  private lastLogAt = this.startedAt;
  private done = 0;
  private source: HistorySource | undefined;

  constructor(
    private readonly key: CandleSeries,
    private readonly total: number,
    private readonly metrics: CandlesMetrics,
    private readonly log: Logger,
  ) {
    metrics.backfillRemaining.set(key, total);
  }

  /** The source of what comes next. */
  using(source: HistorySource): void {
    if (source === this.source) return;
    this.source = source;
    for (const label of HISTORY_SOURCE_LABELS) this.metrics.historySource.set({ ...this.key, source: label }, label === source ? 1 : 0);
  }

  /** Counts `candles` open times as done (stored, or known to be absent at the exchange). */
  add(candles: number): void {
    this.done += candles;
    this.metrics.backfillRemaining.set(this.key, Math.max(0, this.total - this.done));
    const now = Date.now();
    if (now - this.lastLogAt < PROGRESS_LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    const rate = (this.done * 1000) / Math.max(1, now - this.startedAt);
    this.log.info(
      {
        percent: Number(((this.done / Math.max(1, this.total)) * 100).toFixed(1)),
        candlesPerSecond: Math.round(rate),
        etaSeconds: Math.round(Math.max(0, this.total - this.done) / Math.max(rate, 1e-9)),
        source: this.source,
      },
      'historical progress',
    );
  }

  /** The phase is over: nothing left, no source. */
  finish(): number {
    this.metrics.backfillRemaining.set(this.key, 0);
    for (const label of HISTORY_SOURCE_LABELS) this.metrics.historySource.set({ ...this.key, source: label }, 0);
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.log.info({ candles: this.done, seconds: Number(seconds.toFixed(1)), candlesPerSecond: Math.round(this.done / Math.max(seconds, 1e-3)) }, 'historical phase done');
    return this.done;
  }
}
