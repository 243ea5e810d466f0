import { BinanceClientError, type StreamRequestError } from '../errors.js';
import type { BinanceClientLogger, ResolvedStreamOptions } from '../options.js';
import { backoffDelayMs } from '../rate-limiter.js';
import type { DepthDiffEvent, KlineEvent, MarketEvent, PartialDepthEvent, PartialDepthFrame } from '../stream-events.js';
import { DropOldestQueue } from './event-queue.js';
import type { StreamFrame } from './frames.js';
import { normalizeStreamName } from './names.js';
import type { SlidingWindowPacer } from './pacing.js';
import { combinedStreamUrl } from './plan.js';
import { type SocketHooks, StreamSocket } from './socket.js';

/** A connection stopped delivering; events of `streams` may be missing from `at` until the matching `reconnected`. */
export interface StreamsDisconnectedEvent {
  /** Logical connection; it keeps its id across reconnects and replacements. */
  connectionId: number;
  streams: string[];
  /** When the loss was noticed, local epoch ms. */
  at: number;
  /** Why, e.g. `closed by server (1006)`, `stale: no frame for 30012 ms`, `error: read ECONNRESET`. */
  reason: string;
}

/** A connection delivers again after a `disconnected`. Events of `streams` may be missing within [missedFrom, missedTo]. */
export interface StreamsReconnectedEvent {
  connectionId: number;
  streams: string[];
  /** Last frame received before the loss, local epoch ms. */
  missedFrom: number;
  /** When the new connection was subscribed again, local epoch ms. */
  missedTo: number;
}

/** The server announced it is going down; the connection is being replaced (seamlessly) already. */
export interface StreamsServerShutdownEvent {
  connectionId: number;
  streams: string[];
  /** The notice's `E`, exchange epoch ms, when present. */
  eventTime: number | undefined;
  /** Local epoch ms. */
  receivedAt: number;
}

/** Bounds of a wait: {@link MarketStreams.ready}. */
export interface StreamsWaitOptions {
  /** Gives up after this long, in ms: rejects with `TIMEOUT`. @default no limit */
  timeoutMs?: number;
  /** Gives up when aborted: rejects with `ABORTED` (the signal's reason as `cause`). */
  signal?: AbortSignal;
}

/** Payload of each event of {@link MarketStreams}. */
export interface MarketStreamsEventMap {
  kline: KlineEvent;
  depthDiff: DepthDiffEvent;
  partialDepth: PartialDepthEvent;
  /** A partial-depth push not parsed yet, in place of `partialDepth` (and of `event`) with `deferPartialDepth`. */
  partialDepthFrame: PartialDepthFrame;
  /** Every market event, whatever its type. */
  event: MarketEvent;
  disconnected: StreamsDisconnectedEvent;
  reconnected: StreamsReconnectedEvent;
  serverShutdown: StreamsServerShutdownEvent;
  /**
   * Something went wrong that the handle survives: a malformed frame (`ResponseFormatError`, frame dropped), a failed
   * connection attempt (`NETWORK_ERROR`, retried), a refused re-subscription (`StreamRequestError`). Never fatal.
   */
  error: BinanceClientError;
}

/** Name of an event of {@link MarketStreams}. */
export type MarketStreamsEventName = keyof MarketStreamsEventMap;

/** A listener of event `K`. */
export type MarketStreamsListener<K extends MarketStreamsEventName> = (payload: MarketStreamsEventMap[K]) => void;

/**
 * Live market streams over one or more combined-stream WebSocket connections, kept alive until `close()`.
 * Also an async iterable of every {@link MarketEvent}: each iterator holds at most `maxQueuedEvents` events while
 * its loop body runs, dropping the oldest beyond (counted by {@link MarketStreams.droppedEvents}).
 */
