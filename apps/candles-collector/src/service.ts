import { createBinanceClient } from '@collector/binance-client';
import { type CandleSeries, candlesBetween } from '@collector/candle';
import { createPublisher, type Publisher } from '@collector/pubsub';
import { ConfigError, createMetricsRegistry, gauge, type Logger, redactUrl, redisTargetOf, type RunningService, startHealthServer } from '@collector/service-kit';
import { createStore } from '@collector/store';
import { backfillSeries, loadSeriesProgress } from './backfill.js';
import { CandleSink, writeProgress } from './candle-sink.js';
import type { CandlesCollectorConfig } from './config.js';
import type { CollectorContext } from './context.js';
import { ExchangeClock } from './exchange-clock.js';
import { LiveRouter, openStreamFeed, startPollFeed, type StreamFeed } from './live-feed.js';
import { createCandlesMetrics } from './metrics.js';
import { seriesId, type SeriesProgress } from './progress.js';
import { catchUp, fetchClosedRange } from './repair.js';
import { pause, untilDone } from './retry.js';
import { createCandlesStatusPage } from './status-report.js';

/** Series whose history loads at the same time; the client's weight budget paces them further. */
const HISTORY_CONCURRENCY = 8;
/** How often live series are checked for candles that should be final by now. */
const FINALITY_CHECK_INTERVAL_MS = 1_000;

