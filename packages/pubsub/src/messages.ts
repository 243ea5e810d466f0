import { type CandleText, type CandleUpdate, isCandleInterval } from '@collector/candle';
import { decimalSourceText, type DecimalInput, formatDecimal, isDecimal, normalizeDecimalString } from '@collector/decimal';
import { PubsubError } from './errors.js';

/** Version of the JSON payload; bumped on an incompatible change. */
export const MESSAGE_VERSION = 1;

/** An order book snapshot to publish. */
export interface OrderbookInput {
  symbol: string;
  /** Snapshot time on the collector's clock, epoch ms. */
  timestamp: number;
  lastUpdateId: number;
  /** Exchange event time of the last applied update, epoch ms, when known. */
  eventTime?: number;
  /** Best (highest) first. */
  bids: readonly (readonly [DecimalInput, DecimalInput])[];
  /** Best (lowest) first. */
  asks: readonly (readonly [DecimalInput, DecimalInput])[];
}

interface Envelope {
  /** Payload version, {@link MESSAGE_VERSION}. */
  v: number;
  /** Per-channel sequence number, 1, 2, 3… for one publisher. */
  seq: number;
  /** Random id of the publishing process: a new id means the sequence restarted. */
  publisher: string;
}

/**
 * A candle as published: the candle's fields with every number an exact decimal string in canonical form, times
 * in ms; `isFinal` in place of `isClosed`, and the update's exchange event time when known.
 */
export interface CandleMessage extends Envelope, Omit<CandleText, 'isClosed'> {
  type: 'candle';
  /** Whether the candle is closed and final. */
  isFinal: boolean;
  /** Exchange event time of the update, epoch ms, when known. */
  eventTime?: number;
}

/** An order book snapshot as published. */
export interface OrderbookMessage extends Envelope {
  type: 'orderbook';
  symbol: string;
  timestamp: number;
  lastUpdateId: number;
  eventTime?: number;
  bids: [string, string][];
  asks: [string, string][];
}

export type PubsubMessage = CandleMessage | OrderbookMessage;

/** Message body without the per-channel envelope. */
export type CandleBody = Omit<CandleMessage, keyof Envelope>;
/** Order book message body without the envelope (what {@link orderbookBodyJson} renders). */
export type OrderbookBody = Omit<OrderbookMessage, keyof Envelope>;

/**
 * Canonical text of a decimal input. The field is named as `field`, or `field[index] part` for a book level: built
 * only for the error, since a snapshot has dozens of levels.
 */
function exact(value: DecimalInput, field: string, symbol: string, index?: number, part?: string): string {
  try {
    // Text, and a lazy Decimal's text, is normalized as text: no Decimal is built for a value that is only passed on.
    if (typeof value === 'string') return normalizeDecimalString(value);
    const text = isDecimal(value) ? decimalSourceText(value) : value;
    return text === undefined ? formatDecimal(value as Exclude<DecimalInput, string>) : normalizeDecimalString(text);
  } catch (cause) {
    const name = index === undefined ? field : `${field}[${index}] ${part}`;
    throw new PubsubError('INVALID_MESSAGE', `${symbol} ${name} is not an exact decimal: ${String(value)}`, { cause });
  }
}

function integer(value: number, field: string, symbol: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new PubsubError('INVALID_MESSAGE', `${symbol} ${field} must be an integer, got ${String(value)}`);
  }
  return value;
}

/** Validates a candle and renders its numbers as canonical decimal strings. */
export function toCandleBody(candle: CandleUpdate<DecimalInput>): CandleBody {
  const { symbol, interval } = candle;
  if (typeof symbol !== 'string' || symbol === '') throw new PubsubError('INVALID_MESSAGE', 'candle without a symbol');
  if (!isCandleInterval(interval)) throw new PubsubError('INVALID_MESSAGE', `${symbol} interval is not a Binance interval: ${String(interval)}`);
  return {
    type: 'candle',
    symbol,
    interval,
    openTime: integer(candle.openTime, 'openTime', symbol),
    closeTime: integer(candle.closeTime, 'closeTime', symbol),
    open: exact(candle.open, 'open', symbol),
    high: exact(candle.high, 'high', symbol),
    low: exact(candle.low, 'low', symbol),
    close: exact(candle.close, 'close', symbol),
    volume: exact(candle.volume, 'volume', symbol),
    quoteVolume: exact(candle.quoteVolume, 'quoteVolume', symbol),
    takerBuyVolume: exact(candle.takerBuyVolume, 'takerBuyVolume', symbol),
    takerBuyQuoteVolume: exact(candle.takerBuyQuoteVolume, 'takerBuyQuoteVolume', symbol),
    trades: integer(candle.trades, 'trades', symbol),
    isFinal: candle.isClosed === true,
    ...(candle.eventTime === undefined ? {} : { eventTime: integer(candle.eventTime, 'eventTime', symbol) }),
  };
}