export interface MarketStreams extends AsyncIterable<MarketEvent> {
  /** Adds a listener. Listeners run synchronously; one that throws is logged, and the others still run. */
  on<K extends MarketStreamsEventName>(event: K, listener: MarketStreamsListener<K>): this;
  /** Removes a listener added with `on`. */
  off<K extends MarketStreamsEventName>(event: K, listener: MarketStreamsListener<K>): this;
  /**
   * Resolves once every connection is open and every current stream subscribed. Keeps waiting through reconnects,
   * unless `timeoutMs` or `signal` bound the wait.
   * @throws {BinanceClientError} STREAMS_CLOSED when `close()` is called first; TIMEOUT after `timeoutMs`; ABORTED
   *   when `signal` aborts; INVALID_ARGUMENT for a `timeoutMs` that is not a positive integer.
   * @example await streams.ready({ timeoutMs: 30_000 });
   */
  ready(options?: StreamsWaitOptions): Promise<void>;
  /**
   * Adds streams at run time, on connections with room first, then on new ones. Resolves when the server
   * acknowledged every one of them.
   * @throws {BinanceClientError} INVALID_ARGUMENT for a name this client does not type; STREAMS_CLOSED after close().
   * @throws {StreamRequestError} when the server refuses the SUBSCRIBE.
   */
  subscribe(streams: readonly string[]): Promise<void>;
  /** Removes streams at run time; a connection left without streams is closed. Resolves when the server acknowledged. */
  unsubscribe(streams: readonly string[]): Promise<void>;
  /** Current streams, normalized (lowercase symbols). */
  streams(): string[];
  /** Events the async iterators of this handle dropped because their consumer was `maxQueuedEvents` behind. */
  droppedEvents(): number;
  /** Closes every connection and stops every timer; resolves once the sockets are closed. Idempotent. */
  close(): Promise<void>;
}

/** What `openStreams` hands to the handle. @internal */
export interface MarketStreamsContext {
  wsBaseUrl: string;
  options: ResolvedStreamOptions;
  /** See `OpenStreamsParams.deferPartialDepth`. */
  deferPartialDepth: boolean;
  /** See `OpenStreamsParams.yieldBetweenMessages`. */
  yieldBetweenMessages: boolean;
  log: BinanceClientLogger;
  /** Connection attempts of the whole client (Binance: 300 per 5 min per IP). */
  attempts: SlidingWindowPacer;
}

interface Slot {
  readonly id: number;
  readonly streams: Set<string>;
  /** The socket delivering now. */
  current: StreamSocket | undefined;
  /** A socket being set up: a reconnect, or the replacement of `current`. */
  next: StreamSocket | undefined;
  /** `current` must be replaced (age or serverShutdown). */
  replace: boolean;
  /** Set while nothing delivers after a loss: start of the window of missed events. */
  outageFrom: number | undefined;
  attempt: number;
  retryTimer: NodeJS.Timeout | undefined;
}

interface Waiter {
  /** Done when this returns true. */
  done(): boolean;
  /** Settles the waiter; each clears the waiter's timer and abort listener. */
  resolve(): void;
  reject(error: unknown): void;
  /** Streams whose refusal fails the waiter. */
  streams: ReadonlySet<string>;
}

const EVENT_NAMES: readonly MarketStreamsEventName[] = ['kline', 'depthDiff', 'partialDepth', 'partialDepthFrame', 'event', 'disconnected', 'reconnected', 'serverShutdown', 'error'];

function closedError(what: string): BinanceClientError {
  return new BinanceClientError('STREAMS_CLOSED', `${what} failed: the streams handle is closed`);
}

function abortedError(what: string, signal: AbortSignal): BinanceClientError {
  return new BinanceClientError('ABORTED', `${what} failed: aborted`, { cause: signal.reason });
}

