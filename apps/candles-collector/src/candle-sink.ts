import type { Candle, CandleUpdate } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import { type PreparedCandles, prepareCandles, type Publisher } from '@collector/pubsub';
import type { Logger } from '@collector/service-kit';
import type { Store } from '@collector/store';
import type { CollectorContext } from './context.js';
import type { CandlesMetrics } from './metrics.js';
import { type SeriesProgress, seriesId, stateRowOf } from './progress.js';
import { untilDone } from './retry.js';
import { StateLane } from './state-lane.js';
import { YoungGenerationCollector } from './young-gc.js';

/** Candles per commit; bounds memory when the database was away for a while (the store's chunk size). */
const MAX_BATCH = 5000;
/**
 * Commits in flight at once. A burst of stream updates (every series closing its candle in the same second) is
 * shared among them (see `batchLimit`), and a part of it read a tick later need not wait for the first commit's
 * round trip.
 */
const MAX_CONCURRENT_COMMITS = 4;

/** Updates per publish call; see {@link CandleSink.publish}. */
const PUBLISH_PART = 50;

/** Resolves in the check phase of this turn of the event loop, after what was queued before it. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Options of {@link CandleSink}: the collector's shared parts it writes with. */
export type CandleSinkOptions = Pick<CollectorContext, 'store' | 'metrics' | 'logger' | 'signal' | 'progress' | 'now'> & {
  publisher: Publisher | undefined;
  retryDelayMs: number;
};

/** A part of a batch and its messages, rendered ahead of its publication. */
interface RenderedPart {
  candles: CandleUpdate<Decimal>[];
  messages: PreparedCandles;
}

const candleId = (c: Candle<Decimal>): string => `${c.symbol}|${c.interval}|${c.openTime}`;

/**
 * The one live write path, for open and closed candles alike. A batch is one upsert statement, however many series it
 * holds (a burst is shared among the commits that may run, each a statement); only once it is stored is the batch
 * published (its messages rendered while it is stored), sent to Redis in parts of 50, so a subscriber that receives a
 * final candle can read it from `candles` at once. The state rows of the series that moved follow on their own lane
 * ({@link StateLane}), one statement for all of them. While commits are in flight new updates collect, so batches grow
 * with load and a database outage costs memory per candle, not per update. Commits run concurrently only for different
 * series, so the updates of one series are stored and published in order.
 */
export class CandleSink {
  private readonly pending = new Map<string, CandleUpdate<Decimal>>();
  /** Series ids with a commit in flight. */
  private readonly committing = new Set<string>();
  /** Per series id, the newest candle seen final: an open update of it or of an older candle is stale. */
  private readonly finalUntil = new Map<string, number>();
  /** Candle ids of the closed candles in a commit that is running (stored ones are known to the series' progress). */
  private readonly finalsInFlight = new Set<string>();
  private running: Promise<void> | undefined;
  /** Wakes the drain loop when a commit is done, or when updates arrive while it waits. */
  private wake: (() => void) | undefined;
  private waking = false;

  private readonly states: StateLane;
  private readonly youngGc = new YoungGenerationCollector();

  constructor(private readonly options: CandleSinkOptions) {
    this.states = new StateLane(options);
  }