/** A started candles collector. */
export interface CandlesCollector extends RunningService {
  /** Port of the health and metrics endpoint. */
  httpPort: number;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Checks the configured symbols against the exchange; unknown ones stop the service, as a configuration error. */
async function checkSymbols(ctx: Pick<CollectorContext, 'client' | 'logger'>, symbols: readonly string[]): Promise<void> {
  const info = await ctx.client.exchangeInfo();
  const listed = new Map(info.symbols.map((s) => [s.symbol, s.status]));
  const unknown = symbols.filter((s) => !listed.has(s));
  if (unknown.length > 0) throw new ConfigError('SYMBOLS', `has symbols the exchange does not list: ${unknown.join(', ')}`);
  for (const symbol of symbols) {
    if (listed.get(symbol) !== 'TRADING') ctx.logger.warn({ symbol, status: listed.get(symbol) }, 'symbol is not trading; its candles may stop');
  }
}

/**
 * Starts the candles collector: history from `collector_state` (else START_DATE) up to now, then live from the
 * streams (or polling) with finality checks, repairs and gap scans; or, with END_DATE, history only.
 */
export async function startCandlesCollector(config: CandlesCollectorConfig, logger: Logger): Promise<CandlesCollector> {
  if (config.databaseUrl === undefined) throw new ConfigError('DATABASE_URL', 'or DB_HOST must be set');
  const abort = new AbortController();
  const signal = abort.signal;
  const client = createBinanceClient({
    baseUrl: config.binanceBaseUrl,
    wsBaseUrl: config.binanceWsUrl,
    maxRetries: config.maxRetries,
    retryDelayMs: config.retryDelayMs,
    logger: logger.child({ module: 'binance' }),
  });
  await checkSymbols({ client, logger }, config.symbols);

  const store = createStore({ url: config.databaseUrl, logger: logger.child({ module: 'store' }) });
  logger.info({ database: redactUrl(config.databaseUrl) }, 'migrating');
  await untilDone(() => store.migrate(), { what: 'migration', retryDelayMs: config.retryDelayMs, signal, logger });

  let publisher: Publisher | undefined;
  if (config.redisEnabled) publisher = createPublisher({ ...redisTargetOf(config), channelPrefix: config.redisChannelPrefix, logger: logger.child({ module: 'pubsub' }) });
  else logger.info('REDIS_ENABLED=false: updates are stored but not published');

  const registry = createMetricsRegistry('candles-collector');
  const metrics = createCandlesMetrics(registry);
  const clock = new ExchangeClock(() => client.serverNow());
  const progress = new Map<string, SeriesProgress>();
  const sink = new CandleSink({ store, publisher, metrics, logger, retryDelayMs: config.retryDelayMs, signal, progress, now: () => clock.now() });
  const ctx: CollectorContext = { config, client, store, sink, metrics, logger, signal, progress, now: () => clock.now() };
  const keys: CandleSeries[] = config.symbols.flatMap((symbol) => config.intervals.map((interval) => ({ symbol, interval })));

  gauge(registry, 'collector_binance_weight_used', 'Request weight used in the current minute, as Binance counts it.', [], () => client.usedWeight());
  if (publisher) {
    const stats = publisher;
    gauge(registry, 'collector_publish_dropped', 'Updates dropped because Redis was away, since start.', [], () => stats.stats().dropped);
  }

  let feed: StreamFeed | undefined;
  const statusPage = createCandlesStatusPage({ config, store, metrics, usedWeight: () => client.usedWeight(), logger, now: () => clock.now() });
  const health = await startHealthServer({
    host: config.httpHost,
    port: config.httpPort,
    registry,
    logger,
    handler: statusPage.handler,
    readiness: async () => ({
      database: await store.ping().then(
        () => true,
        () => false,
      ),
      streams: config.endTime !== undefined || config.realtimeMode === 'poll' || (feed?.connected() ?? false),
    }),
  });

  const router = new LiveRouter(ctx);
  const repairing = new Set<string>();
  const repairSeries = async (key: CandleSeries, graceMs: number, reason: string): Promise<void> => {
    const series = progress.get(seriesId(key));
    if (!series || repairing.has(seriesId(key))) return;
    repairing.add(seriesId(key));
    try {
      await catchUp(ctx, series, clock.now() - graceMs, reason);
    } finally {
      repairing.delete(seriesId(key));
    }
  };

  const recordKnownGapMetric = async (key: CandleSeries): Promise<void> => {
    const gaps = await store.listKnownGaps(key);
    metrics.knownGaps.set(key, gaps.reduce((sum, g) => sum + candlesBetween(key.interval, g.from, g.to), 0));
  };

  const scanGaps = async (key: CandleSeries): Promise<void> => {
    const series = progress.get(seriesId(key));
    if (!series || key.interval === '1M' || signal.aborted) return;
    const gaps = await store.findCandleGaps({ ...key, from: config.startTime, to: series.contiguousUntil });
    for (const gap of gaps) {
      logger.warn({ ...key, from: new Date(gap.from).toISOString(), missing: gap.missing }, 'hole in stored candles; fetching it');
      await fetchClosedRange(ctx, series, { from: gap.from, to: gap.to, tailIsFinal: true, reason: 'gap-scan' });
    }
    await recordKnownGapMetric(key);
  };

  const loadHistory = async (key: CandleSeries): Promise<void> => {
    const series = await loadSeriesProgress(ctx, key);
    // Binance trouble beyond the client's retries pauses the series; it resumes from what is stored.
    await untilDone(() => backfillSeries(ctx, series, config.endTime), { what: `history of ${key.symbol} ${key.interval}`, retryDelayMs: config.retryDelayMs, signal, logger });
    progress.set(seriesId(key), series);
    if (signal.aborted || config.endTime !== undefined) return;
    await catchUp(ctx, series, clock.now(), 'hand-over');
    await writeProgress(store, series, { ...config, signal, logger, metrics }, { isRealtime: true });
    router.release(key);
    logger.info(key, 'series is live');
    // The start-up scan reads the whole stored history; live updates need not wait for it.
    await scanGaps(key);
  };

  const timers: NodeJS.Timeout[] = [];
  let scanning: Promise<void> | undefined;
  let pollFeed: { close(): Promise<void> } | undefined;
  const finished = (async () => {
    if (config.endTime === undefined && config.realtimeMode === 'stream') {
      for (const key of keys) router.hold(key);
      try {
        feed = await openStreamFeed(ctx, keys, router, clock, (key) => repairSeries(key, 0, 'reconnect'));
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
    }
    await eachLimited(keys, HISTORY_CONCURRENCY, loadHistory);
    if (signal.aborted) return;
    if (config.endTime !== undefined) {
      logger.info({ endDate: new Date(config.endTime).toISOString() }, 'END_DATE reached for every series; exiting');
      return;
    }
    if (config.realtimeMode === 'poll') pollFeed = startPollFeed(ctx, keys);
    timers.push(
      setInterval(() => {
        for (const key of keys) void repairSeries(key, config.finalityGraceMs, 'finality').catch((error: unknown) => logger.error({ err: error, ...key }, 'finality check failed'));
      }, FINALITY_CHECK_INTERVAL_MS),
      setInterval(() => {
        // A scan slower than the interval is not started twice.
        if (scanning) return;
        scanning = eachLimited(keys, 1, scanGaps)
          .catch((error: unknown) => logger.error({ err: error }, 'gap scan failed'))
          .finally(() => {
            scanning = undefined;
          });
      }, config.gapScanIntervalMs),
    );
    // A live service never finishes by itself.
    await new Promise<never>(() => {});
  })();

  return {
    httpPort: health.port,
    // Resolves only for a one-shot run, or at shutdown, when the stop under way makes it moot.
    finished,
    async stop() {
      abort.abort();
      for (const timer of timers) clearInterval(timer);
      await feed?.close();
      await pollFeed?.close();
      // What the streams delivered last is written before the pools close.
      await Promise.race([sink.flushed(), pause(5_000, new AbortController().signal)]);
      await publisher?.close();
      await health.close();
      await statusPage.close();
      await store.close();
    },
  };
}