class MarketStreamsHandle implements MarketStreams {
  private readonly listeners = new Map<MarketStreamsEventName, Set<(payload: never) => void>>();
  private readonly desired = new Set<string>();
  private readonly slotOf = new Map<string, Slot>();
  private readonly slots: Slot[] = [];
  private readonly retiring = new Set<StreamSocket>();
  private waiters: Waiter[] = [];
  private readonly wakeIterators = new Set<() => void>();
  private slotSeq = 0;
  private dropped = 0;
  private requestSeq = 0;
  private closing: Promise<void> | undefined;
  private readonly hooks: SocketHooks;

  constructor(private readonly ctx: MarketStreamsContext) {
    this.hooks = {
      frame: (socket, frame) => this.onFrame(socket, frame),
      frameError: (_socket, error) => this.emit('error', error),
      ready: (socket) => this.onReady(socket),
      acked: () => this.settle(),
      refused: (socket, error) => this.onRefused(socket, error),
      aged: (socket) => this.onAged(socket),
      lost: (socket, reason) => this.onLost(socket, reason),
    };
  }

  on<K extends MarketStreamsEventName>(event: K, listener: MarketStreamsListener<K>): this {
    if (!EVENT_NAMES.includes(event)) throw new BinanceClientError('INVALID_ARGUMENT', `on failed: unknown event ${JSON.stringify(event)}`);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return this;
  }

  off<K extends MarketStreamsEventName>(event: K, listener: MarketStreamsListener<K>): this {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
    return this;
  }

  ready(options: StreamsWaitOptions = {}): Promise<void> {
    const { timeoutMs, signal } = options ?? {};
    if (timeoutMs !== undefined && (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1)) {
      return Promise.reject(new BinanceClientError('INVALID_ARGUMENT', `ready failed: timeoutMs must be a positive integer, got ${String(timeoutMs)}`));
    }
    const streams = new Set(this.desired);
    return this.wait(
      'ready',
      streams,
      () => [...streams].every((s) => !this.desired.has(s) || this.isActive(s)) && this.slots.every((slot) => slot.current),
      { timeoutMs, signal },
    );
  }

  async subscribe(streams: readonly string[]): Promise<void> {
    if (this.closing) throw closedError('subscribe');
    const wanted = new Set(this.normalize('subscribe', streams));
    const added = [...wanted].filter((s) => !this.desired.has(s));
    const touched = new Set<Slot>();
    let i = 0;
    for (const slot of this.slots) {
      while (i < added.length && slot.streams.size < this.ctx.options.maxStreamsPerConnection) this.assign(added[i++]!, slot, touched);
    }
    while (i < added.length) {
      const slot = this.newSlot();
      while (i < added.length && slot.streams.size < this.ctx.options.maxStreamsPerConnection) this.assign(added[i++]!, slot, touched);
    }
    if (added.length > 0) this.ctx.log.debug?.({ added: added.length, connections: touched.size }, 'subscribing streams');
    for (const slot of touched) this.syncSockets(slot);
    for (const slot of touched) this.maintain(slot);
    return this.wait('subscribe', wanted, () => [...wanted].every((s) => !this.desired.has(s) || this.isActive(s)));
  }

  async unsubscribe(streams: readonly string[]): Promise<void> {
    if (this.closing) throw closedError('unsubscribe');
    const removed: Array<[string, Slot]> = [];
    for (const stream of new Set(this.normalize('unsubscribe', streams))) {
      const slot = this.slotOf.get(stream);
      if (!slot) continue;
      this.desired.delete(stream);
      this.slotOf.delete(stream);
      slot.streams.delete(stream);
      removed.push([stream, slot]);
    }
    const touched = new Set(removed.map(([, slot]) => slot));
    for (const slot of touched) {
      if (slot.streams.size === 0) this.dropSlot(slot);
      else this.syncSockets(slot);
    }
    const live = (slot: Slot) => [slot.current, slot.next].filter((s): s is StreamSocket => s !== undefined);
    return this.wait('unsubscribe', new Set(), () =>
      removed.every(([stream, slot]) => !this.slots.includes(slot) || live(slot).every((socket) => !socket.active.has(stream))),
    );
  }

