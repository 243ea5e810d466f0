import type { BinanceClient, DepthSnapshot } from '@collector/binance-client';
import type { Logger } from '@collector/service-kit';
import type { Clock } from '../grid.js';
import type { BookRead, BookSource } from './types.js';

/** Options of {@link createPollSource}. */
export interface PollSourceOptions {
  client: Pick<BinanceClient, 'depth'>;
  symbols: readonly string[];
  levels: number;
  intervalMs: number;
  logger: Logger;
  clock?: Clock;
}

/**
 * Poll mode: at every grid time, `GET /api/v3/depth?limit=N` for every symbol (any N in 1..5000 is allowed since
 * 2022; weight 5/25/50/250 by N), through the client's shared weight limiter, retries and 429/418 handling.
 *
 * Stale: a symbol whose request failed (after the client's retries), whose response did not arrive before the next
 * grid time, or whose previous request is still running, is skipped for that grid time.
 */
export function createPollSource(options: PollSourceOptions): BookSource {
  const { client, symbols, levels, intervalMs, logger } = options;
  const clock = options.clock ?? Date.now;
  const inFlight = new Set<string>();
  const lastReceived = new Map<string, number>();
  const lastOk = new Map<string, boolean>();
  let stopped = false;

  async function fetchOne(symbol: string): Promise<BookRead> {
    if (inFlight.has(symbol)) return { ok: false, reason: 'busy' };
    inFlight.add(symbol);
    let snapshot: DepthSnapshot;
    try {
      snapshot = await client.depth({ symbol, limit: levels });
    } catch (error) {
      if (!stopped) logger.warn({ symbol, err: error }, 'depth request failed');
      lastOk.set(symbol, false);
      return { ok: false, reason: 'fetch_failed' };
    } finally {
      inFlight.delete(symbol);
    }
    lastReceived.set(symbol, clock());
    lastOk.set(symbol, true);
    return { ok: true, book: { lastUpdateId: snapshot.lastUpdateId, eventTime: null, bids: snapshot.bids.slice(0, levels), asks: snapshot.asks.slice(0, levels) } };
  }

  return {
    mode: 'poll',
    async start() {},
    async read(gridTime) {
      const deadline = gridTime + intervalMs;
      const results = new Map<string, BookRead>();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - clock()));
      });
      await Promise.race([
        Promise.all(symbols.map(async (s) => results.set(s, await fetchOne(s)))),
        late,
      ]);
      clearTimeout(timer);
      // A response after the deadline belongs to no grid time: the next one has its own request.
      return new Map(symbols.map((s) => [s, results.get(s) ?? { ok: false, reason: 'fetch_late' }]));
    },
    isLive: (symbol) => lastOk.get(symbol) === true,
    lastReceivedAt: (symbol) => lastReceived.get(symbol),
    async stop() {
      stopped = true;
    },
  };
}
