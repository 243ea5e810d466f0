import { type BookDiff, type BookRegistry, type OrderBook } from './book.js';
import type { FaultQueue } from './faults.js';
import { alignOpen, isInterval, nextOpen } from './intervals.js';
import { CandleAccumulator, klineEvent } from './klines.js';
import type { SymbolMarket } from './market.js';
import type { ResolvedOptions } from './options.js';

/** A parsed stream name. */
export type StreamSpec =
  | { kind: 'kline'; symbol: string; interval: string }
  | { kind: 'diff'; symbol: string; periodMs: number }
  | { kind: 'partial'; symbol: string; levels: number; periodMs: number };

const STREAM_NAME = /^([a-z0-9]+)@(kline_([0-9]+[smhdwM])|depth(5|10|20)?(@100ms)?)$/;

/**
 * Parses a stream name (`btcusdt@kline_1m`, `btcusdt@depth@100ms`, `btcusdt@depth5`, …);
 * undefined when malformed, of an unknown kind, of a bad interval or of a symbol not served.
 */
export function parseStream(name: string, markets: ReadonlyMap<string, SymbolMarket>): StreamSpec | undefined {
  const m = STREAM_NAME.exec(name);
  if (!m) return undefined;
  const symbol = (m[1] as string).toUpperCase();
  if (!markets.has(symbol)) return undefined;
  if (m[3] !== undefined) return isInterval(m[3]) ? { kind: 'kline', symbol, interval: m[3] } : undefined;
  const periodMs = m[5] ? 100 : 1000;
  if (m[4] !== undefined) return { kind: 'partial', symbol, levels: Number(m[4]), periodMs };
  return { kind: 'diff', symbol, periodMs };
}

/** A receiver of stream events (one WebSocket connection). */
export interface Subscriber {
  /** Sends one event of `stream`; `payload` is the bare event JSON. */
  deliver(stream: string, payload: string): void;
}

interface TopicBase {
  name: string;
  subscribers: Set<Subscriber>;
  /** real time (performance.now()) of the next push */
  due: number;
}
interface KlineTopic extends TopicBase {
  kind: 'kline';
  market: SymbolMarket;
  interval: string;
  candle: CandleAccumulator;
  periodMs: number;
}
interface DiffTopic extends TopicBase {
  kind: 'diff';
  book: OrderBook;
  symbol: string;
  periodMs: number;
  pending: BookDiff | undefined;
}
interface PartialTopic extends TopicBase {
  kind: 'partial';
  book: OrderBook;
  symbol: string;
  levels: number;
  periodMs: number;
}
type Topic = KlineTopic | DiffTopic | PartialTopic;

/** What the hub needs from the simulator. */
export interface StreamHubContext {
  options: ResolvedOptions;
  markets: ReadonlyMap<string, SymbolMarket>;
  books: BookRegistry;
  faults: FaultQueue;
  now(): number;
}

/** The next due time after `due`; a schedule that fell behind restarts from now. */
function advanceDue(due: number, periodMs: number, realNow: number): number {
  const next = due + periodMs;
  return next <= realNow ? realNow + periodMs : next;
}

/** Candles closed in one scheduler tick beyond which older ones are skipped (a clock jump). */
const MAX_CLOSES_PER_TICK = 10_000;

/**
 * Every stream topic, shared by all connections that subscribe to it, driven by one scheduler
 * tick: books advance every `depthUpdateMs`, each topic renders its event once per push and
 * hands the same string to every subscriber.
 */
export class StreamHub {
  private readonly topics = new Map<string, Topic>();
  private readonly diffBySymbol = new Map<string, Set<DiffTopic>>();
  private nextBookTick = 0;

  /**
   * @param slackMs how early a push may run, so timer jitter never skips a period (half the
   *   scheduler period)
   */
  constructor(
    private readonly ctx: StreamHubContext,
    private readonly slackMs: number,
  ) {}

