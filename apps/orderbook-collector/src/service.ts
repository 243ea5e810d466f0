import { type BinanceClient, createBinanceClient, type PartialDepthLevels } from '@collector/binance-client';
import { createPublisher, type Publisher } from '@collector/pubsub';
import { type Logger, redactUrl, redisTargetOf, type RunningService, startHealthServer, startSymbolWatch } from '@collector/service-kit';
import { createLeaseBoard, createStore, type OrderbookSnapshotRecord, type Store } from '@collector/store';
import { createSharedBooks } from './book-share.js';
import type { OrderbookCollectorConfig } from './config.js';
import { type Clock, startGrid } from './grid.js';
import { createOrderbookMetrics } from './metrics.js';
import { createSkipLog } from './skip-log.js';
import { createDiffSource } from './sources/diff.js';
import { createPollSource } from './sources/poll.js';
import { createStreamSource } from './sources/stream.js';
import type { BookReading, BookSource, SourceHooks } from './sources/types.js';
import { createOrderbookStatusPage } from './status-report.js';
import { createSnapshotWriter, STATE_STREAM } from './writer.js';

/** Budget of a graceful stop before runService's 9 s hard limit: the final insert gets most of it. */
const FINAL_WRITE_TIMEOUT_MS = 4_000;
const PUBLISHER_CLOSE_TIMEOUT_MS = 1_000;
/** A readiness probe waits this long for PostgreSQL at most. */
const READINESS_TIMEOUT_MS = 2_000;

/** Extra wiring for tests; `main.ts` passes none. */
export interface OrderbookCollectorOptions {
  /** The collector's clock (grid, staleness, lag). @default Date.now */
  clock?: Clock;
}

/** A started order book collector. */
export interface OrderbookCollector extends RunningService {
  /** Port of the health and metrics endpoint. */
  httpPort: number;
  /** The Binance client (its `usedWeight()` feeds the weight metric and the benchmark). */
  client: BinanceClient;
}

