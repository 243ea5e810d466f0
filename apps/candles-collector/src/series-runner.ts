import { type CandleSeries, candlesBetween } from '@collector/candle';
import { backfillSeries, loadSeriesProgress } from './backfill.js';
import { writeProgress } from './candle-sink.js';
import type { CollectorContext } from './context.js';
import type { ExchangeClock } from './exchange-clock.js';
import { LiveRouter, openStreamFeed, type StreamFeed } from './live-feed.js';
import { startPollFeed } from './poll-feed.js';
import { type SeriesProgress, seriesId, stateRowOf } from './progress.js';
import { catchUp, fetchClosedRange } from './repair.js';
import { pause, untilDone } from './retry.js';

/** Series whose history loads at the same time; the client's weight budget paces them further. */
const HISTORY_CONCURRENCY = 8;
/** How often live series are checked for candles that should be final by now. */
const FINALITY_CHECK_INTERVAL_MS = 1_000;

/** Runs the series this replica collects: each one's history, then live, started and stopped one by one. */
export interface SeriesRunner {
  /** Starts collecting `keys` (streams held, history, then live); series already running are left alone. */
  start(keys: readonly CandleSeries[]): Promise<void>;
  /** Stops collecting `keys`: streams, history and repairs stop; what is stored, and the state, stay. */
  stop(keys: readonly CandleSeries[]): Promise<void>;
  /** The series running now. */
  running(): CandleSeries[];
  /** True while the streams are connected (or none are used). */
  connected(): boolean;
  /** Resolves once every series started so far has finished its history (one-shot runs wait for it). */
  historiesDone(): Promise<void>;
  /** Stops everything (shutdown). */
  close(): Promise<void>;
}

interface RunningSeries {
  key: CandleSeries;
  /** Aborts this series' work alone (handed over), or with the service. */
  abort: AbortController;
  ctx: CollectorContext;
  history: Promise<void>;
  live: boolean;
}

/** A counting semaphore: at most `limit` holders at once, served in order. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Creates the runner. In stream mode one set of connections carries every running series' stream; each series
 * subscribes when it starts and unsubscribes when it stops. Finality checks and gap scans run over the live ones.
 */
