import type { Logger } from '@collector/service-kit';
import type { Store } from '@collector/store';
import type { CandlesMetrics } from './metrics.js';
import { type SeriesProgress, seriesId, stateRowOf } from './progress.js';
import { untilDone } from './retry.js';

/** Options of {@link StateLane}. */
export interface StateLaneOptions {
  store: Store;
  metrics: CandlesMetrics;
  logger: Logger;
  signal: AbortSignal;
  retryDelayMs: number;
}

/**
 * Writes the `collector_state` rows of live series whose complete prefix grew, beside the candle commits rather
 * than in them: a subscriber waits for the candles only. One statement at a time carries every series that moved
 * since the last one, so a burst of closes across 1,000 series is one state write, and while it runs the next one
 * collects. A row is written from the series' progress in memory, which moves only once its candles are stored:
 * the state never runs ahead of the data.
 */
export class StateLane {
  private readonly dirty = new Map<string, SeriesProgress>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: StateLaneOptions) {}

  /** The series' complete prefix grew: write it soon. */
  mark(series: SeriesProgress): void {
    this.dirty.set(seriesId(series.key), series);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once every series marked before the call is written (or the lane gave up at shutdown). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    const { store, metrics, logger, signal, retryDelayMs } = this.options;
    while (this.dirty.size > 0) {
      const batch = [...this.dirty.values()];
      this.dirty.clear();
      const states = batch.map((series) => stateRowOf(series));
      try {
        await untilDone(() => store.advanceStates(states), { what: 'state write', retryDelayMs, signal, logger, onFailure: () => metrics.writeFailures.inc() });
      } catch (error) {
        for (const series of batch) if (!this.dirty.has(seriesId(series.key))) this.dirty.set(seriesId(series.key), series);
        logger.error({ err: error, series: this.dirty.size }, 'state write abandoned at shutdown');
        return;
      }
    }
  }
}
