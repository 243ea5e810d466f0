import { type OrderbookInput, prepareOrderbook, type PreparedOrderbook, type Publisher } from '@collector/pubsub';
import type { Logger } from '@collector/service-kit';
import type { OrderbookSnapshotRecord, Store } from '@collector/store';
import type { Clock } from './grid.js';

/** The `collector_state.stream` of this collector. */
export const STATE_STREAM = 'orderbook';
/** Price levels (both sides, all pending snapshots) kept in memory at most while PostgreSQL is away. */
export const PENDING_LEVELS_BUDGET = 2_000_000;
/** How long snapshots are kept at most while PostgreSQL is away. */
export const PENDING_WINDOW_MS = 60_000;
/**
 * Snapshots published in one turn of the event loop. A tick's snapshots are rendered in slices, each sent while the
 * next is rendered, so the first ones reach Redis without waiting for the last, and stream frames are read between.
 */
export const PUBLISH_SLICE = 100;
/**
 * A tick's insert waits this long at most for Redis to take the tick's snapshots: PostgreSQL's work (rendering the
 * batch here, inserting it there) does not then compete for the CPU with their delivery. Bounded, so a Redis
 * outage delays the insert by no more than this.
 */
export const INSERT_AFTER_PUBLISH_MAX_MS = 100;
/**
 * Nor does a tick's insert start before this fraction of the grid step has passed since its grid time: once Redis has
 * taken the snapshots, the subscribers still read and parse them, and an insert of hundreds of books (its rendering
 * here, PostgreSQL parsing the numeric arrays there) running beside that delayed the last of them by tens of ms at 500
 * symbols on two cores. A quarter of a second on a 1 s grid costs the database nothing: inserts still finish well
 * inside the step.
 */
export const INSERT_AFTER_TICK_FRACTION = 0.25;
/** A symbol's `collector_state` row is rewritten at most this often (and on every change of `is_realtime`). */
export const STATE_EVERY_MS = 1_000;

/** What the writer publishes through; only present with REDIS_ENABLED. */
type LiveFeed = Pick<Publisher, 'publishOrderbook' | 'flush'>;

/** A snapshot as the publisher takes it. */
function toOrderbookInput(record: OrderbookSnapshotRecord): OrderbookInput {
  return {
    symbol: record.symbol,
    timestamp: record.timestamp,
    lastUpdateId: record.lastUpdateId,
    eventTime: record.eventTime ?? undefined,
    bids: record.bids,
    asks: record.asks,
  };
}

/** Hooks of the writer, for metrics. */
export interface WriterHooks {
  written(symbol: string, count: number): void;
  dropped(symbol: string): void;
  writeFailed(): void;
  writeDuration(ms: number): void;
  /** Redis acknowledged a grid time's snapshots `delayMs` after the grid time (or the insert stopped waiting for it). */
  published(delayMs: number): void;
}

/** Options of {@link createSnapshotWriter}. */
export interface SnapshotWriterOptions {
  store: Pick<Store, 'insertOrderbookSnapshots' | 'advanceStates'>;
  /** Absent when REDIS_ENABLED=false. */
  publisher: LiveFeed | undefined;
  symbols: readonly string[];
  levels: number;
  intervalMs: number;
  /** Pause after a failed insert before the next attempt, in ms. */
  retryDelayMs: number;
  hooks: WriterHooks;
  logger: Logger;
  clock?: Clock;
}

