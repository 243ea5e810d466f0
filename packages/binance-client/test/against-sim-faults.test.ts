import type { Candle } from '@collector/candle';
import type { Decimal } from '@collector/decimal';
import type { BinanceSim } from '@collector/binance-sim';
import { describe, expect, it } from 'vitest';
import {
  BinanceApiError,
  BinanceClientError,
  createBinanceClient,
  IpBanError,
  type BinanceClientOptions,
  RateLimitError,
  ResponseFormatError,
} from '../src/index.js';
import { expectContiguous, MINUTE, recordingFetch, until, useSims } from './against-sim-helpers.js';

// Every REST fault of the simulator, seen through the client over real HTTP: what comes back after
// recovery, how many requests reached the server, and what the error says when the client gives up.
// The range is in the past, so the sim's answers are the same whatever the real time.
const startSim = useSims();
const FROM = Date.UTC(2024, 0, 1);
const KLINES = { symbol: 'BTCUSDT', interval: '1m', startTime: FROM, limit: 100 } as const;

/** A sim, a recorded client on it, and the fault-free answer to {@link KLINES}. */
async function setup(options: BinanceClientOptions = {}, simWindowMs?: number) {
  const sim = await startSim({ symbols: ['BTCUSDT'], ...(simWindowMs ? { weightWindowMs: simWindowMs } : {}) });
  const recorder = recordingFetch();
  const client = createBinanceClient({ baseUrl: sim.restUrl, fetch: recorder.fetch, retryDelayMs: 10, ...options });
  const reference = await createBinanceClient({ baseUrl: sim.restUrl }).klines(KLINES);
  expect(reference).toHaveLength(100);
  return { sim, recorder, client, reference };
}

/** Closed-candle fields as plain strings, to compare two answers. */
const plain = (klines: Candle<Decimal>[]) => klines.map((k) => [k.openTime, k.open.toFixed(), k.close.toFixed(), k.volume.toFixed(), k.trades]);

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => expect.unreachable('should have failed'), (e: unknown) => e);

describe('server errors (failNext)', () => {
  it.each([500, 502, 503, 504])('retries %i with backoff and returns the right candles', async (status) => {
    const { sim, recorder, client, reference } = await setup();
    sim.faults.failNext(2, status);
    expect(plain(await client.klines(KLINES))).toEqual(plain(reference));
    expect(recorder.log.map((e) => e.status)).toEqual([status, status, 200]);
  });

  it('gives up after maxRetries with a BinanceApiError carrying the status', async () => {
    const { sim, recorder, client, reference } = await setup({ maxRetries: 2 });
    sim.faults.failNext(3, 503);
    const error = await failure(client.klines(KLINES));
    expect(error).toBeInstanceOf(BinanceApiError);
    expect(error).toMatchObject({ code: 'API_ERROR', status: 503, binanceCode: undefined });
    expect((error as Error).message).toBe('[binance-client] klines BTCUSDT failed: 503 Service Unavailable');
    expect(recorder.log).toHaveLength(3); // 1 + maxRetries
    // The client is not left in a bad state.
    expect(plain(await client.klines(KLINES))).toEqual(plain(reference));
  });

  it('never retries a 4xx: a WAF 403 page and a -1120 body', async () => {
    const { sim, recorder, client } = await setup();
    sim.faults.failNext(1, 403);
    expect(await failure(client.klines(KLINES))).toMatchObject({ name: 'BinanceApiError', status: 403, binanceCode: undefined });
    sim.faults.failNext(1, 400, JSON.stringify({ code: -1120, msg: 'Invalid interval.' }));
    const error = await failure(client.klines(KLINES));
    expect(error).toMatchObject({ name: 'BinanceApiError', status: 400, binanceCode: -1120, binanceMessage: 'Invalid interval.' });
    expect((error as Error).message).toBe('[binance-client] klines BTCUSDT failed: 400 Bad Request (-1120 Invalid interval.)');
    expect(recorder.log.map((e) => e.status)).toEqual([403, 400]);
  });
});

describe('request errors from the simulator itself', () => {
  it('-1121 invalid symbol: one request, no retry', async () => {
    const { recorder, client } = await setup({ maxRetries: 5 });
    const error = await failure(client.klines({ ...KLINES, symbol: 'NOSUCHPAIR' }));
    expect(error).toBeInstanceOf(BinanceApiError);
    expect(error).toMatchObject({ status: 400, binanceCode: -1121, binanceMessage: 'Invalid symbol.' });
    expect((error as Error).message).toBe('[binance-client] klines NOSUCHPAIR failed: 400 Bad Request (-1121 Invalid symbol.)');
    expect(recorder.log).toHaveLength(1);
  });

  it('-1120 invalid interval: the sim answers it, the client refuses the interval before sending anything', async () => {
    const { sim, recorder, client } = await setup();
    const raw = await fetch(`${sim.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=2m`);
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ code: -1120, msg: 'Invalid interval.' });
    const error = await failure(client.klines({ ...KLINES, interval: '2m' as never }));
    expect(error).toBeInstanceOf(BinanceClientError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(recorder.log).toHaveLength(0);
  });
});

