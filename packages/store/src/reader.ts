import type { CandleInterval, CandleText } from '@collector/candle';
import { candles, orderbookData } from '@collector/schema';
import { and, desc, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { toCandleText } from './candle-row.js';
import { StoreError } from './errors.js';
import type { StoredOrderbookSnapshot } from './types.js';

/** Options of {@link createStoreReader}. */
export interface StoreReaderOptions {
  /** PostgreSQL connection URL. Required. */
  url: string;
  /**
   * Size of the connection pool: a status page needs few.
   * @default 2
   */
  maxConnections?: number;
  /**
   * Seconds an idle pooled connection is kept before it is closed; 0 keeps it.
   * @default 30
   */
  idleTimeoutSeconds?: number;
}

/** Defaults of {@link StoreReaderOptions}. */
export const DEFAULT_STORE_READER_OPTIONS = {
  maxConnections: 2,
  idleTimeoutSeconds: 30,
} as const;

/**
 * Reads of the newest rows, for status pages and dashboards. Its connections are read-only sessions
 * (`default_transaction_read_only`), so nothing written through it can reach the tables.
 */
export interface StoreReader {
  /**
   * The newest `limit` candles of one series (closed or still forming), oldest first.
   * @throws {StoreError} `INVALID_QUERY` for a `limit` that is not an integer from 1 to 10000.
   */
  latestCandles(query: { symbol: string; interval: CandleInterval; limit: number }): Promise<CandleText[]>;
  /** The newest stored order book snapshot of `symbol`, or undefined when none is stored. */
  latestOrderbookSnapshot(symbol: string): Promise<StoredOrderbookSnapshot | undefined>;
  /** Closes the pool; later calls fail with `CLOSED`. */
  close(): Promise<void>;
}

const MAX_LATEST_CANDLES = 10_000;

/** A {@link StoreReader} with its own small pool. */
export function createStoreReader(options: StoreReaderOptions): StoreReader {
  if (typeof options?.url !== 'string' || options.url === '') {
    throw new StoreError('INVALID_OPTIONS', 'createStoreReader: option url is required (a postgres:// connection URL)');
  }
  const maxConnections = options.maxConnections ?? DEFAULT_STORE_READER_OPTIONS.maxConnections;
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) {
    throw new StoreError('INVALID_OPTIONS', `createStoreReader: option maxConnections must be a positive integer, got ${String(maxConnections)}`);
  }
  const idleTimeoutSeconds = options.idleTimeoutSeconds ?? DEFAULT_STORE_READER_OPTIONS.idleTimeoutSeconds;
  const sql = postgres(options.url, {
    max: maxConnections,
    idle_timeout: idleTimeoutSeconds > 0 ? idleTimeoutSeconds : undefined,
    onnotice: () => {},
    connection: { default_transaction_read_only: true },
  });
  const db = drizzle(sql);
  let closed = false;

  async function run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError('CLOSED', `${operation} failed: the store reader is closed`);
    try {
      return await work();
    } catch (cause) {
      throw new StoreError('QUERY_FAILED', `${operation} failed: ${(cause as Error).message}`, { cause });
    }
  }

  return {
    async latestCandles(query) {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_LATEST_CANDLES) {
        throw new StoreError('INVALID_QUERY', `latestCandles failed: limit must be an integer from 1 to ${MAX_LATEST_CANDLES}, got ${String(query.limit)}`);
      }
      return run('latestCandles', async () => {
        // Newest first walks the primary key backwards from the end: cheap however long the series is.
        const rows = await db
          .select()
          .from(candles)
          .where(and(eq(candles.symbol, query.symbol), eq(candles.interval, query.interval)))
          .orderBy(desc(candles.openTime))
          .limit(query.limit);
        return rows.reverse().map(toCandleText);
      });
    },

    async latestOrderbookSnapshot(symbol) {
      return run('latestOrderbookSnapshot', async () => {
        const [row] = await db.select().from(orderbookData).where(eq(orderbookData.symbol, symbol)).orderBy(desc(orderbookData.time)).limit(1);
        if (row === undefined) return undefined;
        return { symbol: row.symbol, timestamp: row.timestamp, lastUpdateId: row.lastUpdateId, eventTime: row.eventTime, bids: row.bids, asks: row.asks };
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 5 });
    },
  };
}
