import { DEFAULT_BINANCE_CLIENT_OPTIONS } from '@collector/binance-client';
import { type CandleSeries, candleOpenAt, candlesBetween, firstCandleOpenFrom, nextCandleOpen } from '@collector/candle';
import { ConfigError, type Logger } from '@collector/service-kit';
import {
  backfillProgress,
  candleSeriesId,
  type CandleSeriesStatus,
  type CandlesStatusReport,
  createRateMeter,
  createStatusPageHandler,
  type RateMeter,
  STATUS_CONTRACT_VERSION,
  type StatusPageHandler,
} from '@collector/status-page';
import { createStoreReader, type Store } from '@collector/store';
import type { CandlesCollectorConfig } from './config.js';
import type { CandlesMetrics } from './metrics.js';
import type { HistorySource } from './history/history-meter.js';
import { stateStream } from './progress.js';

/** What the report reads: the configuration, the store, the metrics and the client's weight. Nothing else of the service. */
export interface CandlesStatusSources {
  config: CandlesCollectorConfig;
  store: Pick<Store, 'listStates' | 'listKnownGaps'>;
  metrics: CandlesMetrics;
  usedWeight: () => number;
  logger: Logger;
  /** Exchange time now, epoch ms. @default Date.now */
  now?: () => number;
  /** This replica's id (`REPLICA_ID`). */
  replica: string;
  /** The series this replica collects now (its leases). */
  owned: () => readonly CandleSeries[];
}

/** The status page of this collector, and what it holds open. */
export interface CandlesStatusPage {
  handler: StatusPageHandler;
  /** The report of `GET /status`. */
  report(): Promise<CandlesStatusReport>;
  close(): Promise<void>;
}

/** `{ "BTCUSDT|1m": value }` of a metric labelled by symbol and interval. */
async function bySeries(metric: CandlesMetrics['lagSeconds']): Promise<Map<string, number>> {
  const { values } = await metric.get();
  return new Map(values.map((v) => [`${String(v.labels.symbol)}|${String(v.labels.interval)}`, v.value]));
}

/** `{ "BTCUSDT|1m": "archive" }`: the source each series in history reads now (the gauge at 1). */
async function sourceBySeries(metric: CandlesMetrics['historySource']): Promise<Map<string, HistorySource>> {
  const { values } = await metric.get();
  return new Map(values.filter((v) => v.value === 1).map((v) => [`${String(v.labels.symbol)}|${String(v.labels.interval)}`, v.labels.source as HistorySource]));
}

/**
 * Builds `/status` from what the service already records: `collector_state` (how far each series is stored and
 * whether it went live), `known_candle_gaps`, the newest stored candle, and the metrics (lag, candles left,
 * reconnects, weight), for the series this replica holds leases for.
 */
export function createCandlesStatusPage(sources: CandlesStatusSources): CandlesStatusPage {
  const { config, store, metrics } = sources;
  const now = sources.now ?? Date.now;
  if (config.databaseUrl === undefined) throw new ConfigError('DATABASE_URL', 'or DB_HOST must be set');
  const reader = createStoreReader({ url: config.databaseUrl });
  const meters = new Map<string, RateMeter>();
  // A series queued behind others has no source yet: the one it will start from.
  const defaultSource: HistorySource = config.historySource === 'rest' ? 'rest' : 'archive';

  async function report(): Promise<CandlesStatusReport> {
    // The metrics first, then the database: a page committed in between then counts as left rather than done,
    // so a report may understate its percent by one commit, never overstate it.
    const [lags, remaining, reconnects, reading] = await Promise.all([
      bySeries(metrics.lagSeconds),
      bySeries(metrics.backfillRemaining),
      metrics.reconnects.get(),
      sourceBySeries(metrics.historySource),
    ]);
    const [states, gaps] = await Promise.all([store.listStates(), store.listKnownGaps()]);
    const at = now();
    const owned = await Promise.all(
      sources.owned().map(async ({ symbol, interval }): Promise<CandleSeriesStatus> => {
        const id = candleSeriesId(symbol, interval);
        const state = states.find((s) => s.symbol === symbol && s.stream === stateStream(interval));
        const [last] = await reader.latestCandles({ symbol, interval, limit: 1 });
        const base = {
          series: id,
          symbol,
          interval,
          storedUntil: state?.lastTimestamp ?? null,
          lastCandle: last === undefined ? null : { openTime: last.openTime, open: last.open, high: last.high, low: last.low, close: last.close, volume: last.volume, isClosed: last.isClosed },
          knownGaps: gaps
            .filter((g) => g.symbol === symbol && g.interval === interval)
            .map((g) => ({ from: g.from, to: g.to, candles: candlesBetween(interval, g.from, g.to), reason: g.reason })),
        };
        const left = remaining.get(id);
        // A state row left live by an earlier run does not count until this run's history is done (its gauge at 0).
        if (state?.isRealtime && left === 0) {
          const lag = lags.get(id);
          return { ...base, phase: 'live', lagMs: lag === undefined ? null : Math.round(lag * 1000) };
        }
        const first = firstCandleOpenFrom(interval, config.startTime);
        const done = state === undefined || state.lastTimestamp < first ? 0 : candlesBetween(interval, first, state.lastTimestamp);
        // Before its history starts (queued behind others) a series has no gauge: what is left is up to the forming candle.
        const lastWanted = candleOpenAt(interval, config.endTime === undefined ? at : config.endTime - 1);
        const estimate = candlesBetween(interval, state === undefined || state.lastTimestamp < first ? first : nextCandleOpen(interval, state.lastTimestamp), lastWanted);
        let meter = meters.get(id);
        if (meter === undefined) meters.set(id, (meter = createRateMeter()));
        const ratePerSecond = meter.record(done, at);
        return { ...base, phase: 'history', progress: backfillProgress({ source: reading.get(id) ?? defaultSource, done, left: left ?? estimate, ratePerSecond }) };
      }),
    );
    return {
      version: STATUS_CONTRACT_VERSION,
      app: 'candles',
      replica: sources.replica,
      generatedAt: at,
      weight: { used: sources.usedWeight(), limit: DEFAULT_BINANCE_CLIENT_OPTIONS.weightLimitPerMinute },
      reconnects: reconnects.values.reduce((sum, v) => sum + v.value, 0),
      owned: owned.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : 0)),
    };
  }

  const handler = createStatusPageHandler({ app: 'candles', status: report, store: reader, logger: sources.logger.child({ module: 'status-page' }) });
  return { handler, report, close: () => reader.close() };
}