/** Publishes each grid time's snapshots, writes them in one insert and keeps `collector_state` current. */
export interface SnapshotWriter {
  /**
   * Renders a snapshot a coming grid time will most likely hand over, before that grid time: when `submit` brings a
   * snapshot of the same symbol, grid time and update id, it is only sent.
   */
  prepare(snapshot: OrderbookSnapshotRecord): void;
  /** Hands over one grid time's snapshots (all symbols that were in sync). */
  submit(snapshots: OrderbookSnapshotRecord[]): void;
  /** Sets a symbol's `is_realtime` (on a change only). */
  setRealtime(symbol: string, realtime: boolean): void;
  /** Snapshots not stored yet: queued, or in the insert that is running. */
  pending(): number;
  /** Whether the last insert succeeded (undefined before the first). */
  lastWriteOk(): boolean | undefined;
  /** Writes what is pending (one attempt, bounded by `timeoutMs`), then marks every symbol not realtime. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * The write path. A grid time's snapshots are published first, as soon as they are handed over (Redis is the live
 * feed), and the insert starts once they are on their way: subscribers never wait for PostgreSQL, and a database
 * outage does not touch the feed. All symbols of a grid time go in one `insertOrderbookSnapshots` (grid times that
 * queued up behind a slow insert go together in the next one); a failed insert is kept and
 * retried (merged with later grid times) after `retryDelayMs`, so a PostgreSQL outage of up to
 * {@link PENDING_WINDOW_MS} (fewer for very deep books, see {@link PENDING_LEVELS_BUDGET}) loses nothing; beyond
 * it the oldest snapshots are dropped and counted as skipped (`db_backlog`). Inserts are idempotent
 * (`ON CONFLICT (symbol, time) DO NOTHING`), so a retry after an ambiguous failure cannot duplicate rows. Every
 * snapshot is published exactly once, also those later dropped from the backlog.
 */
export function createSnapshotWriter(options: SnapshotWriterOptions): SnapshotWriter {
  const { store, publisher, hooks, logger } = options;
  const clock = options.clock ?? Date.now;
  const ticksKept = Math.ceil(PENDING_WINDOW_MS / options.intervalMs);
  const maxPending = Math.max(
    options.symbols.length,
    Math.min(ticksKept * options.symbols.length, Math.floor(PENDING_LEVELS_BUDGET / (2 * options.levels))),
  );
  let queue: OrderbookSnapshotRecord[] = [];
  /** Snapshots of the insert that is running. */
  let inFlight = 0;
  let writing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt = 0;
  let lastOk: boolean | undefined;
  let failures = 0;
  let closing = false;
  const lastWritten = new Map<string, number>();
  const realtime = new Map<string, boolean>();
  const stateDirty = new Set<string>();
  let stateFlush: Promise<void> | undefined;
  let stateForced = false;
  let stateFlushedAt = 0;
  /** Slices of ticks still to publish, oldest first, and whether a turn to publish them is scheduled. */
  const toPublish: OrderbookSnapshotRecord[][] = [];
  let publishScheduled = false;
  /** Grid-time batches handed over and not yet queued for the insert (they wait for their publication). */
  const toQueue: OrderbookSnapshotRecord[][] = [];
  let insertTimer: NodeJS.Timeout | undefined;
  /** Each symbol's snapshot rendered ahead of its grid time (see `prepare`). */
  const prepared = new Map<string, PreparedOrderbook>();

  function publishSlice(feed: LiveFeed, records: readonly OrderbookSnapshotRecord[]): void {
    for (const record of records) {
      const ready = prepared.get(record.symbol);
      // One update id is one state of the book, so the rendering made for it ahead is this snapshot's.
      if (ready !== undefined) prepared.delete(record.symbol);
      if (ready !== undefined && ready.timestamp === record.timestamp && ready.lastUpdateId === record.lastUpdateId) {
        feed.publishOrderbook(ready);
        continue;
      }
      try {
        feed.publishOrderbook(toOrderbookInput(record));
      } catch (error) {
        logger.error({ symbol: record.symbol, err: error }, 'snapshot not publishable');
      }
    }
  }

  /**
   * One slice per turn: the publisher sends what a turn queued in its next turn (setImmediate), so slice k goes out
   * while slice k+1 is rendered. Once Redis has taken a tick's snapshots (or after {@link INSERT_AFTER_PUBLISH_MAX_MS}),
   * and {@link INSERT_AFTER_TICK_FRACTION} of a step after its grid time, its insert is queued.
   */
  function publishTurn(feed: LiveFeed): void {
    publishScheduled = false;
    const slice = toPublish.shift();
    if (slice !== undefined) publishSlice(feed, slice);
    if (toPublish.length > 0) return schedulePublish(feed);
    const gridTime = slice?.[0]?.timestamp ?? clock();
    void feed.flush(INSERT_AFTER_PUBLISH_MAX_MS).then(() => {
      hooks.published(clock() - gridTime);
      queueAfterTick(gridTime);
    });
  }

  function schedulePublish(feed: LiveFeed): void {
    if (publishScheduled) return;
    publishScheduled = true;
    setImmediate(() => publishTurn(feed));
  }

  /** Queues the insert of what was handed over, once {@link INSERT_AFTER_TICK_FRACTION} of a step is past `gridTime`. */
  function queueAfterTick(gridTime: number): void {
    const wait = gridTime + INSERT_AFTER_TICK_FRACTION * options.intervalMs - clock();
    if (wait <= 0 || closing) return queueForInsert();
    // A timer still pending is for an earlier grid time: it queues this tick's batch too.
    insertTimer ??= setTimeout(queueForInsert, wait);
  }

  function queueForInsert(): void {
    clearTimeout(insertTimer);
    insertTimer = undefined;
    for (const batch of toQueue.splice(0)) queue.push(...batch);
    trim();
    kick();
  }

  /**
   * Brings `collector_state` up to date for the dirty symbols, off the insert path: one flush at a time, at most every
   * {@link STATE_EVERY_MS} unless forced, every dirty row in one statement (`advanceStates`: never backwards), so
   * thousands of symbols cost one round trip a second rather than one each.
   */
  function flushStates(force: boolean): Promise<void> {
    if (stateFlush) {
      if (force) stateForced = true;
      return stateFlush;
    }
    if (!force && clock() - stateFlushedAt < STATE_EVERY_MS) return Promise.resolve();
    const due = [...stateDirty].filter((s) => lastWritten.has(s));
    if (due.length === 0) return Promise.resolve();
    for (const s of due) stateDirty.delete(s);
    stateFlushedAt = clock();
    stateFlush = (async () => {
      try {
        await store.advanceStates(
          due.map((symbol) => ({ symbol, stream: STATE_STREAM, lastTimestamp: lastWritten.get(symbol) as number, isRealtime: realtime.get(symbol) ?? false })),
        );
      } catch (error) {
        for (const symbol of due) stateDirty.add(symbol);
        logger.warn({ failed: due.length, err: error }, 'collector_state update failed; retried with the next write');
      }
    })().finally(() => {
      stateFlush = undefined;
      if (stateForced) {
        stateForced = false;
        void flushStates(true);
      }
    });
    return stateFlush;
  }

  async function writeOnce(): Promise<void> {
    const batch = queue;
    queue = [];
    inFlight = batch.length;
    const started = clock();
    try {
      await store.insertOrderbookSnapshots(batch);
    } catch (error) {
      inFlight = 0;
      hooks.writeFailed();
      lastOk = false;
      failures++;
      // One line per outage, then one every 10 failures: a down database must not flood the log.
      if (failures === 1 || failures % 10 === 0) {
        logger.error({ err: error, snapshots: batch.length, failures, retryInMs: options.retryDelayMs }, 'snapshot insert failed; keeping them for the next attempt');
      }
      queue = batch.concat(queue);
      trim();
      retryAt = clock() + options.retryDelayMs;
      return;
    }
    inFlight = 0;
    hooks.writeDuration(clock() - started);
    if (lastOk === false) logger.info({ snapshots: batch.length, failures }, 'snapshot inserts work again');
    lastOk = true;
    failures = 0;
    const counts = new Map<string, number>();
    for (const record of batch) {
      counts.set(record.symbol, (counts.get(record.symbol) ?? 0) + 1);
      if (record.timestamp > (lastWritten.get(record.symbol) ?? -1)) lastWritten.set(record.symbol, record.timestamp);
      stateDirty.add(record.symbol);
    }
    for (const [symbol, count] of counts) hooks.written(symbol, count);
    void flushStates(false);
  }

  function trim(): void {
    const excess = queue.length - maxPending;
    if (excess <= 0) return;
    const dropped = queue.splice(0, excess);
    for (const record of dropped) hooks.dropped(record.symbol);
    logger.warn({ dropped: excess, kept: queue.length }, 'PostgreSQL unavailable for too long; dropped the oldest pending snapshots');
  }

  function kick(): void {
    if (writing || closing || queue.length === 0) return;
    const wait = retryAt - clock();
    if (wait > 0) {
      if (!retryTimer) {
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          kick();
        }, wait);
      }
      return;
    }
    writing = writeOnce().finally(() => {
      writing = undefined;
      kick();
    });
  }

  return {
    prepare(snapshot) {
      if (publisher === undefined || closing) return;
      try {
        prepared.set(snapshot.symbol, prepareOrderbook(toOrderbookInput(snapshot)));
      } catch {
        // Left to the grid time, which renders it again and logs why it cannot be published.
        prepared.delete(snapshot.symbol);
      }
    },
    submit(snapshots) {
      if (closing || snapshots.length === 0) return;
      toQueue.push(snapshots);
      if (publisher === undefined) return queueForInsert();
      for (let i = 0; i < snapshots.length; i += PUBLISH_SLICE) toPublish.push(snapshots.slice(i, i + PUBLISH_SLICE));
      // The first slice goes now, in the tick's own turn (unless earlier ticks are still being published, in order).
      if (!publishScheduled) publishTurn(publisher);
    },
    setRealtime(symbol, value) {
      if (realtime.get(symbol) === value) return;
      realtime.set(symbol, value);
      stateDirty.add(symbol);
      void flushStates(true);
    },
    pending: () => queue.length + inFlight + toQueue.reduce((n, batch) => n + batch.length, 0),
    lastWriteOk: () => lastOk,
    async close(timeoutMs) {
      closing = true;
      clearTimeout(retryTimer);
      clearTimeout(insertTimer);
      retryTimer = undefined;
      let deadlineTimer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        deadlineTimer = setTimeout(resolve, timeoutMs);
      });
      // What is still being published is published now, and joins the final insert.
      if (publisher !== undefined) for (const slice of toPublish.splice(0)) publishSlice(publisher, slice);
      for (const batch of toQueue.splice(0)) queue.push(...batch);
      const final = (async () => {
        while (writing) await writing;
        if (queue.length > 0) await writeOnce();
        for (const symbol of options.symbols) {
          realtime.set(symbol, false);
          stateDirty.add(symbol);
        }
        while (stateFlush) await stateFlush;
        await flushStates(true);
      })();
      await Promise.race([final, deadline]);
      clearTimeout(deadlineTimer);
      for (const record of queue) hooks.dropped(record.symbol);
      if (queue.length > 0) logger.warn({ dropped: queue.length }, 'snapshots not written at shutdown');
      queue = [];
    },
  };
}
