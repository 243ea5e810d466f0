import { BinanceClientError, ResponseFormatError } from '../errors.js';
import { isCandleInterval } from '@collector/candle';
import { checkBookOrder, fail, int, isRecord, lazyDec, levels, parseJsonBody, str, textLevels } from '../parse.js';
import type { DepthDiffEvent, KlineEvent, MarketEvent, PartialDepthEvent, PartialDepthFrame } from '../stream-events.js';
import { describeStream, type StreamDescriptor } from './names.js';

/** Context of errors about a frame whose stream is not known yet. */
const FRAME = 'stream frame';
/** How every combined-stream event frame of the exchange begins: the stream name comes first. */
const STREAM_FRAME_START = '{"stream":"';

/** What one text frame of a combined-stream connection was. @internal */
export type StreamFrame =
  | { kind: 'event'; event: MarketEvent }
  /** Reply to a control message: `{"result":…,"id":…}`. */
  | { kind: 'reply'; id: unknown; result: unknown }
  /** Error reply to a control message: `{"code":…,"msg":…,"id":…}`. */
  | { kind: 'errorReply'; id: unknown; code: number; msg: string }
  /** `{"e":"serverShutdown","E":…}` or `{"stream":"!serverShutdown","data":{…}}`. */
  | { kind: 'serverShutdown'; eventTime: number | undefined }
  /** A well-formed frame of a stream this client does not type; dropped. */
  | { kind: 'other'; stream: string }
  /** A partial-depth push left unparsed (`deferPartialDepth`). */
  | { kind: 'partialDepthFrame'; frame: PartialDepthFrame };

