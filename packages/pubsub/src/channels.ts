/** The four channel families. */
export type ChannelKind = 'candles' | 'orderbook';

/**
 * Channel name for one symbol or for all symbols: `candles:BTCUSDT`, `candles:all`.
 * `prefix` namespaces several deployments (or test runs) on one Redis.
 */
export function channelName(kind: ChannelKind, symbol: string | 'all', prefix = ''): string {
  return `${prefix}${kind}:${symbol}`;
}
