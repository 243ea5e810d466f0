import { randomBytes } from 'node:crypto';
import type { CandleUpdate } from '@collector/candle';
import type { DecimalInput } from '@collector/decimal';
import type { Redis } from 'ioredis';
import { channelName, type ChannelKind } from './channels.js';
import { checkTarget, connect, describeTarget, type RedisTarget } from './connection.js';
import { PubsubError } from './errors.js';
import { SILENT_LOGGER, type PubsubLogger } from './logger.js';
import { MESSAGE_VERSION, orderbookBodyJson, PreparedCandles, PreparedOrderbook, prepareCandles, toCandleBody, type CandleBody, type OrderbookInput } from './messages.js';

/** Options of {@link createPublisher}. */
export interface PublisherOptions extends RedisTarget {
  /** Prefix of every channel name, to share one Redis between deployments. @default '' */
  channelPrefix?: string;
  /** Updates kept while Redis is away; past this the oldest are dropped. @default 10000 */
  maxQueue?: number;
  /** Updates sent in one Redis call (one script call, or one pipeline) at most. @default 500 */
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

/** Script arguments of one update (see {@link PUBLISH_ALL_SCRIPT}). */
const UPDATE_ARGS = 5;

/** Batches awaiting their replies at most; beyond, updates wait in the bounded queue. */
const MAX_PIPELINES_IN_FLIGHT = 8;

/**
 * Publishes each update of ARGV, in order: an update is five arguments, its symbol channel and that channel's
 * envelope, the `all` channel and its envelope, then the body both share, so the body crosses to Redis once. One
 * command per batch instead of two PUBLISHes per update: under bursts the client-side command objects of a thousand
 * PUBLISHes live long enough to be promoted, and they were most of the collector's old-generation garbage.
 */
const PUBLISH_ALL_SCRIPT = `for i = 1, #ARGV, ${UPDATE_ARGS} do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1] .. ARGV[i + 4])
  redis.call('PUBLISH', ARGV[i + 2], ARGV[i + 3] .. ARGV[i + 4])
end
return #ARGV / ${UPDATE_ARGS}`;

/** The command {@link PUBLISH_ALL_SCRIPT} defines. */
interface ScriptCommands {
  publishAll(...updateArgs: string[]): Promise<number>;
}

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
  publishCandle(candle: CandleUpdate<DecimalInput>): void;
  /**
   * Queues a batch of candles and starts sending at once: the batch goes out in pipelined round trips of up to
   * `batchSize` updates. Every candle is checked first; an invalid one throws and nothing of the batch is queued.
   * A {@link PreparedCandles} was checked and rendered by `prepareCandles` already, and is only sent.
   */
  publishCandles(candles: readonly CandleUpdate<DecimalInput>[] | PreparedCandles): void;
  /**
   * Queues a snapshot for `orderbook:SYMBOL` and `orderbook:all`. Throws only for an invalid snapshot. A
   * {@link PreparedOrderbook} was validated and rendered by `prepareOrderbook` already, and is only sent.
   */
  publishOrderbook(snapshot: OrderbookInput | PreparedOrderbook): void;
  /** Current counters. */
  stats(): PublisherStats;
  /** Resolves when the queue is empty (or after `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes what it can within `timeoutMs`, then disconnects. */
  close(timeoutMs?: number): Promise<void>;
}

/** A channel a publisher writes to. */
interface ChannelState {
  name: string;
  /** Sequence number of the channel's last message (0 before the first). */
  seq: number;
}

/**
 * One update for its symbol channel and its `all` channel. Each channel's payload is its envelope followed by the
 * shared rest of the body (the same JSON as JSON.stringify({ v, seq, publisher, ...body })); the two are joined
 * where they are sent, by Redis where it runs the publish script.
 */
interface QueuedUpdate {
  symbolChannel: string;
  symbolEnvelope: string;
  allChannel: string;
  allEnvelope: string;
  /** The body's JSON after its opening brace. */
  rest: string;
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
  /** Each channel's name and the sequence number of its last message, by kind and symbol (or `all`). */
  const channels: Record<ChannelKind, Map<string, ChannelState>> = { candles: new Map(), orderbook: new Map() };
  const queue: QueuedUpdate[] = [];
  let published = 0;
  let dropped = 0;
  /** Batches sent and not yet answered. */
  let inFlight = 0;
  let useScript = true;
  let scheduled = false;
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
  if (!connection.sharded) connection.client.defineCommand('publishAll', { numberOfKeys: 0, lua: PUBLISH_ALL_SCRIPT });
  redis.on('error', (error: Error) => {
    if (!reportedOutage) {
      reportedOutage = true;
      logger.warn({ redis: target, err: error.message }, 'redis unavailable; publishing is queued and may drop');
    }
  });
  redis.on('ready', () => {
    if (reportedOutage) logger.info({ redis: target }, 'redis reconnected');
    reportedOutage = false;
    drain();
  });

  /** The channel of `kind` for `symbol` (or `all`): its name is built once, not per message. */
  function channelOf(kind: ChannelKind, symbol: string): ChannelState {
    const known = channels[kind].get(symbol);
    if (known !== undefined) return known;
    const state = { name: channelName(kind, symbol, settings.channelPrefix), seq: 0 };
    channels[kind].set(symbol, state);
    return state;
  }