  streams(): string[] {
    return [...this.desired];
  }

  droppedEvents(): number {
    return this.dropped;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const sockets = new Set(this.retiring);
    for (const slot of this.slots) {
      clearTimeout(slot.retryTimer);
      if (slot.current) sockets.add(slot.current);
      if (slot.next) sockets.add(slot.next);
    }
    this.slots.length = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(closedError('wait'));
    this.closing = Promise.all([...sockets].map((socket) => socket.retire())).then(() => {
      this.ctx.log.info({ connections: sockets.size }, 'streams closed');
    });
    for (const wake of this.wakeIterators) wake();
    return this.closing;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    const queue = new DropOldestQueue<MarketEvent>(this.ctx.options.maxQueuedEvents);
    let wake: (() => void) | undefined;
    let behind = false;
    const push = (event: MarketEvent) => {
      if (queue.push(event)) {
        this.dropped++;
        if (!behind) {
          behind = true;
          this.ctx.log.warn({ maxQueuedEvents: queue.capacity, dropped: this.dropped }, 'stream iterator is behind; dropping its oldest events');
        }
      }
      wake?.();
    };
    const end = () => wake?.();
    this.on('event', push);
    this.wakeIterators.add(end);
    try {
      for (;;) {
        const event = queue.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        behind = false;
        if (this.closing) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.off('event', push);
      this.wakeIterators.delete(end);
    }
  }

  /** Starts the streams given to `openStreams`. */
  start(streams: readonly string[]): void {
    // Validation errors must reach the caller of openStreams synchronously.
    const names = this.normalize('openStreams', streams);
    this.subscribe(names).catch(() => {
      // Refusals and close() reach the caller through ready() and `error` events.
    });
  }

  private normalize(what: string, streams: readonly string[]): string[] {
    if (!Array.isArray(streams)) throw new BinanceClientError('INVALID_ARGUMENT', `${what} failed: streams must be an array of stream names`);
    return streams.map((s) => normalizeStreamName(s));
  }

  private assign(stream: string, slot: Slot, touched: Set<Slot>): void {
    slot.streams.add(stream);
    this.slotOf.set(stream, slot);
    this.desired.add(stream);
    touched.add(slot);
  }

  private newSlot(): Slot {
    const slot: Slot = {
      id: ++this.slotSeq,
      streams: new Set(),
      current: undefined,
      next: undefined,
      replace: false,
      outageFrom: undefined,
      attempt: 0,
      retryTimer: undefined,
    };
    this.slots.push(slot);
    return slot;
  }

  private isActive(stream: string): boolean {
    return this.slotOf.get(stream)?.current?.active.has(stream) ?? false;
  }

  private wait(what: string, streams: ReadonlySet<string>, done: () => boolean, bounds: StreamsWaitOptions = {}): Promise<void> {
    if (this.closing) return Promise.reject(closedError(what));
    const { timeoutMs, signal } = bounds;
    if (signal?.aborted) return Promise.reject(abortedError(what, signal));
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        done,
        streams,
        resolve: () => {
          stop();
          resolve();
        },
        reject: (error) => {
          stop();
          reject(error);
        },
      };
      const giveUp = (error: BinanceClientError): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.reject(error);
      };
      const onAbort = (): void => giveUp(abortedError(what, signal as AbortSignal));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => giveUp(new BinanceClientError('TIMEOUT', `${what} failed: not done within ${timeoutMs} ms`)), timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Resolves every waiter whose condition now holds. */
  private settle(): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.done()) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }

  private syncSockets(slot: Slot): void {
    slot.current?.sync(slot.streams);
    slot.next?.sync(slot.streams);
  }

  private dropSlot(slot: Slot): void {
    this.slots.splice(this.slots.indexOf(slot), 1);
    clearTimeout(slot.retryTimer);
    for (const socket of [slot.current, slot.next]) if (socket) this.retire(socket);
    this.ctx.log.info({ connectionId: slot.id }, 'stream connection closed: no streams left');
  }

  private retire(socket: StreamSocket): void {
    this.retiring.add(socket);
    void socket.retire().then(() => {
      this.retiring.delete(socket);
      this.settle();
    });
  }

  private slotFor(socket: StreamSocket): Slot | undefined {
    const slot = this.slots.find((s) => s.id === socket.connectionId);
    return slot && (slot.current === socket || slot.next === socket) ? slot : undefined;
  }

  /** Opens a socket for `slot` when it has none delivering, or when its socket must be replaced. */
  private maintain(slot: Slot): void {
    if (this.closing || !this.slots.includes(slot)) return;
    if ((slot.current && !slot.replace) || slot.next || slot.retryTimer) return;
    const wait = this.ctx.attempts.delay();
    if (wait > 0) {
      this.ctx.log.warn({ connectionId: slot.id, waitMs: wait }, 'connection attempts at their limit, waiting');
      slot.retryTimer = setTimeout(() => {
        slot.retryTimer = undefined;
        this.maintain(slot);
      }, wait);
      return;
    }
    this.ctx.attempts.record();
    const { url, inUrl, toSubscribe } = combinedStreamUrl(this.ctx.wsBaseUrl, [...slot.streams], this.ctx.options.maxUrlLength);
    this.ctx.log.info(
      { connectionId: slot.id, streams: slot.streams.size, inUrl: inUrl.length, toSubscribe: toSubscribe.length, replacing: Boolean(slot.current) },
      'opening stream connection',
    );
    const socket = new StreamSocket({
      connectionId: slot.id,
      url,
      inUrl,
      options: this.ctx.options,
      deferPartialDepth: this.ctx.deferPartialDepth,
      yieldBetweenMessages: this.ctx.yieldBetweenMessages,
      hooks: this.hooks,
      log: this.ctx.log,
      nextRequestId: () => ++this.requestSeq,
    });
    slot.next = socket;
    socket.sync(slot.streams);
  }

  private scheduleRetry(slot: Slot, reason: string): void {
    if (this.closing || slot.retryTimer || slot.next) return;
    const delay = backoffDelayMs(slot.attempt++, this.ctx.options.reconnectDelayMs);
    this.ctx.log.warn({ connectionId: slot.id, attempt: slot.attempt, delayMs: delay, reason }, 'stream connection retry scheduled');
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      this.maintain(slot);
    }, delay);
  }

  private onReady(socket: StreamSocket): void {
    const slot = this.slotFor(socket);
    if (!slot || slot.next !== socket) return;
    const now = Date.now();
    const previous = slot.current;
    slot.next = undefined;
    slot.current = socket;
    slot.replace = false;
    if (previous) {
      // Overlap: both sockets delivered until now, so nothing was missed (duplicates are possible).
      this.retire(previous);
      this.ctx.log.info({ connectionId: slot.id, streams: slot.streams.size }, 'stream connection replaced');
    } else {
      this.ctx.log.info({ connectionId: slot.id, streams: slot.streams.size }, 'stream connection ready');
    }
    if (slot.outageFrom !== undefined) {
      const missedFrom = slot.outageFrom;
      slot.outageFrom = undefined;
      this.emit('reconnected', { connectionId: slot.id, streams: [...slot.streams], missedFrom, missedTo: now });
    }
    this.settle();
  }

  private onLost(socket: StreamSocket, reason: string): void {
    const slot = this.slotFor(socket);
    if (!slot) return;
    if (slot.current === socket) {
      slot.current = undefined;
      const now = Date.now();
      // A connection that stayed up through a ping period was healthy: start the backoff again.
      if (now - socket.readyAt >= this.ctx.options.staleTimeoutMs) slot.attempt = 0;
      if (slot.outageFrom === undefined) {
        slot.outageFrom = socket.lastMessageAt || socket.readyAt;
        this.ctx.log.warn({ connectionId: slot.id, reason }, 'stream connection lost');
        this.emit('disconnected', { connectionId: slot.id, streams: [...slot.streams], at: now, reason });
      }
      this.scheduleRetry(slot, reason);
    } else {
      slot.next = undefined;
      this.emit('error', new BinanceClientError('NETWORK_ERROR', `stream connection ${slot.id} failed: ${reason}`));
      this.scheduleRetry(slot, reason);
    }
    this.settle();
  }

  private onAged(socket: StreamSocket): void {
    const slot = this.slotFor(socket);
    if (!slot || slot.current !== socket) return;
    this.ctx.log.info({ connectionId: slot.id }, 'stream connection reached maxConnectionAgeMs, replacing it');
    slot.replace = true;
    this.maintain(slot);
  }

  private onRefused(socket: StreamSocket, error: StreamRequestError): void {
    const slot = this.slotFor(socket);
    if (error.method === 'SUBSCRIBE' && slot) {
      // A refused stream is dropped for good: retrying a name the server rejects would only repeat the refusal.
      for (const stream of error.streams) {
        if (this.slotOf.get(stream) !== slot) continue;
        this.desired.delete(stream);
        this.slotOf.delete(stream);
        slot.streams.delete(stream);
      }
      if (slot.streams.size === 0) this.dropSlot(slot);
      else this.syncSockets(slot);
    }
    const failed = this.waiters.filter((w) => error.streams.some((s) => w.streams.has(s)));
    this.waiters = this.waiters.filter((w) => !failed.includes(w));
    for (const waiter of failed) waiter.reject(error);
    if (failed.length === 0) this.emit('error', error);
    this.settle();
  }

  private onFrame(socket: StreamSocket, frame: Extract<StreamFrame, { kind: 'event' | 'partialDepthFrame' | 'serverShutdown' }>): void {
    if (frame.kind === 'partialDepthFrame') {
      if (this.desired.has(frame.frame.stream) && !this.closing) this.emit('partialDepthFrame', frame.frame);
      return;
    }
    if (frame.kind === 'event') {
      const event = frame.event;
      // Late frames of a stream just unsubscribed are dropped.
      if (!this.desired.has(event.stream) || this.closing) return;
      switch (event.type) {
        case 'kline':
          this.emit('kline', event);
          break;
        case 'depthDiff':
          this.emit('depthDiff', event);
          break;
        case 'partialDepth':
          this.emit('partialDepth', event);
          break;
      }
      this.emit('event', event);
      return;
    }
    const slot = this.slotFor(socket);
    if (!slot) return;
    this.ctx.log.warn({ connectionId: slot.id }, 'serverShutdown received, replacing the connection');
    this.emit('serverShutdown', { connectionId: slot.id, streams: [...slot.streams], eventTime: frame.eventTime, receivedAt: Date.now() });
    if (slot.current === socket) {
      slot.replace = true;
      this.maintain(slot);
    } else {
      socket.terminate('serverShutdown during connection set-up');
    }
  }

  private emit<K extends MarketStreamsEventName>(event: K, payload: MarketStreamsEventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) {
      if (event === 'error') this.ctx.log.error({ err: payload }, 'stream error (no error listener)');
      return;
    }
    for (const listener of set) {
      try {
        (listener as MarketStreamsListener<K>)(payload);
      } catch (cause) {
        // A consumer's bug must not take the connection down with it.
        this.ctx.log.error({ err: cause, event }, 'stream listener threw');
      }
    }
  }
}

/**
 * Opens the streams; see {@link MarketStreams}. Names are checked before anything connects.
 * @internal
 */
export function openMarketStreams(streams: readonly string[], ctx: MarketStreamsContext): MarketStreams {
  const handle = new MarketStreamsHandle(ctx);
  handle.start(streams);
  return handle;
}