export async function createSeriesRunner(ctx: CollectorContext, clock: ExchangeClock): Promise<SeriesRunner> {
  const { config, logger, progress, metrics, store } = ctx;
  const oneShot = config.endTime !== undefined;
  const series = new Map<string, RunningSeries>();
  const router = new LiveRouter(ctx);
  const repairing = new Set<string>();
  const historySlot = limiter(HISTORY_CONCURRENCY);

  const repairSeries = async (key: CandleSeries, graceMs: number, reason: string): Promise<void> => {
    const running = series.get(seriesId(key));
    const state = progress.get(seriesId(key));
    if (!running || !state || repairing.has(seriesId(key))) return;
    repairing.add(seriesId(key));
    try {
      await catchUp(running.ctx, state, clock.now() - graceMs, reason);
    } finally {
      repairing.delete(seriesId(key));
    }
  };

  const feed: StreamFeed | undefined = !oneShot && config.realtimeMode === 'stream' ? await openStreamFeed(ctx, router, clock, (key) => repairSeries(key, 0, 'reconnect')) : undefined;

  const scanGaps = async (key: CandleSeries): Promise<void> => {
    const running = series.get(seriesId(key));
    const state = progress.get(seriesId(key));
    if (!running || !state || key.interval === '1M' || running.abort.signal.aborted) return;
    const gaps = await store.findCandleGaps({ ...key, from: config.startTime, to: state.contiguousUntil });
    for (const gap of gaps) {
      if (running.abort.signal.aborted) return;
      logger.warn({ ...key, from: new Date(gap.from).toISOString(), missing: gap.missing }, 'hole in stored candles; fetching it');
      await fetchClosedRange(running.ctx, state, { from: gap.from, to: gap.to, tailIsFinal: true, reason: 'gap-scan' });
    }
    const known = await store.listKnownGaps(key);
    metrics.knownGaps.set(key, known.reduce((sum, g) => sum + candlesBetween(key.interval, g.from, g.to), 0));
  };

  const loadHistory = async (running: RunningSeries): Promise<void> => {
    const { key, ctx: own } = running;
    const state = await loadSeriesProgress(own, key);
    // Binance trouble beyond the client's retries pauses the series; it resumes from what is stored.
    await untilDone(() => backfillSeries(own, state, config.endTime), { what: `history of ${key.symbol} ${key.interval}`, retryDelayMs: config.retryDelayMs, signal: own.signal, logger });
    if (own.signal.aborted) return;
    // Nothing left, also when there was nothing to fetch (a series taken over from a replica that kept it current).
    metrics.backfillRemaining.set(key, 0);
    progress.set(seriesId(key), state);
    if (oneShot) return;
    await catchUp(own, state, clock.now(), 'hand-over');
    await writeProgress(store, state, { ...config, signal: own.signal, logger, metrics }, { isRealtime: true });
    if (own.signal.aborted) return;
    router.release(key);
    running.live = true;
    logger.info(key, 'series is live');
  };

  /** Runs the history of a registered series (in its turn), then its first gap scan; a failure retries later. */
  const run = (running: RunningSeries): void => {
    const { key, ctx: own } = running;
    running.history = historySlot(async () => {
      for (let attempt = 1; !own.signal.aborted; attempt++) {
        try {
          await loadHistory(running);
          // The first scan reads the whole stored history; live updates need not wait for it.
          if (!oneShot) await scanGaps(key);
          return;
        } catch (error) {
          if (own.signal.aborted) return;
          logger.error({ err: error, ...key, attempt }, 'series failed; starting it again');
          await pause(Math.min(30_000, config.retryDelayMs * 10 * attempt), own.signal);
        }
      }
    });
  };

  const stopOne = (key: CandleSeries): RunningSeries | undefined => {
    const id = seriesId(key);
    const running = series.get(id);
    if (!running) return undefined;
    series.delete(id);
    running.abort.abort();
    router.drop(key);
    progress.delete(id);
    // A series collected elsewhere now has no lag or backlog here.
    metrics.lagSeconds.remove(key);
    metrics.backfillRemaining.remove(key);
    metrics.knownGaps.remove(key);
    return running;
  };

  /**
   * `is_realtime` says a replica follows the series live now, as the order book collector's rows do: a series this
   * replica stops (a shutdown, or a hand-over) is marked so, in one statement, before its lease goes to another
   * replica, whose hand-over marks it live again. One attempt: a stop must not wait on a database that is away.
   */
  const markNotRealtime = async (states: SeriesProgress[]): Promise<void> => {
    if (states.length === 0) return;
    try {
      await store.advanceStates(states.map((state) => stateRowOf(state, false)));
    } catch (error) {
      logger.warn({ err: error, series: states.length }, 'marking stopped series not realtime failed');
    }
  };

  const timers: NodeJS.Timeout[] = [];
  let scanning: Promise<void> | undefined;
  // Declared before the poll feed: its loop asks for the live keys at once, before its first await.
  const liveKeys = (): CandleSeries[] => [...series.values()].filter((s) => s.live).map((s) => s.key);
  const pollFeed = !oneShot && config.realtimeMode === 'poll' ? startPollFeed(ctx, liveKeys) : undefined;
  if (!oneShot) {
    timers.push(
      setInterval(() => {
        for (const key of liveKeys()) void repairSeries(key, config.finalityGraceMs, 'finality').catch((error: unknown) => logger.error({ err: error, ...key }, 'finality check failed'));
      }, FINALITY_CHECK_INTERVAL_MS),
      setInterval(() => {
        // A scan slower than the interval is not started twice.
        if (scanning) return;
        scanning = (async () => {
          for (const key of liveKeys()) await scanGaps(key);
        })()
          .catch((error: unknown) => logger.error({ err: error }, 'gap scan failed'))
          .finally(() => {
            scanning = undefined;
          });
      }, config.gapScanIntervalMs),
    );
  }

  return {
    async start(keys) {
      const fresh: RunningSeries[] = [];
      for (const key of keys) {
        if (series.has(seriesId(key))) continue;
        const abort = new AbortController();
        const running: RunningSeries = { key, abort, ctx: { ...ctx, signal: AbortSignal.any([ctx.signal, abort.signal]) }, history: Promise.resolve(), live: false };
        series.set(seriesId(key), running);
        router.hold(key);
        fresh.push(running);
      }
      if (fresh.length === 0) return;
      // Subscribed before any history starts, so the hand-over sees the updates from before its end.
      await feed?.add(fresh.map((s) => s.key)).catch((error: unknown) => {
        if (!ctx.signal.aborted) logger.warn({ err: error }, 'subscribing streams failed; the finality checks fill in over REST');
      });
      for (const running of fresh) if (!running.abort.signal.aborted) run(running);
    },
    async stop(keys) {
      // Taken before stopOne forgets them.
      const wasLive = keys.flatMap((key) => (series.get(seriesId(key))?.live ? (progress.get(seriesId(key)) ?? []) : []));
      const stopped = keys.map(stopOne).filter((s): s is RunningSeries => s !== undefined);
      if (stopped.length === 0) return;
      await feed?.remove(stopped.map((s) => s.key)).catch((error: unknown) => logger.warn({ err: error }, 'unsubscribing streams failed'));
      await Promise.all(stopped.map((s) => s.history));
      await markNotRealtime(wasLive);
    },
    running: () => [...series.values()].map((s) => s.key),
    connected: () => feed?.connected() ?? true,
    async historiesDone() {
      for (;;) {
        const pending = [...series.values()].map((s) => s.history);
        await Promise.all(pending);
        if ([...series.values()].every((s) => pending.includes(s.history))) return;
      }
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const running of series.values()) running.abort.abort();
      await feed?.close();
      await pollFeed?.close();
    },
  };
}