  function enqueue(kind: ChannelKind, body: CandleBody): void {
    enqueueJson(kind, body.symbol, JSON.stringify(body));
  }

  /** Queues a body (the JSON of an object) for the symbol's channel of `kind` and its `all` channel. */
  function enqueueJson(kind: ChannelKind, symbol: string, bodyJson: string): void {
    const symbolChannel = channelOf(kind, symbol);
    const allChannel = channelOf(kind, 'all');
    queue.push({
      symbolChannel: symbolChannel.name,
      symbolEnvelope: envelope(symbolChannel),
      allChannel: allChannel.name,
      allEnvelope: envelope(allChannel),
      rest: bodyJson.slice(1),
    });
    if (queue.length > settings.maxQueue) {
      queue.shift();
      dropped++;
    }
  }

  /** The envelope fields of the channel's next message, as the start of a JSON object. */
  function envelope(channel: ChannelState): string {
    return `{"v":${MESSAGE_VERSION},"seq":${++channel.seq},"publisher":"${publisherId}",`;
  }

  /** Sends soon: updates queued in the same turn of the event loop share a round trip. */
  function scheduleDrain(): void {
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        drain();
      });
    }
  }

  function checkOpen(): void {
    if (closed) throw new PubsubError('CLOSED', 'publisher is closed');
  }

  function notifyIfDrained(): void {
    if (queue.length > 0 || inFlight > 0) return;
    for (const resolve of drainedWaiters) resolve();
    drainedWaiters.clear();
  }

  /**
   * Publishes a batch of updates in order. On one server: one script call, or a pipeline of PUBLISH commands where
   * the server refuses scripts (an ACL without `@scripting`). On a cluster: SPUBLISH per message, auto-pipelined per
   * node (a script may only touch one shard's channels). Resolves whether every message was sent; rejects when the
   * connection failed.
   */
  function send(batch: readonly QueuedUpdate[]): Promise<boolean> {
    if (connection.sharded) {
      const client = connection.client;
      const sent: Promise<unknown>[] = [];
      for (const update of batch) {
        sent.push(client.spublish(update.symbolChannel, update.symbolEnvelope + update.rest));
        sent.push(client.spublish(update.allChannel, update.allEnvelope + update.rest));
      }
      return Promise.allSettled(sent).then((results) => results.every((result) => result.status === 'fulfilled'));
    }
    const client = connection.client;
    if (useScript) {
      const args: string[] = [];
      for (const update of batch) args.push(update.symbolChannel, update.symbolEnvelope, update.allChannel, update.allEnvelope, update.rest);
      return (client as Redis & ScriptCommands).publishAll(...args).then(
        () => true,
        (error: unknown) => {
          // A reply error is the server refusing the script itself; anything else is the connection.
          if ((error as { name?: unknown }).name !== 'ReplyError') throw error;
          useScript = false;
          logger.warn({ redis: target, err: (error as Error).message }, 'redis refused the publish script; publishing message by message');
          return send(batch);
        },
      );
    }
    const pipeline = client.pipeline();
    for (const update of batch) {
      pipeline.publish(update.symbolChannel, update.symbolEnvelope + update.rest);
      pipeline.publish(update.allChannel, update.allEnvelope + update.rest);
    }
    return pipeline.exec().then((results) => !(results?.some(([error]) => error) ?? true));
  }

  /**
   * Sends what is queued, in batches of `batchSize` updates. A batch does not wait for the previous one's reply:
   * they share one connection, so Redis receives them in order anyway, and a burst costs one round trip rather
   * than one per batch.
   */
  function drain(): void {
    while (queue.length > 0 && redis.status === 'ready' && inFlight < MAX_PIPELINES_IN_FLIGHT) {
      const batch = queue.splice(0, settings.batchSize);
      inFlight++;
      send(batch)
        .then(
          (sent) => {
            if (sent) published += batch.length;
            else dropped += batch.length;
          },
          () => {
            // The connection went away mid-flight: the fate of this batch is unknown, count it lost.
            dropped += batch.length;
          },
        )
        .finally(() => {
          inFlight--;
          drain();
        });
    }
    notifyIfDrained();
  }

  async function flush(timeoutMs = 2_000): Promise<void> {
    if (queue.length === 0 && inFlight === 0) return;
    drain();
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
      checkOpen();
      enqueue('candles', toCandleBody(candle));
      scheduleDrain();
    },
    publishCandles(candles) {
      checkOpen();
      const prepared = candles instanceof PreparedCandles ? candles : prepareCandles(candles);
      for (let i = 0; i < prepared.length; i++) enqueueJson('candles', prepared.symbols[i] as string, prepared.bodiesJson[i] as string);
      // The batch is complete: nothing is gained by waiting for more.
      drain();
    },
    publishOrderbook(snapshot) {
      checkOpen();
      if (snapshot instanceof PreparedOrderbook) enqueueJson('orderbook', snapshot.symbol, snapshot.bodyJson);
      else enqueueJson('orderbook', snapshot.symbol, orderbookBodyJson(snapshot));
      scheduleDrain();
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
