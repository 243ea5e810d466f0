import { channelName } from './channels.js';
import { checkTarget, connect, describeTarget, type RedisTarget } from './connection.js';
import { PubsubError } from './errors.js';
import { SILENT_LOGGER, type PubsubLogger } from './logger.js';
import { MESSAGE_VERSION, type PubsubMessage } from './messages.js';

/** Options of {@link createSubscriber}. */
export interface SubscriberOptions extends RedisTarget {
  /** Prefix the publisher uses. @default '' */
  channelPrefix?: string;
  /** pino-compatible logger. @default silent */
  logger?: PubsubLogger;
}

/** What to listen to: symbols, or `'all'` for the `:all` channel. */
export interface Subscription {
  candles?: readonly string[] | 'all';
  orderbook?: readonly string[] | 'all';
}

/** One received message. */
export interface ReceivedMessage {
  /** Channel without the prefix, e.g. `candles:BTCUSDT`. */
  channel: string;
  message: PubsubMessage;
  /** Messages of this channel that were not received before this one (0 when none). */
  missed: number;
}

/** A Redis subscriber yielding typed messages. */
export interface Subscriber {
  /** Subscribes and returns an async iterator of messages (ends on `close()`). */
  subscribe(subscription: Subscription): Promise<AsyncIterableIterator<ReceivedMessage>>;
  /** Messages that could not be read (not JSON, unknown version). */
  invalidCount(): number;
  close(): Promise<void>;
}

function isMessage(value: unknown): value is PubsubMessage {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<PubsubMessage>;
  return (
    candidate.v === MESSAGE_VERSION &&
    (candidate.type === 'candle' || candidate.type === 'orderbook') &&
    typeof candidate.seq === 'number' &&
    typeof candidate.symbol === 'string'
  );
}

/**
 * Creates a subscriber for the feeds a publisher writes.
 * @example
 * const subscriber = createSubscriber({ url: 'redis://127.0.0.1:6379' });
 * for await (const { message } of await subscriber.subscribe({ candles: ['BTCUSDT'] })) console.log(message.close);
 */
export function createSubscriber(options: SubscriberOptions): Subscriber {
  if (!options) throw new PubsubError('INVALID_OPTIONS', 'createSubscriber needs options');
  checkTarget(options, 'createSubscriber');
  const prefix = options.channelPrefix ?? '';
  const logger = options.logger ?? SILENT_LOGGER;
  // On a cluster, one subscriber connection per master: each shard channel is read where it lives.
  const connection = connect(options, { lazyConnect: true }, { shardedSubscribers: true });
  const redis = connection.client;
  redis.on('error', (error: Error) => logger.warn({ redis: describeTarget(options), err: error.message }, 'redis subscriber error'));
  const buffered: ReceivedMessage[] = [];
  const waiting: ((result: IteratorResult<ReceivedMessage>) => void)[] = [];
  const lastSeen = new Map<string, { publisher: string; seq: number }>();
  let invalid = 0;
  let closed = false;

  const onMessage = (fullChannel: string, payload: string): void => {
    const channel = fullChannel.slice(prefix.length);
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      invalid++;
      return;
    }
    if (!isMessage(message)) {
      invalid++;
      return;
    }
    const previous = lastSeen.get(channel);
    const missed = previous && previous.publisher === message.publisher ? Math.max(0, message.seq - previous.seq - 1) : 0;
    lastSeen.set(channel, { publisher: message.publisher, seq: message.seq });
    const received = { channel, message, missed };
    const resolve = waiting.shift();
    if (resolve) resolve({ value: received, done: false });
    else buffered.push(received);
  };
  redis.on(connection.sharded ? 'smessage' : 'message', onMessage);

  function channelsOf(subscription: Subscription): string[] {
    const channels: string[] = [];
    for (const kind of ['candles', 'orderbook'] as const) {
      const wanted = subscription[kind];
      if (wanted === undefined) continue;
      if (wanted === 'all') channels.push(channelName(kind, 'all', prefix));
      else for (const symbol of wanted) channels.push(channelName(kind, symbol, prefix));
    }
    if (channels.length === 0) throw new PubsubError('INVALID_OPTIONS', 'subscribe needs at least one channel');
    return channels;
  }

  const iterator: AsyncIterableIterator<ReceivedMessage> = {
    next() {
      const ready = buffered.shift();
      if (ready) return Promise.resolve({ value: ready, done: false });
      if (closed) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    for (const resolve of waiting.splice(0)) resolve({ value: undefined, done: true });
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }

  return {
    async subscribe(subscription) {
      if (closed) throw new PubsubError('CLOSED', 'subscriber is closed');
      const channels = channelsOf(subscription);
      if (redis.status === 'wait') await redis.connect();
      // Shard channels of different slots cannot share one SSUBSCRIBE.
      if (connection.sharded) await Promise.all(channels.map((channel) => connection.client.ssubscribe(channel)));
      else await connection.client.subscribe(...channels);
      return iterator;
    },
    invalidCount: () => invalid,
    close,
  };
}
