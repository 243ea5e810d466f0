import WebSocket from 'ws';
import { BinanceClientError, ResponseFormatError, StreamRequestError } from '../errors.js';
import type { BinanceClientLogger, ResolvedStreamOptions } from '../options.js';
import { deferPartialDepthFrame, frameError, parseStreamFrame, type StreamFrame } from './frames.js';
import { SlidingWindowPacer } from './pacing.js';
import { type ControlOp, takeBatch } from './plan.js';

/** Callbacks from one socket to the handle that owns it. @internal */
export interface SocketHooks {
  /** A stream event, an unparsed partial-depth push, or a serverShutdown notice. */
  frame(socket: StreamSocket, frame: Extract<StreamFrame, { kind: 'event' | 'partialDepthFrame' | 'serverShutdown' }>): void;
  /** A frame that could not be used (malformed, or an error reply nobody asked for). */
  frameError(socket: StreamSocket, error: BinanceClientError): void;
  /** Open, and every stream asked for so far is subscribed. Called once. */
  ready(socket: StreamSocket): void;
  /** A SUBSCRIBE or UNSUBSCRIBE was acknowledged (the `active` set changed). */
  acked(socket: StreamSocket): void;
  /** The server refused a SUBSCRIBE or UNSUBSCRIBE. */
  refused(socket: StreamSocket, error: StreamRequestError): void;
  /** The socket reached `maxConnectionAgeMs`. */
  aged(socket: StreamSocket): void;
  /** The socket closed or was terminated, other than by `retire()`. Called once. */
  lost(socket: StreamSocket, reason: string): void;
}

interface PendingRequest {
  method: ControlOp['method'];
  streams: string[];
  timer: NodeJS.Timeout;
}

/** Parameters of a {@link StreamSocket}. @internal */
export interface StreamSocketParams {
  /** Logical connection (slot) this socket serves. */
  connectionId: number;
  url: string;
  /** Streams named in the URL: subscribed as soon as the socket opens. */
  inUrl: readonly string[];
  options: ResolvedStreamOptions;
  /** Partial-depth pushes are handed over unparsed (`OpenStreamsParams.deferPartialDepth`). */
  deferPartialDepth: boolean;
  /** One message per turn of the event loop (`OpenStreamsParams.yieldBetweenMessages`). */
  yieldBetweenMessages: boolean;
  hooks: SocketHooks;
  log: BinanceClientLogger;
  nextRequestId: () => number;
}

type SocketState = 'connecting' | 'open' | 'ready' | 'closed';

/**
 * Added to the 1 s pacing window: messages sent 1000 ms apart can arrive less than 1000 ms apart (latency jitter),
 * and the server counts arrivals.
 */
const PACING_MARGIN_MS = 250;

/**
 * One WebSocket of a combined-stream connection: pacing of control messages, acks, liveness and age.
 * The owner decides what a lost socket means (reconnect, or nothing when it was being replaced).
 * @internal
 */
export class StreamSocket {
  readonly connectionId: number;
  /** Streams the server acknowledged (URL streams once open, then SUBSCRIBE acks). */
  readonly active = new Set<string>();
  /** When the socket opened (local epoch ms); 0 before. */
  openedAt = 0;
  /** When the socket became ready (local epoch ms); 0 before. */
  readyAt = 0;
  /** Last text message of any kind (local epoch ms); events after it may be missing when the socket is lost. */
  lastMessageAt = 0;
  /** Resolves when the underlying socket has closed. */
  readonly closed: Promise<void>;