describe('429 (rateLimitNext and a real over-limit)', () => {
  it('honours Retry-After and pauses the whole client, then returns the right candles', async () => {
    // A 1 s weight window makes the sim's Retry-After 1 s.
    let paused!: () => void;
    const pausing = new Promise<void>((resolve) => (paused = resolve));
    const noop = (): void => {};
    const logger = { info: noop, error: noop, warn: (_: object, msg?: string) => msg?.includes('429') && paused() };
    const { sim, recorder, client, reference } = await setup({ logger }, 1000);
    sim.faults.rateLimitNext(1);
    const first = client.klines(KLINES);
    await pausing;
    const limited = recorder.log[0]!;
    // Issued during the pause: must wait for it too, although it never got a 429 itself.
    const second = client.ping();
    expect(plain(await first)).toEqual(plain(reference));
    await second;
    expect(recorder.log.map((e) => e.status)).toEqual([429, 200, 200]);
    for (const later of recorder.log.slice(1)) expect(later.sentAt).toBeGreaterThanOrEqual(limited.receivedAt + 1000);
  });

  it('throws RateLimitError with retryAfterMs when 429 outlasts maxRetries', async () => {
    const { sim, recorder, client } = await setup({ maxRetries: 1 }, 1000);
    sim.faults.rateLimitNext(2);
    const error = await failure(client.klines(KLINES));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 1000 });
    expect((error as Error).message).toBe('[binance-client] klines BTCUSDT failed: 429 Too Many Requests');
    expect(recorder.log.map((e) => e.status)).toEqual([429, 429]);
    expect(recorder.log[1]!.sentAt).toBeGreaterThanOrEqual(recorder.log[0]!.receivedAt + 1000);
  });

  it('a client unaware of a small budget gets real 429s, waits as told and is never banned', async () => {
    const sim = await startSim({ symbols: ['BTCUSDT'], weightLimitPerMinute: 10, weightWindowMs: 1000 });
    const recorder = recordingFetch();
    const client = createBinanceClient({ baseUrl: sim.restUrl, fetch: recorder.fetch, retryDelayMs: 10 });
    // 11 requests of weight 2 cannot fit in the 5-per-window budget of two windows without a pause.
    const results: Candle<Decimal>[][] = [];
    for (let i = 0; i < 11; i++) results.push(await client.klines({ ...KLINES, startTime: FROM + i * 100 * MINUTE }));
    expect(results.every((r) => r.length === 100)).toBe(true);
    expect(recorder.count(429)).toBeGreaterThanOrEqual(1);
    expect(recorder.count(418)).toBe(0); // calling before Retry-After ends would have banned the IP
    expect(recorder.count(200)).toBe(11);
  });
});

describe('418 (banNext)', () => {
  it('throws IpBanError, sends nothing until the ban ends, then works again', async () => {
    // A 500 ms weight window makes the sim's ban (2 windows) 1 s long.
    const { sim, recorder, client, reference } = await setup({ maxRetries: 5 }, 500);
    sim.faults.banNext(1);
    const error = await failure(client.klines(KLINES));
    expect(error).toBeInstanceOf(IpBanError);
    expect(error).toMatchObject({ code: 'IP_BANNED', retryAfterMs: 1000 });
    expect((error as Error).message).toBe("[binance-client] klines BTCUSDT failed: 418 I'm a Teapot");
    const { bannedUntil } = error as IpBanError;

    // Every kind of request fails fast, without reaching the server.
    for (const call of [() => client.klines(KLINES), () => client.ping(), () => client.depth({ symbol: 'BTCUSDT' })]) {
      const again = await failure(call());
      expect(again).toBeInstanceOf(IpBanError);
      expect((again as IpBanError).retryAfterMs).toBeLessThanOrEqual(1000);
      expect((again as IpBanError).bannedUntil).toBe(bannedUntil);
    }
    expect(recorder.log).toHaveLength(1);

    await until(bannedUntil);
    expect(plain(await client.klines(KLINES))).toEqual(plain(reference));
    expect(recorder.log.map((e) => e.status)).toEqual([418, 200]);
  });

  it('a ban in the middle of klinesRange: the walk resumes after it with no gap and no duplicate', async () => {
    const sim = await startSim({ symbols: ['BTCUSDT'], weightWindowMs: 500 });
    const recorder = recordingFetch();
    const client = createBinanceClient({ baseUrl: sim.restUrl, fetch: recorder.fetch, retryDelayMs: 10 });
    const to = FROM + 2_999 * MINUTE;
    const openTimes: number[] = [];
    let ban: IpBanError | undefined;
    try {
      for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval: '1m', from: FROM, to })) {
        openTimes.push(...page.map((k) => k.openTime));
        sim.faults.banNext(1);
      }
    } catch (error) {
      ban = error as IpBanError;
    }
    expect(ban).toBeInstanceOf(IpBanError);
    expect(openTimes).toHaveLength(1000);

    await until(ban!.bannedUntil);
    sim.faults.clear();
    for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval: '1m', from: openTimes.at(-1)! + 1, to })) {
      openTimes.push(...page.map((k) => k.openTime));
    }
    expect(openTimes).toHaveLength(3000);
    expectContiguous(openTimes, FROM, MINUTE);
    expect(recorder.log.map((e) => e.status)).toEqual([200, 418, 200, 200]);
  });
});

