import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** One control message the fake server received. */
export interface Received {
  connection: FakeConnection;
  at: number;
  method: string;
  params: string[];
  id: unknown;
}

/** One accepted connection of the fake server. */
export interface FakeConnection {
  socket: WebSocket;
  /** Streams named in the URL. */
  urlStreams: string[];
  url: string;
  subscribed: Set<string>;
  openedAt: number;
  closedAt: number | undefined;
}

/** How the fake server answers a control message; undefined = no answer. */
export type Reply = (message: Received) => object | undefined;

/**
 * A minimal combined-stream server on 127.0.0.1, port 0: enough Binance behaviour for what the simulator cannot
 * be made to do (go silent without closing, refuse a SUBSCRIBE, ping with a payload).
 */
export class FakeStreamServer {
  readonly connections: FakeConnection[] = [];
  readonly received: Received[] = [];
  reply: Reply = (m) => ({ result: null, id: m.id });
  private wss!: WebSocketServer;
  private listeners: Array<() => void> = [];

  static async start(): Promise<FakeStreamServer> {
    const server = new FakeStreamServer();
    server.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.wss.once('listening', () => resolve()));
    server.wss.on('connection', (socket, req) => server.accept(socket, req.url ?? '/'));
    return server;
  }

  get baseUrl(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  /** Open connections. */
  open(): FakeConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  /** Sends a combined-stream frame to every open connection carrying `stream`. */
  push(stream: string, data: unknown): void {
    for (const c of this.open()) if (c.subscribed.has(stream)) c.socket.send(JSON.stringify({ stream, data }));
  }

  /**
   * Sends frames of `stream` to every open connection carrying it in one write, as a server sends a connection's
   * pushes of one moment: on loopback the client then reads them all at once.
   */
  pushTogether(stream: string, data: readonly unknown[]): void {
    for (const c of this.open()) {
      if (!c.subscribed.has(stream)) continue;
      // ws writes each frame at once; corking its TCP socket (not public API) joins them into one write.
      const tcp = (c.socket as unknown as { _socket: Socket })._socket;
      tcp.cork();
      for (const item of data) c.socket.send(JSON.stringify({ stream, data: item }));
      tcp.uncork();
    }
  }

  /** Resolves when `condition` holds, checked after every server event and every 5 ms. */
  async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const started = Date.now();
    while (!condition()) {
      if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== done);
          resolve();
        };
        const timer = setTimeout(done, 5);
        this.listeners.push(done);
      });
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  private accept(socket: WebSocket, url: string): void {
    const streams = new URL(url, 'ws://x').searchParams.get('streams');
    const urlStreams = streams ? streams.split('/') : [];
    const connection: FakeConnection = { socket, url, urlStreams, subscribed: new Set(urlStreams), openedAt: Date.now(), closedAt: undefined };
    this.connections.push(connection);
    socket.on('message', (data) => {
      const body = JSON.parse(data.toString()) as { method: string; params?: string[]; id: unknown };
      const message: Received = { connection, at: Date.now(), method: body.method, params: body.params ?? [], id: body.id };
      this.received.push(message);
      const answer = this.reply(message);
      if (answer && 'result' in answer) {
        for (const s of message.params) {
          if (message.method === 'SUBSCRIBE') connection.subscribed.add(s);
          else connection.subscribed.delete(s);
        }
      }
      if (answer) socket.send(JSON.stringify(answer));
      this.changed();
    });
    socket.on('close', () => {
      connection.closedAt = Date.now();
      this.changed();
    });
    this.changed();
  }
}

/** A valid kline payload for `symbol` (uppercase). */
export function klineData(symbol: string, openTime: number, closed = false): object {
  return {
    e: 'kline', E: openTime + 1000, s: symbol,
    k: { t: openTime, T: openTime + 59_999, s: symbol, i: '1m', f: 1, L: 2, o: '1.5', c: '1.6', h: '1.7', l: '1.4', v: '10', n: 2, x: closed, q: '15', V: '5', Q: '7.5', B: '0' },
  };
}