function optionalTime(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function parseKline(stream: string, d: StreamDescriptor & { type: 'kline' }, data: Record<string, unknown>, receivedAt: number): KlineEvent {
  const c = `stream ${stream}`;
  if (data.e !== 'kline') fail(c, `e is ${JSON.stringify(data.e)}, expected "kline"`);
  const eventTime = int(c, 'E', data.E);
  const k = data.k;
  if (!isRecord(k)) fail(c, 'k is not an object');
  const symbol = str(c, 'k.s', k.s);
  if (symbol.toUpperCase() !== d.symbol) fail(c, `k.s ${JSON.stringify(symbol)} is not the stream's symbol`);
  const interval = str(c, 'k.i', k.i);
  if (!isCandleInterval(interval) || interval !== d.interval) fail(c, `k.i ${JSON.stringify(interval)} is not the stream's interval`);
  const openTime = int(c, 'k.t', k.t);
  const closeTime = int(c, 'k.T', k.T);
  if (closeTime < openTime) fail(c, 'k.T before k.t');
  const trades = int(c, 'k.n', k.n);
  if (trades < 0) fail(c, 'k.n is negative');
  if (typeof k.x !== 'boolean') fail(c, 'k.x is not a boolean');
  return {
    type: 'kline',
    stream,
    eventTime,
    receivedAt,
    kline: {
      symbol,
      interval,
      openTime,
      closeTime,
      open: lazyDec(c, 'k.o', k.o),
      high: lazyDec(c, 'k.h', k.h),
      low: lazyDec(c, 'k.l', k.l),
      close: lazyDec(c, 'k.c', k.c),
      volume: lazyDec(c, 'k.v', k.v),
      quoteVolume: lazyDec(c, 'k.q', k.q),
      takerBuyVolume: lazyDec(c, 'k.V', k.V),
      takerBuyQuoteVolume: lazyDec(c, 'k.Q', k.Q),
      trades,
      isClosed: k.x,
    },
  };
}

function parseDepthDiff(stream: string, d: StreamDescriptor & { type: 'depthDiff' }, data: Record<string, unknown>, receivedAt: number): DepthDiffEvent {
  const c = `stream ${stream}`;
  if (data.e !== 'depthUpdate') fail(c, `e is ${JSON.stringify(data.e)}, expected "depthUpdate"`);
  const symbol = str(c, 's', data.s);
  if (symbol.toUpperCase() !== d.symbol) fail(c, `s ${JSON.stringify(symbol)} is not the stream's symbol`);
  const firstUpdateId = int(c, 'U', data.U);
  const finalUpdateId = int(c, 'u', data.u);
  if (finalUpdateId < firstUpdateId) fail(c, 'u is less than U');
  return {
    type: 'depthDiff',
    stream,
    symbol,
    eventTime: int(c, 'E', data.E),
    receivedAt,
    firstUpdateId,
    finalUpdateId,
    bids: levels(c, 'b', data.b),
    asks: levels(c, 'a', data.a),
  };
}

function parsePartialDepth(
  stream: string,
  d: StreamDescriptor & { type: 'partialDepth' },
  data: Record<string, unknown>,
  receivedAt: number,
): PartialDepthEvent {
  const c = `stream ${stream}`;
  const lastUpdateId = int(c, 'lastUpdateId', data.lastUpdateId);
  // Partial depth is stored and published as it came: its numbers stay checked text, and the order is checked on
  // the text too, so a push costs no Decimal at all.
  const bids = textLevels(c, 'bids', data.bids);
  const asks = textLevels(c, 'asks', data.asks);
  checkBookOrder(c, bids, asks);
  return { type: 'partialDepth', stream, symbol: d.symbol, levels: d.levels, receivedAt, lastUpdateId, bids, asks };
}

/**
 * Parses the payload of stream `stream` into a typed event, checking every field before anything is built.
 * Returns undefined for a stream this client does not type.
 * @throws {ResponseFormatError} naming the stream and the field.
 * @internal
 */
export function parseStreamEvent(stream: string, data: unknown, receivedAt: number): MarketEvent | undefined {
  const d = describeStream(stream);
  if (!d) return undefined;
  if (!isRecord(data)) fail(`stream ${stream}`, 'data is not an object');
  switch (d.type) {
    case 'kline':
      return parseKline(stream, d, data, receivedAt);
    case 'depthDiff':
      return parseDepthDiff(stream, d, data, receivedAt);
    case 'partialDepth':
      return parsePartialDepth(stream, d, data, receivedAt);
  }
}

/**
 * Classifies and parses one text frame of a combined-stream connection (`/stream?streams=…`).
 * A malformed frame throws; nothing of it is used.
 * @throws {ResponseFormatError} naming the stream (when known) and the field.
 * @internal
 */
export function parseStreamFrame(text: string, receivedAt: number): StreamFrame {
  const body = parseJsonBody(FRAME, text);
  if (!isRecord(body)) fail(FRAME, 'not a JSON object');
  if (typeof body.stream === 'string') {
    const { stream, data } = body;
    if (stream === '!serverShutdown') return { kind: 'serverShutdown', eventTime: isRecord(data) ? optionalTime(data.E) : undefined };
    const event = parseStreamEvent(stream, data, receivedAt);
    return event ? { kind: 'event', event } : { kind: 'other', stream };
  }
  if (body.e === 'serverShutdown') return { kind: 'serverShutdown', eventTime: optionalTime(body.E) };
  if ('id' in body) {
    if ('result' in body) return { kind: 'reply', id: body.id, result: body.result };
    // The docs show `{"code","msg","id"}`; servers have also been seen nesting it as `{"error":{"code","msg"},"id"}`.
    const error = isRecord(body.error) ? body.error : body;
    if (typeof error.code === 'number') return { kind: 'errorReply', id: body.id, code: error.code, msg: typeof error.msg === 'string' ? error.msg : '' };
  }
  throw new ResponseFormatError(`${FRAME} failed: malformed response: neither a stream event nor a reply (keys ${Object.keys(body).slice(0, 5).join(',')})`);
}

/**
 * What a frame's parser threw, as the `error` event carries it: a thrown non-client error (a bug, not the frame's
 * fault) still becomes a ResponseFormatError, so the frame is refused rather than taking the connection down.
 * @internal
 */
export function frameError(error: unknown): BinanceClientError {
  return error instanceof BinanceClientError ? error : new ResponseFormatError(`${FRAME} failed: malformed response: ${String(error)}`, { cause: error });
}

class DeferredPartialDepth implements PartialDepthFrame {
  readonly type = 'partialDepthFrame';
  private result: { event: PartialDepthEvent } | { error: BinanceClientError } | undefined;

  constructor(
    private text: string,
    readonly stream: string,
    readonly symbol: string,
    readonly levels: number,
    readonly receivedAt: number,
  ) {}

  parse(): PartialDepthEvent {
    this.result ??= this.parseOnce();
    if ('error' in this.result) throw this.result.error;
    return this.result.event;
  }

  private parseOnce(): { event: PartialDepthEvent } | { error: BinanceClientError } {
    const text = this.text;
    // The text is not needed any more, whatever the outcome.
    this.text = '';
    try {
      const frame = parseStreamFrame(text, this.receivedAt);
      // Only a frame with two "stream" keys can name another stream than the one it was routed by.
      if (frame.kind !== 'event' || frame.event.type !== 'partialDepth' || frame.event.stream !== this.stream) fail(`stream ${this.stream}`, 'the frame names two streams');
      return { event: frame.event };
    } catch (error) {
      return { error: frameError(error) };
    }
  }
}

/**
 * Routes a partial-depth push without parsing it: reads only the stream name at the start of the frame. Anything else
 * (another stream, a reply, a name with escapes, text that is not a combined-stream frame) returns undefined and is
 * parsed as usual by {@link parseStreamFrame}.
 * @internal
 */
export function deferPartialDepthFrame(text: string, receivedAt: number): PartialDepthFrame | undefined {
  if (!text.startsWith(STREAM_FRAME_START)) return undefined;
  const end = text.indexOf('"', STREAM_FRAME_START.length);
  if (end === -1) return undefined;
  const stream = text.slice(STREAM_FRAME_START.length, end);
  // A name with a JSON escape in it fails the stream grammar, so the name read here is the one JSON.parse reads.
  const d = describeStream(stream);
  if (d?.type !== 'partialDepth') return undefined;
  return new DeferredPartialDepth(text, stream, d.symbol, d.levels, receivedAt);
}