/**
 * A batch of candles validated and rendered ahead of its publication ({@link prepareCandles}): a collector renders
 * the messages while the database stores the batch, and publishes them, once it is stored, by only sending.
 */
export class PreparedCandles {
  /** @internal Use {@link prepareCandles}. */
  constructor(
    /** Each candle's symbol, in the order of the batch. */
    readonly symbols: readonly string[],
    /** Each candle's message body as JSON (`JSON.stringify` of its {@link toCandleBody}). */
    readonly bodiesJson: readonly string[],
  ) {}

  get length(): number {
    return this.symbols.length;
  }
}

/**
 * Validates and renders a batch of candles for a later `publishCandles`; an invalid candle throws a `PubsubError`
 * (`INVALID_MESSAGE`) naming its index, and nothing is rendered.
 */
export function prepareCandles(candles: readonly CandleUpdate<DecimalInput>[]): PreparedCandles {
  if (!Array.isArray(candles)) throw new PubsubError('INVALID_MESSAGE', 'prepareCandles and publishCandles need an array of candles');
  const symbols: string[] = [];
  const bodiesJson: string[] = [];
  candles.forEach((candle, index) => {
    try {
      const body = toCandleBody(candle);
      symbols.push(body.symbol);
      bodiesJson.push(JSON.stringify(body));
    } catch (error) {
      throw new PubsubError('INVALID_MESSAGE', `candle ${index} of the batch: ${(error as Error).message.replace(/^\[pubsub\] /, '')}`, { cause: error });
    }
  });
  return new PreparedCandles(symbols, bodiesJson);
}

/** Appends one side of a book as JSON to `parts`: `[["price","quantity"],…]`, each canonical. */
function pushLevelsJson(parts: string[], side: OrderbookInput['bids'], name: string, symbol: string): void {
  for (let i = 0; i < side.length; i++) {
    const [price, quantity] = side[i] as readonly [DecimalInput, DecimalInput];
    // Canonical decimal text is only digits, '-' and '.': nothing in it needs escaping.
    parts.push(i === 0 ? '["' : ',["', exact(price, name, symbol, i, 'price'), '","', exact(quantity, name, symbol, i, 'quantity'), '"]');
  }
}

/**
 * A snapshot validated and rendered ahead of its publication ({@link prepareOrderbook}): a collector that knows a
 * grid time's book before the grid time renders it then, and the publication at the grid time only sends it.
 */
export class PreparedOrderbook {
  /** @internal Use {@link prepareOrderbook}. */
  constructor(
    readonly symbol: string,
    readonly timestamp: number,
    readonly lastUpdateId: number,
    /** The message body's JSON ({@link orderbookBodyJson}). */
    readonly bodyJson: string,
  ) {}
}

/** Validates and renders a snapshot for a later `publishOrderbook`; throws a `PubsubError` for an invalid one. */
export function prepareOrderbook(snapshot: OrderbookInput): PreparedOrderbook {
  return new PreparedOrderbook(snapshot.symbol, snapshot.timestamp, snapshot.lastUpdateId, orderbookBodyJson(snapshot));
}

/**
 * Validates a snapshot and renders its message body as JSON, levels as canonical decimal strings: the text
 * `JSON.stringify` gives for the {@link OrderbookBody}, written directly, since a tick renders hundreds of books with
 * dozens of levels each and the subscribers wait for the last of them.
 */
export function orderbookBodyJson(snapshot: OrderbookInput): string {
  const { symbol } = snapshot;
  if (typeof symbol !== 'string' || symbol === '') throw new PubsubError('INVALID_MESSAGE', 'snapshot without a symbol');
  const timestamp = integer(snapshot.timestamp, 'timestamp', symbol);
  const lastUpdateId = integer(snapshot.lastUpdateId, 'lastUpdateId', symbol);
  const eventTime = snapshot.eventTime === undefined ? '' : `,"eventTime":${integer(snapshot.eventTime, 'eventTime', symbol)}`;
  const parts = [`{"type":"orderbook","symbol":${JSON.stringify(symbol)},"timestamp":${timestamp},"lastUpdateId":${lastUpdateId}${eventTime},"bids":[`];
  pushLevelsJson(parts, snapshot.bids, 'bids', symbol);
  parts.push('],"asks":[');
  pushLevelsJson(parts, snapshot.asks, 'asks', symbol);
  parts.push(']}');
  // Joined, not concatenated: join gives one flat string, where `+` gives a rope of a hundred pieces that is
  // flattened later, at the grid time, when the publisher slices it and the socket writes it.
  return parts.join('');
}
