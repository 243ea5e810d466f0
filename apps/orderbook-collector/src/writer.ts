import type { Publisher } from '@collector/pubsub';
import type { Logger } from '@collector/service-kit';
import type { OrderbookSnapshotRecord, Store } from '@collector/store';
import type { Clock } from './grid.js';

/** The `collector_state.stream` of this collector. */
export const STATE_STREAM = 'orderbook';
/** Price levels (both sides, all pending snapshots) kept in memory at most while PostgreSQL is away. */
export const PENDING_LEVELS_BUDGET = 2_000_000;
/** How long snapshots are kept at most while PostgreSQL is away. */
export const PENDING_WINDOW_MS = 60_000;
/** A snapshot is published at the latest this long after its batch was handed over, even if its insert still hangs. */
export const PUBLISH_DEADLINE_MS = 1_000;
/** A symbol's `collector_state` row is rewritten at most this often (and on every change of `is_realtime`). */
export const STATE_EVERY_MS = 1_000;
/** State rows written at once: few, so the pool keeps connections for the snapshot inserts. */
const STATE_WRITE_CONCURRENCY = 2;

/** Hooks of the writer, for metrics. */
export interface WriterHooks {
  written(symbol: string, count: number): void;
  dropped(symbol: string): void;
  writeFailed(): void;
  writeDuration(ms: number): void;
}

/** Options of {@link createSnapshotWriter}. */
export interface SnapshotWriterOptions {
  store: Pick<Store, 'insertOrderbookSnapshots' | 'setState'>;
  /** Absent when REDIS_ENABLED=false. */
  publisher: Pick<Publisher, 'publishOrderbook'> | undefined;
  symbols: readonly string[];
  levels: number;
  intervalMs: number;
  /** Pause after a failed insert before the next attempt, in ms. */
  retryDelayMs: number;
  hooks: WriterHooks;
  logger: Logger;
  clock?: Clock;
}

/** Writes each grid time's snapshots in one insert, publishes them and keeps `collector_state` current. */
export interface SnapshotWriter {
  /** Hands over one grid time's snapshots (all symbols that were in sync). */
  submit(snapshots: OrderbookSnapshotRecord[]): void;
  /** Sets a symbol's `is_realtime` (on a change only). */
  setRealtime(symbol: string, realtime: boolean): void;
  /** Snapshots waiting for PostgreSQL. */
  pending(): number;
  /** Whether the last insert succeeded (undefined before the first). */
  lastWriteOk(): boolean | undefined;
  /** Writes what is pending (one attempt, bounded by `timeoutMs`), then marks every symbol not realtime. */
  close(timeoutMs: number): Promise<void>;
}

interface Pending {
  record: OrderbookSnapshotRecord;
  published: boolean;
}

/**
 * The write path. All symbols of a grid time go in one `insertOrderbookSnapshots`; a failed insert is kept and
 * retried (merged with later grid times) after `retryDelayMs`, so a PostgreSQL outage of up to
 * {@link PENDING_WINDOW_MS} (fewer for very deep books, see {@link PENDING_LEVELS_BUDGET}) loses nothing; beyond
 * it the oldest snapshots are dropped and counted as skipped (`db_backlog`). Inserts are idempotent
 * (`ON CONFLICT (symbol, time) DO NOTHING`), so a retry after an ambiguous failure cannot duplicate rows.
 *
 * Publishing follows the first insert attempt of a snapshot, successful or not (Redis is the live feed, PostgreSQL
 * the record), or {@link PUBLISH_DEADLINE_MS} after hand-over if that attempt hangs: every snapshot is published
 * exactly once, and a database outage does not stall the feed.
 */
