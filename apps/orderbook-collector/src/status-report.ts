import { DEFAULT_BINANCE_CLIENT_OPTIONS } from '@collector/binance-client';
import type { Logger, Registry } from '@collector/service-kit';
import {
  type BookPhase,
  type BookStatus,
  bookTop,
  createStatusPageHandler,
  type OrderbookStatusReport,
  STATUS_CONTRACT_VERSION,
  type StatusPageHandler,
} from '@collector/status-page';
import { createStoreReader } from '@collector/store';
import type { OrderbookCollectorConfig } from './config.js';
import type { Clock } from './grid.js';
import type { BookSource } from './sources/types.js';

/**
 * A book that is not live but received something this recently is being rebuilt (`resyncing`); one that has
 * received nothing for longer is `stale`.
 */
const STALE_AFTER_MS = 5_000;

/** What the report reads: the configuration, the book source, the metrics registry and the client's weight. */
export interface OrderbookStatusSources {
  config: OrderbookCollectorConfig;
  source: Pick<BookSource, 'isLive' | 'lastReceivedAt'>;
  registry: Registry;
  usedWeight: () => number;
  logger: Logger;
  clock: Clock;
  /** This replica's id (`REPLICA_ID`). */
  replica: string;
  /** The symbols this replica holds leases for. */
  owned: () => readonly string[];
}

/** The status page of this collector, and what it holds open. */
export interface OrderbookStatusPage {
  handler: StatusPageHandler;
  /** The report of `GET /status`. */
  report(): Promise<OrderbookStatusReport>;
  close(): Promise<void>;
}

/**
 * Builds `/status` from what the service already has: each book's live state and last receipt time (the source
 * behind the metrics), the last stored snapshot (best bid, best ask, spread), and the resync counter, for the
 * books this replica holds leases for.
 */
export function createOrderbookStatusPage(sources: OrderbookStatusSources): OrderbookStatusPage {
  const { config, source, clock } = sources;
  const reader = createStoreReader({ url: config.databaseUrl });

  async function report(): Promise<OrderbookStatusReport> {
    const resyncs = await sources.registry.getSingleMetric('collector_orderbook_resyncs_total')?.get();
    const owned = await Promise.all(
      [...sources.owned()].sort().map(async (symbol): Promise<BookStatus> => {
        const snapshot = await reader.latestOrderbookSnapshot(symbol);
        const receivedAt = source.lastReceivedAt(symbol);
        const lagMs = receivedAt === undefined ? null : Math.max(0, clock() - receivedAt);
        const phase: BookPhase = source.isLive(symbol) ? 'live' : lagMs !== null && lagMs <= STALE_AFTER_MS ? 'resyncing' : 'stale';
        return {
          series: symbol,
          symbol,
          phase,
          ...(snapshot === undefined ? { bestBid: null, bestAsk: null, spread: null } : bookTop(snapshot)),
          snapshotAt: snapshot?.timestamp ?? null,
          lastUpdateId: snapshot?.lastUpdateId ?? null,
          lagMs,
        };
      }),
    );
    return {
      version: STATUS_CONTRACT_VERSION,
      app: 'orderbook',
      replica: sources.replica,
      generatedAt: clock(),
      weight: { used: sources.usedWeight(), limit: DEFAULT_BINANCE_CLIENT_OPTIONS.weightLimitPerMinute },
      reconnects: (resyncs?.values ?? []).reduce((sum, v) => sum + v.value, 0),
      owned,
    };
  }

  const handler = createStatusPageHandler({ app: 'orderbook', status: report, store: reader, logger: sources.logger.child({ module: 'status-page' }) });
  return { handler, report, close: () => reader.close() };
}