/** Migrates, retrying while PostgreSQL starts (compose starts everything at once); gives up after the retries. */
async function migrate(store: Store, config: OrderbookCollectorConfig, logger: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.migrate();
      return;
    } catch (error) {
      if (attempt >= config.maxRetries) throw error;
      const delayMs = config.retryDelayMs * 2 ** attempt;
      logger.warn({ err: error, attempt: attempt + 1, retryInMs: delayMs }, 'migration failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** A crash leaves `is_realtime` true; it is true again only once this process writes the symbol. */
async function resetRealtime(store: Store, symbols: readonly string[]): Promise<void> {
  await Promise.all(
    symbols.map(async (symbol) => {
      const state = await store.getState(symbol, STATE_STREAM);
      if (state?.isRealtime) await store.setState({ symbol, stream: STATE_STREAM, lastTimestamp: state.lastTimestamp, isRealtime: false });
    }),
  );
}

/** The snapshot of `book` for grid time `gridTime`. */
function snapshotOf(symbol: string, gridTime: number, book: BookReading): OrderbookSnapshotRecord {
  return { symbol, timestamp: gridTime, lastUpdateId: book.lastUpdateId, eventTime: book.eventTime, bids: book.bids, asks: book.asks };
}

function createSource(config: OrderbookCollectorConfig, client: BinanceClient, hooks: SourceHooks, logger: Logger, clock: Clock): BookSource {
  const { symbols, levels, intervalMs } = config;
  switch (config.mode) {
    case 'stream':
      return createStreamSource({ client, symbols, levels: levels as PartialDepthLevels, intervalMs, speedMs: config.streamSpeedMs, hooks, logger, clock });
    case 'diff':
      return createDiffSource({ client, symbols, levels, retryDelayMs: config.retryDelayMs, verifyIntervalMs: config.verifyIntervalMs, hooks, logger });
    case 'poll':
      return createPollSource({ client, symbols, levels, intervalMs, logger, clock });
  }
}

/**
 * Starts the order book collector: follows every symbol's book in the configured mode and, at every grid time
 * (k × ORDERBOOK_UPDATE_INTERVAL), stores one snapshot per in-sync symbol in one insert and publishes them.
 * @throws {ConfigError} for symbols the exchange does not list (nothing is written then).
 */
export async function startOrderbookCollector(config: OrderbookCollectorConfig, logger: Logger, options: OrderbookCollectorOptions = {}): Promise<OrderbookCollector> {
  const clock = options.clock ?? Date.now;
  const client = createBinanceClient({
    baseUrl: config.binanceBaseUrl,
    wsBaseUrl: config.binanceWsUrl,
    maxRetries: config.maxRetries,
    retryDelayMs: config.retryDelayMs,
    // One base delay for every retry: REST requests, snapshot fetches and WebSocket reconnects.
    reconnectDelayMs: config.retryDelayMs,
    logger: logger.child({ module: 'binance' }),
  });
  // SYMBOLS against the exchange's list, now and every SYMBOLS_REFRESH; a name it does not list stops the start.
  let setWanted = (_symbols: readonly string[]): void => {};
  const watch = await startSymbolWatch({
    selection: config.symbolSelection,
    listSymbols: async () => (await client.exchangeInfo()).symbols,
    refreshMs: config.symbolsRefreshMs,
    logger: logger.child({ module: 'symbols' }),
    onChange: ({ symbols }) => setWanted(symbols),
  });
  const symbols = [...watch.symbols()];
  const board = createLeaseBoard({ url: config.databaseUrl, app: 'orderbook', replicaId: config.replicaId, ttlMs: config.leaseTtlMs });

  const store = createStore({ url: config.databaseUrl, logger: logger.child({ module: 'store' }) });
  const cleanup: (() => Promise<void>)[] = [() => store.close(), () => board.close(), async () => watch.stop()];
  try {
    logger.info({ database: redactUrl(config.databaseUrl) }, 'migrating');
    await migrate(store, config, logger);
    // Books another live replica holds are its to flag.
    const leased = await board.owners();
    await resetRealtime(store, symbols.filter((s) => !leased.has(s)));
  } catch (error) {
    for (const step of cleanup) await step();
    throw error;
  }

  let publisher: Publisher | undefined;
  if (config.redisEnabled) {
    publisher = createPublisher({ ...redisTargetOf(config), channelPrefix: config.redisChannelPrefix, logger: logger.child({ module: 'pubsub' }) });
  } else {
    logger.info('REDIS_ENABLED=false: snapshots are stored but not published');
  }

  // Metrics read the source lazily, so the registry can exist before the source.
  let source: BookSource | undefined;
  const writerRef: { pending(): number } = { pending: () => 0 };
  const metrics = createOrderbookMetrics({
    symbols,
    lastReceivedAt: (symbol) => source?.lastReceivedAt(symbol),
    isLive: (symbol) => source?.isLive(symbol) ?? false,
    usedWeight: () => client.usedWeight(),
    pendingSnapshots: () => writerRef.pending(),
    publisher: () => publisher?.stats() ?? { published: 0, dropped: 0, queued: 0, connected: false },
    clock,
  });
  const skipLog = createSkipLog(logger, clock);
  const writer = createSnapshotWriter({
    store,
    publisher,
    symbols,
    levels: config.levels,
    intervalMs: config.intervalMs,
    retryDelayMs: config.retryDelayMs,
    hooks: {
      written: (symbol, count) => metrics.written(symbol, count),
      dropped: (symbol) => metrics.skipped(symbol, 'db_backlog'),
      writeFailed: () => metrics.writeFailed(),
      writeDuration: (ms) => metrics.writeDuration(ms),
      published: (delayMs) => metrics.published(delayMs),
    },
    logger: logger.child({ module: 'writer' }),
    clock,
  });
  writerRef.pending = () => writer.pending();

  const sourceHooks: SourceHooks = {
    onResync: (symbol, reason) => metrics.resync(symbol, reason),
    onPartialDepth: () => metrics.partialDepth(),
    onBookAhead: (symbol, gridTime, book) => writer.prepare(snapshotOf(symbol, gridTime, book)),
    onInvalidFrame: () => metrics.invalidFrame(),
    onRefresh: (symbol, reason) => metrics.refreshed(symbol, reason),
    onRefreshFailed: (symbol, reason) => metrics.refreshFailed(symbol, reason),
    onMismatch: (symbol) => metrics.verifyMismatch(symbol),
  };
  // Each replica follows only the books it holds leases for (book-share.ts).
  const books = createSharedBooks({
    mode: config.mode,
    board,
    heartbeatMs: Math.max(300, Math.floor(config.leaseTtlMs / 3)),
    createSource: (owned) => createSource({ ...config, symbols: owned }, client, sourceHooks, logger.child({ module: config.mode }), clock),
    logger: logger.child({ module: 'work-share' }),
    clock,
  });
  setWanted = (wanted) => books.setWanted(wanted);
  books.setWanted(symbols);
  source = books;
  const activeSource = source;
  await activeSource.start();

  const statusPage = createOrderbookStatusPage({
    config,
    source: activeSource,
    registry: metrics.registry,
    usedWeight: () => client.usedWeight(),
    logger,
    clock,
    replica: config.replicaId,
    owned: () => books.owned(),
  });
  cleanup.unshift(() => statusPage.close());
  let health;
  try {
    health = await startHealthServer({
      host: config.httpHost,
      port: config.httpPort,
      registry: metrics.registry,
      logger,
      handler: statusPage.handler,
      readiness: async () => {
        let timer: NodeJS.Timeout | undefined;
        const database = await Promise.race([
          store.ping().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), READINESS_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
        return { database, books: books.owned().every((s) => activeSource.isLive(s)) };
      },
    });
  } catch (error) {
    await activeSource.stop();
    await publisher?.close(0);
    for (const step of cleanup) await step();
    throw error;
  }

  const ticks = new Set<Promise<void>>();
  const tick = async (gridTime: number): Promise<void> => {
    const reads = await activeSource.read(gridTime);
    const snapshots: OrderbookSnapshotRecord[] = [];
    for (const [symbol, read] of reads) {
      if (!read.ok) {
        metrics.skipped(symbol, read.reason);
        skipLog.skipped(symbol, read.reason);
        writer.setRealtime(symbol, false);
        continue;
      }
      snapshots.push(snapshotOf(symbol, gridTime, read.book));
      skipLog.written(symbol);
      writer.setRealtime(symbol, true);
    }
    writer.submit(snapshots);
  };
  const grid = startGrid({
    intervalMs: config.intervalMs,
    clock,
    onMissed: (missed, gridTime) => {
      metrics.ticksMissed(missed);
      logger.warn({ missed, gridTime }, 'event loop blocked; grid times passed over');
    },
    onTick: (gridTime) => {
      const running = tick(gridTime).catch((error: unknown) => logger.error({ err: error, gridTime }, 'snapshot tick failed'));
      ticks.add(running);
      void running.finally(() => ticks.delete(running));
    },
  });
  logger.info({ mode: config.mode, symbols: symbols.length, replica: config.replicaId, levels: config.levels, intervalMs: config.intervalMs, httpPort: health.port }, 'collecting order books');

  const server = health;
  return {
    httpPort: server.port,
    client,
    async stop() {
      grid.stop();
      await activeSource.stop();
      // A poll in flight ends within one interval at most; its snapshots join the final write.
      await Promise.race([Promise.all(ticks), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await writer.close(FINAL_WRITE_TIMEOUT_MS);
      await publisher?.close(PUBLISHER_CLOSE_TIMEOUT_MS);
      await server.close();
      for (const step of cleanup) await step();
    },
  };
}