  private readonly ws: WebSocket;
  private readonly pacer: SlidingWindowPacer;
  /** Streams this socket carries or will carry once its queue is sent. */
  private readonly requested: Set<string>;
  private readonly queue: ControlOp[] = [];
  private readonly pending = new Map<number, PendingRequest>();
  private state: SocketState = 'connecting';
  private retired = false;
  private lostReason: string | undefined;
  private lastFrameAt = 0;
  private staleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly p: StreamSocketParams) {
    this.connectionId = p.connectionId;
    this.requested = new Set(p.inUrl);
    this.pacer = new SlidingWindowPacer(p.options.messagesPerSecond, 1000 + PACING_MARGIN_MS);
    this.ws = new WebSocket(p.url, {
      handshakeTimeout: p.options.controlTimeoutMs,
      perMessageDeflate: false,
      allowSynchronousEvents: !p.yieldBetweenMessages,
    });
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('open', () => this.onOpen());
    this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    // ws answers every ping with a pong echoing its payload (autoPong); that pong counts against the message limit.
    this.ws.on('ping', () => {
      this.lastFrameAt = Date.now();
      this.pacer.record();
    });
    this.ws.on('pong', () => {
      this.lastFrameAt = Date.now();
    });
    this.ws.on('error', (error) => {
      this.lostReason ??= `error: ${error.message}`;
    });
    this.ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
  }

  /** True once open and every stream asked for before that is subscribed. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Brings the socket's subscriptions to `streams`: queues SUBSCRIBE/UNSUBSCRIBE for the difference. */
  sync(streams: ReadonlySet<string>): void {
    if (this.state === 'closed' || this.retired) return;
    for (const stream of streams) {
      if (this.requested.has(stream)) continue;
      this.requested.add(stream);
      // An UNSUBSCRIBE not sent yet is simply withdrawn: the server still carries the stream.
      if (!this.withdraw('UNSUBSCRIBE', stream)) this.queue.push({ method: 'SUBSCRIBE', stream });
    }
    for (const stream of [...this.requested]) {
      if (streams.has(stream)) continue;
      this.requested.delete(stream);
      if (!this.withdraw('SUBSCRIBE', stream)) this.queue.push({ method: 'UNSUBSCRIBE', stream });
    }
    this.flush();
  }

  /** Closes without reporting a loss (replaced, unsubscribed, or the handle closed); resolves once closed. */
  retire(): Promise<void> {
    if (!this.retired) {
      this.retired = true;
      this.clearTimers();
      if (this.ws.readyState === WebSocket.OPEN) {
        this.ws.close(1000);
        // A peer that never completes the closing handshake must not hold close() up.
        this.closeTimer = setTimeout(() => this.ws.terminate(), this.p.options.controlTimeoutMs);
      } else if (this.ws.readyState !== WebSocket.CLOSED) {
        this.ws.terminate();
      }
    }
    return this.closed;
  }

  /** Drops the connection now and reports it lost with `reason`. */
  terminate(reason: string): void {
    this.lostReason = reason;
    this.ws.terminate();
  }

  private withdraw(method: ControlOp['method'], stream: string): boolean {
    const i = this.queue.findIndex((op) => op.method === method && op.stream === stream);
    if (i === -1) return false;
    this.queue.splice(i, 1);
    return true;
  }

  private onOpen(): void {
    if (this.retired) return;
    const now = Date.now();
    this.state = 'open';
    this.openedAt = now;
    this.lastFrameAt = now;
    this.lastMessageAt = now;
    // The server subscribes the URL's streams on connect; any removed since are already queued as UNSUBSCRIBE.
    for (const stream of this.p.inUrl) this.active.add(stream);
    this.armStale(this.p.options.staleTimeoutMs);
    this.ageTimer = setTimeout(() => this.p.hooks.aged(this), this.p.options.maxConnectionAgeMs);
    this.flush();
    this.checkReady();
  }

  private armStale(delay: number): void {
    this.staleTimer = setTimeout(() => {
      const silentFor = Date.now() - this.lastFrameAt;
      if (silentFor >= this.p.options.staleTimeoutMs) this.terminate(`stale: no frame for ${silentFor} ms`);
      else this.armStale(this.p.options.staleTimeoutMs - silentFor);
    }, delay);
  }

  private flush(): void {
    if ((this.state !== 'open' && this.state !== 'ready') || this.retired || this.flushTimer) return;
    while (this.queue.length > 0) {
      const wait = this.pacer.delay();
      if (wait > 0) {
        this.flushTimer = setTimeout(() => {
          this.flushTimer = undefined;
          this.flush();
        }, wait);
        return;
      }
      const batch = takeBatch(this.queue, this.p.options.maxStreamsPerMessage)!;
      const id = this.p.nextRequestId();
      const timer = setTimeout(
        () => this.terminate(`no reply to ${batch.method} id ${id} within ${this.p.options.controlTimeoutMs} ms`),
        this.p.options.controlTimeoutMs,
      );
      this.pending.set(id, { ...batch, timer });
      this.pacer.record();
      this.ws.send(JSON.stringify({ method: batch.method, params: batch.streams, id }));
      this.p.log.debug?.({ connectionId: this.connectionId, method: batch.method, streams: batch.streams.length, id }, 'stream control message sent');
    }
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const now = Date.now();
    this.lastFrameAt = now;
    this.lastMessageAt = now;
    if (isBinary) {
      this.p.hooks.frameError(this, new ResponseFormatError(`stream frame failed: malformed response: binary frame on connection ${this.connectionId}`));
      return;
    }
    const text = data.toString();
    if (this.p.deferPartialDepth) {
      const deferred = deferPartialDepthFrame(text, now);
      if (deferred) return this.p.hooks.frame(this, { kind: 'partialDepthFrame', frame: deferred });
    }
    let frame: StreamFrame;
    try {
      frame = parseStreamFrame(text, now);
    } catch (error) {
      this.p.hooks.frameError(this, frameError(error));
      return;
    }
    switch (frame.kind) {
      case 'event':
      case 'partialDepthFrame':
      case 'serverShutdown':
        this.p.hooks.frame(this, frame);
        return;
      case 'reply':
        this.onReply(frame.id);
        return;
      case 'errorReply':
        this.onErrorReply(frame.id, frame.code, frame.msg);
        return;
      case 'other':
        return;
    }
  }

  private takePending(id: unknown): PendingRequest | undefined {
    if (typeof id !== 'number') return undefined;
    const request = this.pending.get(id);
    if (request) {
      clearTimeout(request.timer);
      this.pending.delete(id);
    }
    return request;
  }

  private onReply(id: unknown): void {
    const request = this.takePending(id);
    if (!request) return;
    for (const stream of request.streams) {
      if (request.method === 'SUBSCRIBE') this.active.add(stream);
      else this.active.delete(stream);
    }
    this.p.hooks.acked(this);
    this.checkReady();
  }

  private onErrorReply(id: unknown, code: number, msg: string): void {
    const request = this.takePending(id);
    const detail = `(${code} ${msg})`.replace(' )', ')');
    if (!request) {
      this.p.hooks.frameError(this, new ResponseFormatError(`stream connection ${this.connectionId} failed: error reply to unknown request id ${JSON.stringify(id)} ${detail}`));
      return;
    }
    if (request.method === 'SUBSCRIBE') for (const stream of request.streams) this.requested.delete(stream);
    const shown = request.streams.length > 3 ? `${request.streams.slice(0, 3).join(',')},… (${request.streams.length})` : request.streams.join(',');
    this.p.hooks.refused(
      this,
      new StreamRequestError(`${request.method} ${shown} failed: ${detail}`, { method: request.method, streams: request.streams, binanceCode: code, binanceMessage: msg }),
    );
    this.checkReady();
  }

  private checkReady(): void {
    if (this.state !== 'open' || this.retired || this.queue.length > 0 || this.pending.size > 0) return;
    this.state = 'ready';
    this.readyAt = Date.now();
    this.p.hooks.ready(this);
  }

  private clearTimers(): void {
    clearTimeout(this.staleTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.ageTimer);
    this.flushTimer = undefined;
    for (const request of this.pending.values()) clearTimeout(request.timer);
    this.pending.clear();
  }

  private onClose(code: number, reason: string): void {
    this.state = 'closed';
    this.clearTimers();
    clearTimeout(this.closeTimer);
    if (this.retired) return;
    this.retired = true;
    const why = this.lostReason ?? `closed by server (${code}${reason ? ` ${reason}` : ''})`;
    this.p.hooks.lost(this, why);
  }
}
