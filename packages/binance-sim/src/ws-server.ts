import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { FaultQueue } from './faults.js';
import type { SymbolMarket } from './market.js';
import type { ResolvedOptions } from './options.js';
import { parseStream, type StreamHub, type Subscriber } from './streams.js';

/** What the WebSocket server needs from the simulator. */
export interface WsServerContext {
  options: ResolvedOptions;
  markets: ReadonlyMap<string, SymbolMarket>;
  hub: StreamHub;
  faults: FaultQueue;
  now(): number;
}

/** The running WebSocket half. */
export interface WsServerHandle {
  /** Open connections. */
  connectionCount(): number;
  /** Stops the scheduler and terminates every connection. */
  close(): void;
}

/** A slow reader with this much unsent data is dropped, as Binance drops slow consumers. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Frames of a scheduler step sent in one socket write at most. One write for the whole step held its first event
 * until the last was rendered (3-10 ms for 400 kline events on two busy cores); one write per frame cost 2-5 ms of
 * system calls for 200 closes.
 */
const FRAMES_PER_WRITE = 50;

type RequestId = number | string | null;

class ControlError extends Error {
  constructor(
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

class Connection implements Subscriber {
  readonly streams = new Set<string>();
  private windowStart = 0;
  private windowCount = 0;
  /** real time of the oldest unanswered ping */
  pingOutstandingSince: number | undefined;
  lastPingAt: number;
  private framesSent = 0;

  constructor(
    readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`: corked over a scheduler step, see {@link attachWsServer}. */
    readonly socket: Duplex,
    public combined: boolean,
    readonly openedAt: number,
  ) {
    this.lastPingAt = openedAt;
  }

  deliver(stream: string, payload: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ws.terminate();
      return;
    }
    this.ws.send(this.combined ? `{"stream":"${stream}","data":${payload}}` : payload);
    // Corked over a scheduler step: what is rendered so far leaves every FRAMES_PER_WRITE frames.
    if (++this.framesSent % FRAMES_PER_WRITE === 0 && this.socket.writableCorked > 0) {
      this.socket.uncork();
      this.socket.cork();
    }
  }

  /** Counts one incoming frame; false (and the connection closing) when over the limit. */
  countIncoming(realNow: number, maxPerSecond: number): boolean {
    if (realNow - this.windowStart >= 1000) {
      this.windowStart = realNow;
      this.windowCount = 0;
    }
    this.windowCount++;
    if (this.windowCount <= maxPerSecond) return true;
    this.ws.close(1008, 'Too many messages');
    return false;
  }
}

/** Attaches the Binance-like stream endpoints (`/ws`, `/ws/<streams>`, `/stream?streams=`) to `server`. */
export function attachWsServer(server: Server, ctx: WsServerContext): WsServerHandle {
  const { options: o, hub, faults, markets } = ctx;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const connections = new Set<Connection>();
  const attempts = new Map<string, number[]>();
  const timers = new Set<NodeJS.Timeout>();
  let wasStalled = false;

  function reject(socket: Duplex, status: number): void {
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  }

  function attemptAllowed(ip: string, realNow: number): boolean {
    const list = (attempts.get(ip) ?? []).filter((t) => realNow - t < o.wsConnectionAttemptWindowMs);
    list.push(realNow);
    attempts.set(ip, list);
    return list.length <= o.wsMaxConnectionAttempts;
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const realNow = performance.now();
    if (!attemptAllowed(req.socket.remoteAddress ?? 'unknown', realNow)) return reject(socket, 429);
    if (faults.takeReject()) return reject(socket, 503);
    const url = new URL(req.url ?? '/', 'http://sim');
    let combined: boolean;
    let names: string[];
    try {
      if (url.pathname === '/ws' || url.pathname === '/ws/') {
        combined = false;
        names = [];
      } else if (url.pathname.startsWith('/ws/')) {
        combined = false;
        names = url.pathname.slice(4).split('/').filter(Boolean).map(decodeURIComponent);
      } else if (url.pathname === '/stream' || url.pathname === '/stream/') {
        combined = true;
        names = (url.searchParams.get('streams') ?? '').split('/').filter(Boolean);
      } else return reject(socket, 404);
    } catch {
      return reject(socket, 400);
    }
    const specs = names.map((n) => parseStream(n, markets));
    if (specs.some((s) => s === undefined) || new Set(names).size > o.wsMaxStreamsPerConnection) return reject(socket, 400);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, socket, combined, performance.now());
      connections.add(conn);
      names.forEach((n, i) => {
        if (conn.streams.has(n)) return;
        conn.streams.add(n);
        hub.subscribe(n, specs[i]!, conn, conn.openedAt);
      });
      ws.on('message', (data: RawData, isBinary: boolean) => onMessage(conn, data, isBinary));
      ws.on('ping', () => conn.countIncoming(performance.now(), o.wsMaxMessagesPerSecond));
      ws.on('pong', () => {
        if (conn.countIncoming(performance.now(), o.wsMaxMessagesPerSecond)) conn.pingOutstandingSince = undefined;
      });
      ws.on('close', () => {
        connections.delete(conn);
        for (const n of conn.streams) hub.unsubscribe(n, conn);
        conn.streams.clear();
      });
      ws.on('error', () => ws.terminate());
    });
  });

  function reply(conn: Connection, body: Record<string, unknown>): void {
    if (faults.stalled(performance.now()) || conn.ws.readyState !== WebSocket.OPEN) return;
    conn.ws.send(JSON.stringify(body));
  }

  function onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    if (!conn.countIncoming(performance.now(), o.wsMaxMessagesPerSecond)) return;
    let id: RequestId = null;
    try {
      let msg: unknown;
      const text = isBinary ? '' : data.toString();
      try {
        msg = JSON.parse(text);
      } catch (err) {
        throw new ControlError(3, `Invalid JSON: ${(err as Error).message}`);
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ControlError(2, 'Invalid request: expected a JSON object');
      const req = msg as Record<string, unknown>;
      if (!('id' in req)) throw new ControlError(2, 'Invalid request: missing field `id`');
      const rawId = req.id;
      if (!(rawId === null || (typeof rawId === 'number' && Number.isInteger(rawId)) || (typeof rawId === 'string' && /^[A-Za-z0-9]{1,36}$/.test(rawId)))) {
        throw new ControlError(2, 'Invalid request: request ID must be a signed 64-bit integer, an alphanumeric string of at most 36 characters, or null');
      }
      id = rawId;
      if (!('method' in req)) throw new ControlError(2, 'Invalid request: missing field `method`');
      const params = req.params;
      if (params !== undefined && !Array.isArray(params)) throw new ControlError(2, 'Invalid request: params must be an array');
      const list = (params ?? []) as unknown[];
      const result = control(conn, req.method, list);
      reply(conn, { result, id });
    } catch (err) {
      if (!(err instanceof ControlError)) throw err;
      reply(conn, { code: err.code, msg: err.message, id });
    }
  }

  function control(conn: Connection, method: unknown, params: unknown[]): unknown {
    const realNow = performance.now();
    switch (method) {
      case 'SUBSCRIBE': {
        if (params.length === 0) throw new ControlError(2, 'Invalid request: SUBSCRIBE needs at least one stream name');
        const specs = params.map((p) => {
          if (typeof p !== 'string') throw new ControlError(2, 'Invalid request: stream names must be strings');
          const spec = parseStream(p, markets);
          if (!spec) throw new ControlError(2, `Invalid request: unknown stream name '${p}'`);
          return [p, spec] as const;
        });
        const added = new Set(specs.map(([n]) => n).filter((n) => !conn.streams.has(n)));
        if (conn.streams.size + added.size > o.wsMaxStreamsPerConnection) {
          throw new ControlError(2, `Invalid request: too many streams; a connection may hold at most ${o.wsMaxStreamsPerConnection}`);
        }
        for (const [n, spec] of specs) {
          if (conn.streams.has(n)) continue;
          conn.streams.add(n);
          hub.subscribe(n, spec, conn, realNow);
        }
        return null;
      }
      case 'UNSUBSCRIBE': {
        if (params.some((p) => typeof p !== 'string')) throw new ControlError(2, 'Invalid request: stream names must be strings');
        for (const n of params as string[]) {
          if (!conn.streams.delete(n)) continue;
          hub.unsubscribe(n, conn);
        }
        return null;
      }
      case 'LIST_SUBSCRIPTIONS':
        if (params.length > 0) throw new ControlError(2, 'Invalid request: too many parameters');
        return [...conn.streams];
      case 'SET_PROPERTY':
      case 'GET_PROPERTY': {
        const setting = method === 'SET_PROPERTY';
        if (params.length > (setting ? 2 : 1)) throw new ControlError(2, 'Invalid request: too many parameters');
        if (params.length < (setting ? 2 : 1)) throw new ControlError(2, 'Invalid request: missing parameters');
        if (typeof params[0] !== 'string') throw new ControlError(2, 'Invalid request: property name must be a string');
        if (params[0] !== 'combined') throw new ControlError(0, 'Unknown property');
        if (!setting) return conn.combined;
        if (typeof params[1] !== 'boolean') throw new ControlError(1, 'Invalid value type: expected Boolean');
        conn.combined = params[1];
        return null;
      }
      default:
        throw new ControlError(2, `Invalid request: unknown variant ${JSON.stringify(method)}, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY`);
    }
  }

  function housekeeping(realNow: number): void {
    const stalled = faults.stalled(realNow);
    if (stalled) {
      wasStalled = true;
      return;
    }
    for (const conn of connections) {
      if (wasStalled) {
        // the server was silent: restart the ping clock instead of blaming the clients
        conn.lastPingAt = realNow;
        if (conn.pingOutstandingSince !== undefined) conn.pingOutstandingSince = realNow;
      }
      if (conn.ws.readyState !== WebSocket.OPEN) continue;
      if (realNow - conn.openedAt >= o.wsMaxConnectionLifetimeMs) {
        conn.ws.close(1000, 'Connection lifetime reached');
        continue;
      }
      if (conn.pingOutstandingSince !== undefined && realNow - conn.pingOutstandingSince >= o.wsPongTimeoutMs) {
        conn.ws.terminate();
        continue;
      }
      if (realNow - conn.lastPingAt >= o.wsPingIntervalMs) {
        conn.lastPingAt = realNow;
        conn.pingOutstandingSince ??= realNow;
        conn.ws.ping();
      }
    }
    wasStalled = false;
  }

  const tickMs = schedulerTickMs(o);
  const scheduler = setInterval(() => {
    const realNow = performance.now();
    // The events of one step leave in few socket writes per connection (FRAMES_PER_WRITE frames each), as a server's
    // send buffer would batch them: a frame per write system call made writing 200 closes take 2-5 ms of the step.
    // What is sent and its order are unchanged.
    const corked = [...connections].filter((c) => c.ws.readyState === WebSocket.OPEN);
    for (const c of corked) c.socket.cork();
    try {
      hub.tick(realNow);
      housekeeping(realNow);
    } finally {
      for (const c of corked) c.socket.uncork();
    }
  }, tickMs);

  faults.bindWs({
    dropConnections() {
      for (const c of connections) c.ws.terminate();
    },
    serverShutdown() {
      const E = ctx.now();
      const event = JSON.stringify({ e: 'serverShutdown', E });
      const targets = [...connections];
      for (const c of targets) {
        if (c.ws.readyState === WebSocket.OPEN) c.ws.send(c.combined ? `{"stream":"!serverShutdown","data":${event}}` : event);
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        for (const c of targets) c.ws.close(1001, 'Server shutdown');
      }, o.wsShutdownGraceMs);
      timers.add(timer);
    },
  });

  return {
    connectionCount: () => connections.size,
    close() {
      clearInterval(scheduler);
      for (const t of timers) clearTimeout(t);
      for (const c of connections) c.ws.terminate();
      wss.close();
    },
  };
}

/** The scheduler period used for `options`, in ms (half of it is the hub's slack). */
export function schedulerTickMs(o: ResolvedOptions): number {
  return Math.max(1, Math.min(100, o.depthUpdateMs, o.wsPingIntervalMs / 2));
}