  /** Adds `sub` to stream `name` (already parsed as `spec`). */
  subscribe(name: string, spec: StreamSpec, sub: Subscriber, realNow: number): void {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = this.createTopic(name, spec, realNow);
      this.topics.set(name, topic);
    }
    topic.subscribers.add(sub);
  }

  /** Removes `sub` from stream `name`; the topic goes away with its last subscriber. */
  unsubscribe(name: string, sub: Subscriber): void {
    const topic = this.topics.get(name);
    if (!topic) return;
    topic.subscribers.delete(sub);
    if (topic.subscribers.size > 0) return;
    this.topics.delete(name);
    if (topic.kind === 'diff') this.diffBySymbol.get(topic.symbol)?.delete(topic);
  }

  private createTopic(name: string, spec: StreamSpec, realNow: number): Topic {
    const { markets, books, options: o, now } = this.ctx;
    const subscribers = new Set<Subscriber>();
    if (spec.kind === 'kline') {
      const market = markets.get(spec.symbol) as SymbolMarket;
      const candle = new CandleAccumulator(market, spec.interval, alignOpen(spec.interval, now()));
      const periodMs = spec.interval === '1s' ? o.kline1sPushMs : o.klinePushMs;
      return { kind: 'kline', name, subscribers, due: realNow, market, interval: spec.interval, candle, periodMs };
    }
    const book = books.get(spec.symbol) as OrderBook;
    if (spec.kind === 'partial') return { kind: 'partial', name, subscribers, due: realNow + spec.periodMs, book, symbol: spec.symbol, levels: spec.levels, periodMs: spec.periodMs };
    const topic: DiffTopic = { kind: 'diff', name, subscribers, due: realNow + spec.periodMs, book, symbol: spec.symbol, periodMs: spec.periodMs, pending: undefined };
    let set = this.diffBySymbol.get(spec.symbol);
    if (!set) {
      set = new Set();
      this.diffBySymbol.set(spec.symbol, set);
    }
    set.add(topic);
    return topic;
  }

  /**
   * One scheduler step at real time `realNow` (performance.now()). The step renders the market as of its sim time
   * `t`, but each event's `E` is the sim time at which it is rendered, as Binance stamps an event when it produces
   * it: a step of 400 kline events took 3-10 ms to render on two busy cores, and with the step's time as every
   * event's `E` the last of them left that much older than they said, a delay a consumer measuring from `E` took
   * for its own.
   */
  tick(realNow: number): void {
    const { faults, options: o } = this.ctx;
    const t = this.ctx.now();
    if (realNow + this.slackMs >= this.nextBookTick) {
      this.nextBookTick = advanceDue(this.nextBookTick, o.depthUpdateMs, realNow);
      this.advanceBooks(t);
    }
    const stalled = faults.stalled(realNow);
    for (const topic of this.topics.values()) {
      // A symbol that is not trading (BREAK, …) sends nothing; its schedule keeps time going.
      const silent = stalled || !this.marketOf(topic).schedule.tradingAt(t);
      if (topic.kind === 'kline') this.klineTick(topic, t, realNow, silent);
      else if (realNow + this.slackMs >= topic.due) {
        topic.due = advanceDue(topic.due, topic.periodMs, realNow);
        if (topic.kind === 'diff') this.flushDiff(topic, silent);
        else if (!silent) this.publishPartial(topic);
      }
    }
  }

  private marketOf(topic: Topic): SymbolMarket {
    return topic.kind === 'kline' ? topic.market : (this.ctx.markets.get(topic.book.info.symbol) as SymbolMarket);
  }

  private advanceBooks(t: number): void {
    for (const [symbol, book] of this.ctx.books.all()) {
      const market = this.ctx.markets.get(symbol) as SymbolMarket;
      // A book stands still while its symbol does not trade, so the diffs resume without a gap in update ids.
      if (!market.schedule.tradingAt(t)) continue;
      const diff = book.advance(this.ctx.books.targetTicks(market, t));
      const topics = this.diffBySymbol.get(symbol);
      if (!topics) continue;
      for (const topic of topics) {
        if (!topic.pending) topic.pending = { U: diff.U, u: diff.u, bids: new Map(diff.bids), asks: new Map(diff.asks) };
        else {
          topic.pending.u = diff.u;
          for (const [p, q] of diff.bids) topic.pending.bids.set(p, q);
          for (const [p, q] of diff.asks) topic.pending.asks.set(p, q);
        }
      }
    }
  }

  private flushDiff(topic: DiffTopic, stalled: boolean): void {
    const d = topic.pending;
    if (!d) return;
    topic.pending = undefined;
    if (stalled || this.ctx.faults.takeDepthSkip(topic.symbol)) return;
    const b = topic.book;
    const payload = JSON.stringify({ e: 'depthUpdate', E: this.ctx.now(), s: topic.symbol, U: d.U, u: d.u, b: b.renderChanges(d.bids, true), a: b.renderChanges(d.asks, false) });
    this.publish(topic, payload);
  }

  private publishPartial(topic: PartialTopic): void {
    this.publish(topic, topic.book.partialDepthJson(topic.levels, this.ctx.faults.takeCrossing(topic.symbol)));
  }

  private klineTick(topic: KlineTopic, t: number, realNow: number, stalled: boolean): void {
    const sci = this.ctx.options.scientificTinyValues;
    const open = alignOpen(topic.interval, t);
    for (let n = 0; topic.candle.open < open; n++) {
      const closed = topic.candle;
      if (n >= MAX_CLOSES_PER_TICK) {
        topic.candle = new CandleAccumulator(topic.market, topic.interval, open);
        break;
      }
      if (!stalled && topic.market.schedule.tradedDuring(closed.open, closed.closeTime + 1)) this.publish(topic, klineEvent(topic.market, topic.interval, closed.at(closed.closeTime + 1), this.ctx.now(), true, sci));
      topic.candle = new CandleAccumulator(topic.market, topic.interval, nextOpen(topic.interval, closed.open));
    }
    if (realNow + this.slackMs < topic.due) return;
    topic.due = advanceDue(topic.due, topic.periodMs, realNow);
    if (!stalled) this.publish(topic, klineEvent(topic.market, topic.interval, topic.candle.at(t), this.ctx.now(), false, sci));
  }

  private publish(topic: Topic, payload: string): void {
    for (const sub of topic.subscribers) sub.deliver(topic.name, payload);
  }
}