export function createSnapshotWriter(options: SnapshotWriterOptions): SnapshotWriter {
  const { store, publisher, hooks, logger } = options;
  const clock = options.clock ?? Date.now;
  const ticksKept = Math.ceil(PENDING_WINDOW_MS / options.intervalMs);
  const maxPending = Math.max(
    options.symbols.length,
    Math.min(ticksKept * options.symbols.length, Math.floor(PENDING_LEVELS_BUDGET / (2 * options.levels))),
  );
  let queue: Pending[] = [];
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
  const publishTimers = new Set<NodeJS.Timeout>();

  function publish(items: readonly Pending[]): void {
    if (publisher === undefined) return;
    for (const item of items) {
      if (item.published) continue;
      item.published = true;
      const { record } = item;
      try {
        publisher.publishOrderbook({
          symbol: record.symbol,
          timestamp: record.timestamp,
          lastUpdateId: record.lastUpdateId,
          eventTime: record.eventTime ?? undefined,
          bids: record.bids,
          asks: record.asks,
        });
      } catch (error) {
        logger.error({ symbol: record.symbol, err: error }, 'snapshot not publishable');
      }
    }
  }

  /**
   * Brings `collector_state` up to date for the dirty symbols, off the insert path: one flush at a time, at most every
   * {@link STATE_EVERY_MS} unless forced, with few connections, so inserts never queue behind hundreds of state rows.
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
      let next = 0;
      let failed = 0;
      let firstError: unknown;
      const worker = async (): Promise<void> => {
        while (next < due.length) {
          const symbol = due[next++] as string;
          try {
            await store.setState({ symbol, stream: STATE_STREAM, lastTimestamp: lastWritten.get(symbol) as number, isRealtime: realtime.get(symbol) ?? false });
          } catch (error) {
            failed++;
            firstError ??= error;
            stateDirty.add(symbol);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(STATE_WRITE_CONCURRENCY, due.length) }, worker));
      if (failed > 0) logger.warn({ failed, err: firstError }, 'collector_state update failed; retried with the next write');
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
    const started = clock();
    try {
      await store.insertOrderbookSnapshots(batch.map((p) => p.record));
    } catch (error) {
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
      publish(batch);
      return;
    }
    hooks.writeDuration(clock() - started);
    if (lastOk === false) logger.info({ snapshots: batch.length, failures }, 'snapshot inserts work again');
    lastOk = true;
    failures = 0;
    const counts = new Map<string, number>();
    for (const { record } of batch) {
      counts.set(record.symbol, (counts.get(record.symbol) ?? 0) + 1);
      if (record.timestamp > (lastWritten.get(record.symbol) ?? -1)) lastWritten.set(record.symbol, record.timestamp);
      stateDirty.add(record.symbol);
    }
    for (const [symbol, count] of counts) hooks.written(symbol, count);
    publish(batch);
    void flushStates(false);
  }

  function trim(): void {
    const excess = queue.length - maxPending;
    if (excess <= 0) return;
    const dropped = queue.splice(0, excess);
    for (const { record } of dropped) hooks.dropped(record.symbol);
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
    submit(snapshots) {
      if (closing || snapshots.length === 0) return;
      const items = snapshots.map((record) => ({ record, published: false }));
      queue.push(...items);
      trim();
      const timer = setTimeout(() => {
        publishTimers.delete(timer);
        publish(items);
      }, PUBLISH_DEADLINE_MS);
      publishTimers.add(timer);
      kick();
    },
    setRealtime(symbol, value) {
      if (realtime.get(symbol) === value) return;
      realtime.set(symbol, value);
      stateDirty.add(symbol);
      void flushStates(true);
    },
    pending: () => queue.length,
    lastWriteOk: () => lastOk,
    async close(timeoutMs) {
      closing = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      let deadlineTimer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        deadlineTimer = setTimeout(resolve, timeoutMs);
      });
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
      for (const timer of publishTimers) clearTimeout(timer);
      publishTimers.clear();
      publish(queue);
      for (const { record } of queue) hooks.dropped(record.symbol);
      if (queue.length > 0) logger.warn({ dropped: queue.length }, 'snapshots not written at shutdown');
      queue = [];
    },
  };
}
