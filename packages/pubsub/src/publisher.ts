import { randomBytes } from 'node:crypto';
import { channelName, type ChannelKind } from './channels.js';
import { checkTarget, connect, describeTarget, type RedisTarget } from './connection.js';
import { PubsubError } from './errors.js';
import { SILENT_LOGGER, type PubsubLogger } from './logger.js';
import {
  MESSAGE_VERSION,
  toCandleBody,
  toOrderbookBody,
  type CandleBody,
  type CandleInput,
  type OrderbookBody,
  type OrderbookInput,
} from './messages.js';

/** Options of {@link createPublisher}. */
export interface PublisherOptions extends RedisTarget {
  /** Prefix of every channel name, to share one Redis between deployments. @default '' */
  channelPrefix?: string;
  /** Updates kept while Redis is away; past this the oldest are dropped. @default 10000 */
  maxQueue?: number;
  /** Updates sent in one pipelined round trip at most. @default 500 */
  batchSize?: number;
  /** First reconnect delay in ms, doubled per attempt. @default 100 */
  reconnectDelayMs?: number;
  /** Longest reconnect delay in ms. @default 5000 */
  maxReconnectDelayMs?: number;
  /** pino-compatible logger. @default silent */
  logger?: PubsubLogger;
}

/** Defaults of {@link PublisherOptions}. */
export const DEFAULT_PUBLISHER_OPTIONS = {
  channelPrefix: '',
  maxQueue: 10_000,
  batchSize: 500,
  reconnectDelayMs: 100,
  maxReconnectDelayMs: 5_000,
} as const;

/** Counters of a publisher. */
export interface PublisherStats {
  /** Updates delivered to Redis (each reaches its symbol channel and the `all` channel). */
  published: number;
  /** Updates dropped because Redis was away and the queue was full, or lost in a failed round trip. */
  dropped: number;
  /** Updates waiting for Redis. */
  queued: number;
  /** Whether Redis is connected now. */
  connected: boolean;
}

/** Publishes candles and order book snapshots; never blocks or throws for Redis trouble. */
export interface Publisher {
  /** Queues a candle for `candles:SYMBOL` and `candles:all`. Throws only for an invalid candle. */
  publishCandle(candle: CandleInput): void;
  /** Queues a snapshot for `orderbook:SYMBOL` and `orderbook:all`. Throws only for an invalid snapshot. */
  publishOrderbook(snapshot: OrderbookInput): void;
  /** Current counters. */
  stats(): PublisherStats;
  /** Resolves when the queue is empty (or after `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes what it can within `timeoutMs`, then disconnects. */
  close(timeoutMs?: number): Promise<void>;
}

interface QueuedUpdate {
  /** Pairs of channel and JSON payload, sent together. */
  messages: [channel: string, payload: string][];
}

/**
 * Creates a Redis publisher with a bounded queue: collection never waits for Redis.
 * @example
 * const publisher = createPublisher({ url: 'redis://127.0.0.1:6379' });
 * publisher.publishCandle(candle);
 */
export function createPublisher(options: PublisherOptions): Publisher {
  if (!options) throw new PubsubError('INVALID_OPTIONS', 'createPublisher needs options');
  checkTarget(options, 'createPublisher');
  const settings = { ...DEFAULT_PUBLISHER_OPTIONS, ...options };
  if (!Number.isInteger(settings.maxQueue) || settings.maxQueue < 1) {
    throw new PubsubError('INVALID_OPTIONS', `option "maxQueue" must be a positive integer, got ${settings.maxQueue}`);
  }
  const logger = options.logger ?? SILENT_LOGGER;
  const publisherId = randomBytes(6).toString('hex');
  const sequences = new Map<string, number>();
  const queue: QueuedUpdate[] = [];
  let published = 0;
  let dropped = 0;
  let flushing = false;
  let closed = false;
  let reportedOutage = false;
  const drainedWaiters = new Set<() => void>();

  const target = describeTarget(options);
  const connection = connect(
    options,
    {
      // Our own bounded queue replaces ioredis' unbounded offline queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(settings.reconnectDelayMs * 2 ** Math.min(attempt, 16), settings.maxReconnectDelayMs),
    },
    // A cluster pipeline may only hold one slot's keys; auto-pipelining batches each node's commands instead.
    { enableAutoPipelining: true },
  );
  const redis = connection.client;
  redis.on('error', (error: Error) => {
    if (!reportedOutage) {
      reportedOutage = true;
      logger.warn({ redis: target, err: error.message }, 'redis unavailable; publishing is queued and may drop');
    }
  });
  redis.on('ready', () => {
    if (reportedOutage) logger.info({ redis: target }, 'redis reconnected');
    reportedOutage = false;
    void drain();
  });

  function nextSeq(channel: string): number {
    const seq = (sequences.get(channel) ?? 0) + 1;
    sequences.set(channel, seq);
    return seq;
  }

  function enqueue(kind: ChannelKind, body: CandleBody | OrderbookBody): void {
    if (closed) throw new PubsubError('CLOSED', 'publisher is closed');
    const messages = [channelName(kind, body.symbol, settings.channelPrefix), channelName(kind, 'all', settings.channelPrefix)].map(
      (channel): [string, string] => [
        channel,
        JSON.stringify({ v: MESSAGE_VERSION, seq: nextSeq(channel), publisher: publisherId, ...body }),
      ],
    );
    queue.push({ messages });
    if (queue.length > settings.maxQueue) {
      queue.shift();
      dropped++;
    }
    if (!flushing) setImmediate(() => void drain());
  }

  function notifyIfDrained(): void {
    if (queue.length > 0) return;
    for (const resolve of drainedWaiters) resolve();
    drainedWaiters.clear();
  }

  /** Sends one batch in one round trip per node; false when any message may be lost. */
  async function send(batch: QueuedUpdate[]): Promise<boolean> {
    try {
      if (connection.sharded) {
        const results = await Promise.allSettled(batch.flatMap((u) => u.messages.map(([channel, payload]) => connection.client.spublish(channel, payload))));
        return results.every((result) => result.status === 'fulfilled');
      }
      const pipeline = connection.client.pipeline();
      for (const update of batch) for (const [channel, payload] of update.messages) pipeline.publish(channel, payload);
      const results = await pipeline.exec();
      return results?.every(([error]) => !error) ?? false;
    } catch {
      // The connection went away mid-flight: the fate of this batch is unknown, count it lost.
      return false;
    }
  }

  async function drain(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0 && redis.status === 'ready') {
        const batch = queue.splice(0, settings.batchSize);
        if (await send(batch)) published += batch.length;
        else dropped += batch.length;
      }
    } finally {
      flushing = false;
      notifyIfDrained();
    }
  }

  async function flush(timeoutMs = 2_000): Promise<void> {
    if (queue.length === 0 && !flushing) return;
    void drain();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        drainedWaiters.delete(done);
        resolve();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      drainedWaiters.add(done);
    });
  }

  return {
    publishCandle(candle) {
      enqueue('candles', toCandleBody(candle));
    },
    publishOrderbook(snapshot) {
      enqueue('orderbook', toOrderbookBody(snapshot));
    },
    stats() {
      return { published, dropped, queued: queue.length, connected: redis.status === 'ready' };
    },
    flush,
    async close(timeoutMs = 2_000) {
      if (closed) return;
      await flush(timeoutMs);
      closed = true;
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
