import { createBinanceClient } from '@collector/binance-client';
import type { CandleInterval, CandleSeries } from '@collector/candle';
import { createPublisher, type Publisher } from '@collector/pubsub';
import {
  ConfigError,
  createMetricsRegistry,
  gauge,
  type Logger,
  redactUrl,
  redisTargetOf,
  type RunningService,
  startHealthServer,
  startSymbolWatch,
  startWorkShare,
  type WorkShare,
} from '@collector/service-kit';
import { createLeaseBoard, createStore } from '@collector/store';
import { CandleSink } from './candle-sink.js';
import type { CandlesCollectorConfig } from './config.js';
import type { CollectorContext } from './context.js';
import { ExchangeClock } from './exchange-clock.js';
import { createHistoryArchives } from './history/archives.js';
import { createCandlesMetrics } from './metrics.js';
import { seriesId, type SeriesProgress } from './progress.js';
import { pause, untilDone } from './retry.js';
import { createSeriesRunner } from './series-runner.js';
import { createCandlesStatusPage } from './status-report.js';

/** A started candles collector. */
export interface CandlesCollector extends RunningService {
  /** Port of the health and metrics endpoint. */
  httpPort: number;
}

/** The app name replicas share their work under, in `series_leases`. */
const LEASE_APP = 'candles';

/** `BTCUSDT|1m` back to its series. */
function seriesOf(id: string): CandleSeries {
  const [symbol, interval] = id.split('|') as [string, CandleInterval];
  return { symbol, interval };
}

/**
 * Starts the candles collector: the series `SYMBOLS` selects on the exchange (followed every `SYMBOLS_REFRESH`),
 * shared with the other replicas through leases in PostgreSQL; each series it holds goes from `collector_state`
 * (else START_DATE) up to now, then live from the streams (or polling) with finality checks, repairs and gap scans.
 * With END_DATE: every selected series, history only, then it finishes.
 */
export async function startCandlesCollector(config: CandlesCollectorConfig, logger: Logger): Promise<CandlesCollector> {
  if (config.databaseUrl === undefined) throw new ConfigError('DATABASE_URL', 'or DB_HOST must be set');
  const databaseUrl = config.databaseUrl;
  const abort = new AbortController();
  const signal = abort.signal;
  const client = createBinanceClient({
    baseUrl: config.binanceBaseUrl,
    wsBaseUrl: config.binanceWsUrl,
    maxRetries: config.maxRetries,
    retryDelayMs: config.retryDelayMs,
    logger: logger.child({ module: 'binance' }),
  });
  const seriesFor = (symbols: readonly string[]): string[] => symbols.flatMap((symbol) => config.intervals.map((interval) => seriesId({ symbol, interval })));
  let share: WorkShare | undefined;
  const watch = await startSymbolWatch({
    selection: config.symbolSelection,
    listSymbols: async () => (await client.exchangeInfo()).symbols,
    refreshMs: config.symbolsRefreshMs,
    logger: logger.child({ module: 'symbols' }),
    onChange: ({ symbols }) => share?.setWanted(seriesFor(symbols)),
  });

  const store = createStore({ url: databaseUrl, logger: logger.child({ module: 'store' }) });
  logger.info({ database: redactUrl(databaseUrl) }, 'migrating');
  await untilDone(() => store.migrate(), { what: 'migration', retryDelayMs: config.retryDelayMs, signal, logger });

  let publisher: Publisher | undefined;
  if (config.redisEnabled) publisher = createPublisher({ ...redisTargetOf(config), channelPrefix: config.redisChannelPrefix, logger: logger.child({ module: 'pubsub' }) });
  else logger.info('REDIS_ENABLED=false: updates are stored but not published');

  const registry = createMetricsRegistry('candles-collector');
  const metrics = createCandlesMetrics(registry);
  const clock = new ExchangeClock(() => client.serverNow());
  const progress = new Map<string, SeriesProgress>();
  const sink = new CandleSink({ store, publisher, metrics, logger, retryDelayMs: config.retryDelayMs, signal, progress, now: () => clock.now() });
  const archives = createHistoryArchives(config, metrics, logger.child({ module: 'archive' }));
  const ctx: CollectorContext = { config, client, archives, store, sink, metrics, logger, signal, progress, now: () => clock.now() };

  gauge(registry, 'collector_binance_weight_used', 'Request weight used in the current minute, as Binance counts it.', [], () => client.usedWeight());
  if (publisher) {
    const stats = publisher;
    gauge(registry, 'collector_publish_dropped', 'Updates dropped because Redis was away, since start.', [], () => stats.stats().dropped);
  }

  const runner = await createSeriesRunner(ctx, clock);
  gauge(registry, 'collector_series_owned', 'Series this replica collects now.', [], () => runner.running().length);
  const statusPage = createCandlesStatusPage({
    config,
    store,
    metrics,
    usedWeight: () => client.usedWeight(),
    logger,
    now: () => clock.now(),
    replica: config.replicaId,
    owned: () => runner.running(),
  });
  let finished: Promise<void>;
  let stopShare = async (): Promise<void> => {};
  if (config.endTime !== undefined) {
    // A one-shot download is not shared: it fetches every selected series and ends.
    await runner.start(seriesFor(watch.symbols()).map(seriesOf));
    finished = runner.historiesDone().then(() => {
      if (!signal.aborted) logger.info({ endDate: new Date(config.endTime as number).toISOString() }, 'END_DATE reached for every series; exiting');
    });
  } else {
    const board = createLeaseBoard({ url: databaseUrl, app: LEASE_APP, replicaId: config.replicaId, ttlMs: config.leaseTtlMs });
    share = await startWorkShare({
      board,
      heartbeatMs: Math.max(300, Math.floor(config.leaseTtlMs / 3)),
      logger: logger.child({ module: 'work-share' }),
      onAcquire: (ids) => runner.start(ids.map(seriesOf)),
      onRelease: (ids) => runner.stop(ids.map(seriesOf)),
    });
    share.setWanted(seriesFor(watch.symbols()));
    logger.info({ replica: config.replicaId, series: seriesFor(watch.symbols()).length }, 'sharing series with the other replicas');
    const leases = board;
    // A live service never finishes by itself.
    finished = new Promise<never>(() => {});
    stopShare = async () => {
      await share?.stop();
      await leases.close();
    };
  }

  // Last: a probe that sees the port must find a service whose stop handlers are in place.
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
      streams: runner.connected(),
    }),
  });

  return {
    httpPort: health.port,
    // Resolves only for a one-shot run, or at shutdown, when the stop under way makes it moot.
    finished,
    async stop() {
      watch.stop();
      // First: the other replicas take over at once, from the state this replica wrote.
      await stopShare().catch((error: unknown) => logger.warn({ err: error }, 'handing the series over failed; their leases expire instead'));
      abort.abort();
      await runner.close();
      // What the streams delivered last is written before the pools close.
      await Promise.race([sink.flushed(), pause(5_000, new AbortController().signal)]);
      await publisher?.close();
      await health.close();
      await statusPage.close();
      await store.close();
    },
  };
}