  /**
   * Queues an update (`eventTime`: the stream's `E`, absent for REST); the latest version of a candle wins, and a
   * closed version is never replaced by an open one.
   */
  offer(kline: Candle<Decimal>, eventTime?: number): void {
    const series = seriesId(kline);
    const id = candleId(kline);
    const storedFinal = this.options.progress.get(series)?.hasClosed(kline.openTime) === true;
    if (kline.isClosed) {
      // Final already, stored or being stored: a repair, a finality check or a repeated delivery brings nothing new,
      // and publishing it again would tell subscribers twice that the candle closed.
      if (storedFinal || this.finalsInFlight.has(id)) return;
      if (kline.openTime > (this.finalUntil.get(series) ?? Number.NEGATIVE_INFINITY)) this.finalUntil.set(series, kline.openTime);
    } else if (storedFinal || kline.openTime <= (this.finalUntil.get(series) ?? Number.NEGATIVE_INFINITY)) {
      // A late open update (a replaced connection delivers twice): storing it is a no-op, publishing it a lie.
      return;
    }
    if (this.pending.get(id)?.isClosed && !kline.isClosed) return;
    this.pending.set(id, eventTime === undefined ? kline : { ...kline, eventTime });
    if (this.running) this.nudge();
    else {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
  }

  /** Open time of the newest candle of the series (`seriesId`) offered final; undefined before the first. */
  newestFinal(series: string): number | undefined {
    return this.finalUntil.get(series);
  }

  /** Resolves once everything offered before the call is written, state rows included (or the sink is aborted). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
    await this.states.flushed();
  }

  /** Lets the drain loop take new updates once the offers of the current tick are in. */
  private nudge(): void {
    if (this.waking) return;
    this.waking = true;
    setImmediate(() => {
      this.waking = false;
      this.wake?.();
    });
  }

  private async drain(): Promise<void> {
    // Let the offers of the current tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const active = new Set<Promise<void>>();
    let abandoned = false;
    for (;;) {
      while (!abandoned && active.size < MAX_CONCURRENT_COMMITS) {
        const batch = this.takeBatch(this.batchLimit(MAX_CONCURRENT_COMMITS - active.size));
        if (batch.length === 0) break;
        const series = new Set(batch.map((update) => seriesId(update)));
        for (const id of series) this.committing.add(id);
        for (const update of batch) if (update.isClosed) this.finalsInFlight.add(candleId(update));
        const commit: Promise<void> = this.write(batch)
          .catch((error: unknown) => {
            // Only shutdown ends the retries: keep what was not written for the final flush.
            abandoned = true;
            for (const update of batch) {
              // A newer version offered meanwhile wins, unless this one is final and it is not.
              const newer = this.pending.get(candleId(update));
              if (!newer || (update.isClosed && !newer.isClosed)) this.pending.set(candleId(update), update);
            }
            this.options.logger.error({ err: error, pending: this.pending.size }, 'candle write abandoned at shutdown');
          })
          .finally(() => {
            for (const id of series) this.committing.delete(id);
            for (const update of batch) if (update.isClosed) this.finalsInFlight.delete(candleId(update));
            active.delete(commit);
            this.wake?.();
          });
        active.add(commit);
      }
      if (active.size === 0) {
        // Everything offered is stored and published: what the batches allocated is garbage now.
        this.youngGc.idle();
        return;
      }
      // Until a commit is done or new updates are in.
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /**
   * How many pending updates the next commit takes when `freeSlots` commits may still start: an equal share of what
   * is pending (at least {@link PUBLISH_PART}, at most {@link MAX_BATCH}). A burst is then stored by as many
   * PostgreSQL backends at once: 400 updates of one second (200 closes and the 200 new candles) in one statement
   * took one backend 10-13 ms, against 4-8 for 200.
   */
  private batchLimit(freeSlots: number): number {
    return Math.min(MAX_BATCH, Math.max(PUBLISH_PART, Math.ceil(this.pending.size / freeSlots)));
  }

  /** Up to `limit` pending updates, oldest first, of series with no commit in flight. */
  private takeBatch(limit: number): CandleUpdate<Decimal>[] {
    const batch: CandleUpdate<Decimal>[] = [];
    for (const [id, update] of this.pending) {
      if (this.committing.has(seriesId(update))) continue;
      batch.push(update);
      this.pending.delete(id);
      if (batch.length === limit) break;
    }
    return batch;
  }

  private async write(batch: CandleUpdate<Decimal>[]): Promise<void> {
    const { store, metrics, logger, retryDelayMs, signal, progress } = this.options;
    const started = performance.now();
    const stored = untilDone(() => store.upsertCandles(batch), {
      what: 'candle upsert',
      retryDelayMs,
      signal,
      logger,
      onFailure: () => metrics.writeFailures.inc(),
    });
    // Awaited below; a failure while the messages are rendered is not an unhandled rejection meanwhile.
    stored.catch(() => {});
    // Rendered while PostgreSQL stores the batch, so that once it is stored publishing only sends. Not before the
    // next turn: the statement leaves in this turn's microtasks (postgres.js sends on the promise's `then`).
    if (this.options.publisher) await nextTurn();
    const messages = this.render(batch);
    await stored;
    const commitMs = performance.now() - started;
    // Stored, so a subscriber of what follows can read it.
    await this.publish(messages);
    const now = this.options.now();
    for (const candle of batch) {
      const { symbol, interval, eventTime } = candle;
      metrics.candlesWritten.inc({ symbol, interval });
      if (eventTime !== undefined) metrics.lagSeconds.set({ symbol, interval }, Math.max(0, now - eventTime) / 1000);
      if (!candle.isClosed) continue;
      const series = progress.get(seriesId(candle));
      if (series?.markClosed(candle.openTime)) this.states.mark(series);
    }
    logger.debug({ candles: batch.length, commitMs: Math.round(commitMs) }, 'candle batch stored and published');
  }

  /** The batch's messages, in parts of {@link PUBLISH_PART} (none without a publisher). */
  private render(batch: CandleUpdate<Decimal>[]): RenderedPart[] {
    const { publisher, logger } = this.options;
    const parts: RenderedPart[] = [];
    if (!publisher) return parts;
    for (let from = 0; from < batch.length; from += PUBLISH_PART) {
      const part = batch.slice(from, from + PUBLISH_PART);
      try {
        parts.push({ candles: part, messages: prepareCandles(part) });
      } catch (error) {
        // The store accepts only what the publisher accepts, and it checks more: this would be a bug.
        logger.error({ err: error, candles: part.length }, 'candle batch not publishable');
      }
    }
    return parts;
  }

  /**
   * Publishes a stored batch's parts, each in a turn of its own: Redis hands a part's messages to the subscribers
   * once it has run the whole part, so the subscribers already read the first part while Redis runs the next (two
   * cores, three processes), instead of waiting for all of it. Resolves once every part is handed to the
   * publisher's connection.
   */
  private async publish(parts: RenderedPart[]): Promise<void> {
    const { publisher, metrics } = this.options;
    if (!publisher) return;
    for (const { candles, messages } of parts) {
      publisher.publishCandles(messages);
      // The publisher's client writes what a turn queued at the end of it (ioredis pipelines at setImmediate).
      await nextTurn();
      for (const { symbol, interval } of candles) metrics.updatesPublished.inc({ symbol, interval });
    }
  }
}

/** Writes a series' complete prefix to `collector_state`, retrying like any other write. */
export async function writeProgress(
  store: Store,
  series: SeriesProgress,
  options: { retryDelayMs: number; signal: AbortSignal; logger: Logger; metrics: CandlesMetrics },
  extra: { isRealtime?: boolean } = {},
): Promise<void> {
  await untilDone(
    () => store.setState(stateRowOf(series, extra.isRealtime)),
    { what: 'state write', retryDelayMs: options.retryDelayMs, signal: options.signal, logger: options.logger, onFailure: () => options.metrics.writeFailures.inc() },
  );
}

