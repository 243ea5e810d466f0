import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BinanceClientError,
  createBinanceClient,
  type KlineEvent,
  type MarketStreams,
  type OpenStreamsParams,
  ResponseFormatError,
  StreamRequestError,
  type StreamsDisconnectedEvent,
  type StreamsReconnectedEvent,
} from '../src/index.js';
import { FakeStreamServer, klineData } from './streams-fake-server.js';

// Behaviour the simulator cannot be made to show (a server that goes silent, refuses a SUBSCRIBE or pings with a
// payload), over real sockets against a minimal local server.
let server: FakeStreamServer;
let handles: MarketStreams[];

beforeEach(async () => {
  server = await FakeStreamServer.start();
  handles = [];
});

afterEach(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await server.close();
});

function open(params: OpenStreamsParams): MarketStreams {
  const client = createBinanceClient({ wsBaseUrl: server.baseUrl, reconnectDelayMs: 20, controlTimeoutMs: 2000 });
  const handle = client.openStreams(params);
  handles.push(handle);
  return handle;
}

function collect<T>(handle: MarketStreams, event: 'disconnected' | 'reconnected' | 'error' | 'kline'): T[] {
  const seen: T[] = [];
  handle.on(event, (e) => seen.push(e as T));
  return seen;
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('streams against a local WebSocket server', () => {
  it('answers a ping with a pong echoing its payload', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m'] });
    await handle.ready();
    const pong = new Promise<string>((resolve) => server.open()[0]!.socket.once('pong', (data) => resolve(data.toString())));
    server.open()[0]!.socket.ping('binance-1751897378015');
    expect(await pong).toBe('binance-1751897378015');
  });

  it('yieldBetweenMessages: timers run between the messages of one read; by default they wait for the whole read', async () => {
    const turnsBeforeTimer = async (yieldBetweenMessages: boolean): Promise<number> => {
      const handle = open({ streams: ['btcusdt@kline_1m'], yieldBetweenMessages });
      const klines = collect<KlineEvent>(handle, 'kline');
      await handle.ready();
      let seenWhenTimerRan = -1;
      let timerSet = false;
      handle.on('kline', () => {
        if (timerSet) return;
        timerSet = true;
        setTimeout(() => (seenWhenTimerRan = klines.length), 0);
        // The first message's work outlasts the timer's 1 ms: it is due before the next message.
        const until = performance.now() + 3;
        while (performance.now() < until);
      });
      const burst = Array.from({ length: 50 }, (_, i) => klineData('BTCUSDT', i * 60_000));
      server.pushTogether('btcusdt@kline_1m', burst);
      await server.until(() => klines.length === burst.length && seenWhenTimerRan >= 0);
      expect(klines.map((e) => e.kline.openTime)).toEqual(burst.map((_, i) => i * 60_000));
      await handle.close();
      return seenWhenTimerRan;
    };
    expect(await turnsBeforeTimer(false)).toBe(50);
    // The timer fell due during the first message and fires before the second.
    expect(await turnsBeforeTimer(true)).toBe(1);
    expect(() => createBinanceClient().openStreams({ streams: [], yieldBetweenMessages: 1 as never })).toThrow(/invalid option yieldBetweenMessages: 1 \(expected a boolean\)/);
  });

  it('delivers parsed events, and reports a malformed frame as an error without dropping the connection', async () => {
    const handle = open({ streams: ['BTCUSDT@kline_1m'] });
    const klines = collect<KlineEvent>(handle, 'kline');
    const errors = collect<BinanceClientError>(handle, 'error');
    await handle.ready();
    expect(server.open()[0]!.urlStreams).toEqual(['btcusdt@kline_1m']);
    server.push('btcusdt@kline_1m', { ...klineData('BTCUSDT', 0), k: { ...(klineData('BTCUSDT', 0) as { k: object }).k, o: 'oops' } });
    server.push('btcusdt@kline_1m', klineData('BTCUSDT', 60_000, true));
    await server.until(() => klines.length === 1 && errors.length === 1);
    expect(errors[0]).toBeInstanceOf(ResponseFormatError);
    expect(errors[0]!.message).toMatch(/stream btcusdt@kline_1m failed: .*k\.o "oops" is not a decimal/);
    expect(klines[0]!.kline).toMatchObject({ symbol: 'BTCUSDT', openTime: 60_000, isClosed: true });
    expect(server.connections).toHaveLength(1);
  });

  it('subscribes and unsubscribes at run time, resolving on the ack, and rejects a refused SUBSCRIBE with a typed error', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m'] });
    await handle.ready();
    await handle.subscribe(['ethusdt@kline_1m', 'ethusdt@depth@100ms']);
    expect(server.open()[0]!.subscribed).toEqual(new Set(['btcusdt@kline_1m', 'ethusdt@kline_1m', 'ethusdt@depth@100ms']));
    await handle.unsubscribe(['btcusdt@kline_1m']);
    expect(server.open()[0]!.subscribed).toEqual(new Set(['ethusdt@kline_1m', 'ethusdt@depth@100ms']));
    expect(handle.streams()).toEqual(['ethusdt@kline_1m', 'ethusdt@depth@100ms']);

    server.reply = (m) => (m.params.includes('bnbusdt@depth') ? { code: 2, msg: 'Invalid request: unknown stream', id: m.id } : { result: null, id: m.id });
    const refused = handle.subscribe(['bnbusdt@depth']);
    await expect(refused).rejects.toBeInstanceOf(StreamRequestError);
    await expect(refused).rejects.toMatchObject({ code: 'STREAM_REQUEST_FAILED', method: 'SUBSCRIBE', binanceCode: 2, streams: ['bnbusdt@depth'] });
    expect(handle.streams()).not.toContain('bnbusdt@depth');
    await expect(handle.subscribe(['btcusdt@trade'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(server.connections).toHaveLength(1);
  });

  it('detects a server that goes silent without closing, reconnects, and reports the missed window', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m'], staleTimeoutMs: 300 });
    const disconnected = collect<StreamsDisconnectedEvent>(handle, 'disconnected');
    const reconnected = collect<StreamsReconnectedEvent>(handle, 'reconnected');
    await handle.ready();
    server.push('btcusdt@kline_1m', klineData('BTCUSDT', 0));
    const lastFrameAt = Date.now();
    // From here the first connection gets nothing at all: no frame, no ping, no close.
    await server.until(() => reconnected.length === 1, 3000);
    const after = Date.now();
    expect(disconnected).toHaveLength(1);
    expect(disconnected[0]!.reason).toMatch(/^stale: no frame for \d+ ms$/);
    expect(disconnected[0]!.at - lastFrameAt).toBeGreaterThanOrEqual(290);
    expect(reconnected[0]).toMatchObject({ connectionId: disconnected[0]!.connectionId, streams: ['btcusdt@kline_1m'] });
    expect(reconnected[0]!.missedFrom).toBeLessThanOrEqual(lastFrameAt + 50);
    expect(reconnected[0]!.missedTo).toBeGreaterThanOrEqual(disconnected[0]!.at);
    expect(reconnected[0]!.missedTo).toBeLessThanOrEqual(after);
    await server.until(() => server.connections[0]!.closedAt !== undefined);
    expect(server.open()).toHaveLength(1);
  });

  it('treats a SUBSCRIBE that gets no reply as a dead connection; the new connection carries the stream', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m'], controlTimeoutMs: 200 });
    const disconnected = collect<StreamsDisconnectedEvent>(handle, 'disconnected');
    await handle.ready();
    server.reply = () => undefined;
    await handle.subscribe(['ethusdt@kline_1m']);
    expect(disconnected).toHaveLength(1);
    expect(disconnected[0]!.reason).toMatch(/^no reply to SUBSCRIBE id \d+ within 200 ms$/);
    expect(server.connections).toHaveLength(2);
    expect(server.connections[1]!.urlStreams).toEqual(['btcusdt@kline_1m', 'ethusdt@kline_1m']);
    expect(handle.streams()).toEqual(['btcusdt@kline_1m', 'ethusdt@kline_1m']);
  });

  it('puts what fits in the URL, subscribes the rest in paced batches, and counts pongs against the pace', async () => {
    const streams = Array.from({ length: 60 }, (_, i) => `s${String(i).padStart(3, '0')}usdt@kline_1m`);
    const started = Date.now();
    const handle = open({ streams, maxUrlLength: 200, maxStreamsPerMessage: 10, messagesPerSecond: 4 });
    await server.until(() => server.connections.length === 1);
    // A ping while the batches go out: its pong cannot wait, but it takes one of the four slots.
    const socket = server.connections[0]!.socket;
    const pongs: number[] = [];
    socket.on('pong', () => pongs.push(Date.now()));
    socket.ping();
    await handle.ready();
    expect(pongs).toHaveLength(1);
    const url = server.connections[0]!.url;
    expect(`${server.baseUrl}${url}`.length).toBeLessThanOrEqual(200);
    const inUrl = server.connections[0]!.urlStreams;
    expect(inUrl.length).toBeGreaterThan(0);
    const subscribes = server.received.filter((m) => m.method === 'SUBSCRIBE');
    expect(subscribes.every((m) => m.params.length <= 10)).toBe(true);
    expect([...inUrl, ...subscribes.flatMap((m) => m.params)]).toEqual(streams);
    expect(subscribes.length).toBeGreaterThanOrEqual(5);
    // Five or more messages plus a pong at four per second: the pacing made it wait.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // As the server counts them, on arrival: never more than 4 SUBSCRIBEs, nor 5 frames with the pong, in a second.
    const arrivals = [...subscribes.map((m) => m.at), ...pongs].sort((a, b) => a - b);
    const inSecond = (list: number[], t: number) => list.filter((s) => s > t - 1000 && s <= t).length;
    for (const t of subscribes.map((m) => m.at)) expect(inSecond(subscribes.map((m) => m.at), t)).toBeLessThanOrEqual(4);
    for (const t of arrivals) expect(inSecond(arrivals, t)).toBeLessThanOrEqual(5);
  });

  it('replaces a connection at maxConnectionAgeMs: the new one is subscribed before the old closes, with no disconnected event', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m', 'ethusdt@kline_1m'], maxConnectionAgeMs: 300 });
    const disconnected = collect<StreamsDisconnectedEvent>(handle, 'disconnected');
    await handle.ready();
    await server.until(() => server.connections.length >= 3 && server.connections[1]!.closedAt !== undefined, 3000);
    const [first, second] = server.connections;
    expect(second!.openedAt).toBeLessThanOrEqual(first!.closedAt!);
    expect(second!.urlStreams).toEqual(['btcusdt@kline_1m', 'ethusdt@kline_1m']);
    expect(disconnected).toEqual([]);
  });

  it('retries refused connections with backoff, reporting each failure as an error event', async () => {
    const port = Number(new URL(server.baseUrl).port);
    await server.close();
    const client = createBinanceClient({ wsBaseUrl: `ws://127.0.0.1:${port}`, reconnectDelayMs: 10 });
    const handle = client.openStreams({ streams: ['btcusdt@kline_1m'] });
    handles.push(handle);
    const errors = collect<BinanceClientError>(handle, 'error');
    const ready = handle.ready();
    await new Promise<void>((resolve) => {
      const check = () => (errors.length >= 3 ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(errors.every((e) => e.code === 'NETWORK_ERROR' && /stream connection 1 failed: error: connect ECONNREFUSED/.test(e.message))).toBe(true);
    await handle.close();
    await expect(ready).rejects.toMatchObject({ code: 'STREAMS_CLOSED' });
    server = await FakeStreamServer.start();
  });

  it('bounds ready() by timeoutMs or an AbortSignal, and keeps no timer of a settled wait', async () => {
    const port = Number(new URL(server.baseUrl).port);
    await server.close();
    const before = timeouts();
    const client = createBinanceClient({ wsBaseUrl: `ws://127.0.0.1:${port}`, reconnectDelayMs: 10 });
    const handle = client.openStreams({ streams: ['btcusdt@kline_1m'] });
    handles.push(handle);
    handle.on('error', () => {});
    await expect(handle.ready({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('ready failed: not done within 50 ms') });
    const abort = new AbortController();
    const aborted = handle.ready({ signal: abort.signal, timeoutMs: 60_000 });
    abort.abort(new Error('shutting down'));
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED', cause: expect.objectContaining({ message: 'shutting down' }) });
    await expect(handle.ready({ signal: abort.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(handle.ready({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await handle.close();
    // The 60 s timer of the aborted wait went with it.
    expect(timeouts()).toBeLessThanOrEqual(before);
    server = await FakeStreamServer.start();
  });

  it('makes at most maxConnectionAttempts connection attempts per window, over every handle of the client', async () => {
    const port = Number(new URL(server.baseUrl).port);
    await server.close();
    const warnings: string[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    const client = createBinanceClient({ wsBaseUrl: `ws://127.0.0.1:${port}`, reconnectDelayMs: 0, maxConnectionAttempts: 3, connectionAttemptsWindowMs: 60_000, logger });
    const errors: BinanceClientError[] = [];
    for (const stream of ['btcusdt@kline_1m', 'ethusdt@kline_1m']) {
      const handle = client.openStreams({ streams: [stream] });
      handles.push(handle);
      handle.on('error', (e) => errors.push(e));
    }
    await new Promise<void>((resolve) => {
      const check = () => (errors.length >= 3 && warnings.includes('connection attempts at their limit, waiting') ? resolve() : setTimeout(check, 5));
      check();
    });
    // With no backoff the two handles would have retried hundreds of times by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toHaveLength(3);
    server = await FakeStreamServer.start();
  });

  it('close() closes every socket, leaves no timer behind and never reconnects', async () => {
    const before = timeouts();
    const handle = open({ streams: ['btcusdt@kline_1m', 'ethusdt@kline_1m', 'bnbusdt@kline_1m'], maxStreamsPerConnection: 1, staleTimeoutMs: 200 });
    await handle.ready();
    expect(server.open()).toHaveLength(3);
    await handle.close();
    expect(server.connections.every((c) => c.closedAt !== undefined || c.socket.readyState !== c.socket.OPEN)).toBe(true);
    await server.until(() => server.open().length === 0);
    expect(timeouts()).toBeLessThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.connections).toHaveLength(3);
    await expect(handle.subscribe(['xrpusdt@kline_1m'])).rejects.toMatchObject({ code: 'STREAMS_CLOSED' });
  });

  it('checks stream names and options before connecting', () => {
    const client = createBinanceClient({ wsBaseUrl: server.baseUrl });
    expect(() => client.openStreams({ streams: ['btcusdt@aggTrade'] })).toThrow(/invalid stream "btcusdt@aggTrade"/);
    expect(() => client.openStreams({ streams: [], maxStreamsPerConnection: 2000 })).toThrow(/maxStreamsPerConnection/);
    expect(() => client.openStreams({ streams: [], staleTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }) as Error);
    expect(() => createBinanceClient({ messagesPerSecond: 0 })).toThrow(/messagesPerSecond/);
    expect(server.connections).toHaveLength(0);
  });

  it('is an async iterable of every market event, ending at close()', async () => {
    const handle = open({ streams: ['btcusdt@kline_1m', 'btcusdt@depth'] });
    await handle.ready();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const event of handle) {
        seen.push(event.type);
        if (seen.length === 2) void handle.close();
      }
    })();
    server.push('btcusdt@kline_1m', klineData('BTCUSDT', 0));
    server.push('btcusdt@depth', { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 1, u: 2, b: [['1', '2']], a: [] });
    await loop;
    expect(seen).toEqual(['kline', 'depthDiff']);
  });
});
