import { parseDecimal } from '@collector/decimal';
import type { DepthLevel, DepthSnapshot } from '../parse.js';
import type { DepthDiffEvent } from '../stream-events.js';

/**
 * Builders shared by the order-book tests (not exported from the package).
 * @internal
 */
export function levels(pairs: readonly (readonly [string, string])[]): DepthLevel[] {
  return pairs.map(([p, q]) => [parseDecimal(p), parseDecimal(q)]);
}

/** A diff event for `symbol` covering update ids U..u. @internal */
export function diff(
  U: number,
  u: number,
  bids: readonly (readonly [string, string])[] = [],
  asks: readonly (readonly [string, string])[] = [],
  symbol = 'BTCUSDT',
  eventTime = 1_700_000_000_000 + u,
): DepthDiffEvent {
  return {
    type: 'depthDiff',
    stream: `${symbol.toLowerCase()}@depth@100ms`,
    symbol,
    eventTime,
    receivedAt: eventTime,
    firstUpdateId: U,
    finalUpdateId: u,
    bids: levels(bids),
    asks: levels(asks),
  };
}

/** A snapshot at `lastUpdateId`; levels best first. @internal */
export function snapshot(
  lastUpdateId: number,
  bids: readonly (readonly [string, string])[],
  asks: readonly (readonly [string, string])[],
): DepthSnapshot {
  return { lastUpdateId, bids: levels(bids), asks: levels(asks) };
}

/** A raw `depthUpdate` payload (as on the wire) turned into the typed event, the way the stream parser does. @internal */
export function fromWire(stream: string, data: Record<string, unknown>, receivedAt = 0): DepthDiffEvent {
  const side = (v: unknown): DepthLevel[] => (v as [string, string][]).map(([p, q]) => [parseDecimal(p), parseDecimal(q)]);
  return {
    type: 'depthDiff',
    stream,
    symbol: data.s as string,
    eventTime: data.E as number,
    receivedAt,
    firstUpdateId: data.U as number,
    finalUpdateId: data.u as number,
    bids: side(data.b),
    asks: side(data.a),
  };
}

/** A raw REST depth body turned into the typed snapshot. @internal */
export function snapshotFromWire(body: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }): DepthSnapshot {
  return { lastUpdateId: body.lastUpdateId, bids: levels(body.bids), asks: levels(body.asks) };
}