describe('bodies that are not JSON', () => {
  it.each([
    { fault: 'htmlNext', inject: (sim: BinanceSim, n: number) => sim.faults.htmlNext(n), message: /malformed response: an HTML page/ },
    { fault: 'malformedNext', inject: (sim: BinanceSim, n: number) => sim.faults.malformedNext(n), message: /malformed response: not valid JSON/ },
  ])('$fault: retried, then ResponseFormatError when it persists', async ({ inject, message }) => {
    const { sim, recorder, client, reference } = await setup({ maxRetries: 2 });
    inject(sim, 2);
    expect(plain(await client.klines(KLINES))).toEqual(plain(reference));
    expect(recorder.log).toHaveLength(3);

    inject(sim, 3);
    const error = await failure(client.klines(KLINES));
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error).toMatchObject({ code: 'RESPONSE_FORMAT' });
    expect((error as Error).message).toMatch(message);
    expect(recorder.log).toHaveLength(6);
    expect(recorder.count(200)).toBe(6);
  });

  it('an HTML 502 page is a server error: retried, then BinanceApiError 502', async () => {
    const { sim, recorder, client } = await setup({ maxRetries: 1 });
    sim.faults.htmlNext(2, 502);
    expect(await failure(client.klines(KLINES))).toMatchObject({ name: 'BinanceApiError', status: 502 });
    expect(recorder.log.map((e) => e.status)).toEqual([502, 502]);
  });
});

describe('latency and requestTimeoutMs', () => {
  it('a request that outlives requestTimeoutMs is abandoned and retried', async () => {
    const { sim, recorder, client, reference } = await setup({ requestTimeoutMs: 200 });
    sim.faults.setLatencyMs(5_000);
    // The sim gets fast again once the client has given up on the first attempt.
    recorder.onError = () => sim.faults.setLatencyMs(0);
    expect(plain(await client.klines(KLINES))).toEqual(plain(reference));
    expect(recorder.log.map((e) => e.status)).toEqual([0, 200]);
    expect(recorder.log[0]!.receivedAt - recorder.log[0]!.sentAt).toBeGreaterThanOrEqual(190);
    expect(recorder.log[0]!.receivedAt - recorder.log[0]!.sentAt).toBeLessThan(4_000);
  });

  it('gives up with NETWORK_ERROR (TIMEOUT) after maxRetries', async () => {
    const { sim, recorder, client } = await setup({ requestTimeoutMs: 150, maxRetries: 2 });
    sim.faults.setLatencyMs(2_000);
    const error = await failure(client.klines(KLINES));
    expect(error).toBeInstanceOf(BinanceClientError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
    expect((error as Error).message).toBe('[binance-client] klines BTCUSDT failed: network error TIMEOUT');
    expect(recorder.log.map((e) => e.status)).toEqual([0, 0, 0]);
    sim.faults.clear();
  });
});

describe('faults in the middle of a walk', () => {
  it('5xx, HTML and truncated JSON between pages: the walk equals the fault-free one', async () => {
    const { sim, recorder, client } = await setup({ maxRetries: 3 });
    const to = FROM + 4_999 * MINUTE;
    const clean: Candle<Decimal>[] = [];
    for await (const page of createBinanceClient({ baseUrl: sim.restUrl }).klinesRange({ symbol: 'BTCUSDT', interval: '1m', from: FROM, to })) {
      clean.push(...page);
    }
    const got: Candle<Decimal>[] = [];
    const injections = [() => sim.faults.failNext(1, 500), () => sim.faults.htmlNext(1), () => sim.faults.malformedNext(1), () => sim.faults.failNext(2, 503)];
    for await (const page of client.klinesRange({ symbol: 'BTCUSDT', interval: '1m', from: FROM, to })) {
      got.push(...page);
      injections.shift()?.();
    }
    expect(got).toHaveLength(5000);
    expectContiguous(got.map((k) => k.openTime), FROM, MINUTE);
    expect(plain(got)).toEqual(plain(clean));
    expect(recorder.log.map((e) => e.status)).toEqual([200, 500, 200, 200, 200, 200, 200, 503, 503, 200]);
  });
});
