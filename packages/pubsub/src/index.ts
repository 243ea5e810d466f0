export { createPublisher, DEFAULT_PUBLISHER_OPTIONS, type Publisher, type PublisherOptions, type PublisherStats } from './publisher.js';
export { createSubscriber, type Subscriber, type SubscriberOptions, type Subscription, type ReceivedMessage } from './subscriber.js';
export { channelName, type ChannelKind } from './channels.js';
export type { RedisClusterNode, RedisTarget } from './connection.js';
export {
  MESSAGE_VERSION,
  type OrderbookInput,
  PreparedCandles,
  prepareCandles,
  PreparedOrderbook,
  prepareOrderbook,
  type CandleMessage,
  type OrderbookMessage,
  type PubsubMessage,
} from './messages.js';
export { PubsubError, type PubsubErrorCode } from './errors.js';
export type { PubsubLogger } from './logger.js';
export type { DecimalInput } from '@collector/decimal';
