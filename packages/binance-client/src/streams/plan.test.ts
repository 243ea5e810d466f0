import { describe, expect, it } from 'vitest';
import { depthStream, describeStream, klineStream, normalizeStreamName, partialDepthStream } from './names.js';
import { SlidingWindowPacer } from './pacing.js';
import { combinedStreamUrl, type ControlOp, splitStreams, takeBatch } from './plan.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `sym${i}usdt@kline_1m`);

describe('stream names', () => {
  it('builds and reads the three kinds, keeping the interval case-sensitive', () => {
    expect(klineStream('BTCUSDT', '1M')).toBe('btcusdt@kline_1M');
    expect(depthStream('BTCUSDT')).toBe('btcusdt@depth');
    expect(depthStream('BTCUSDT', 100)).toBe('btcusdt@depth@100ms');
    expect(partialDepthStream('ETHBTC', 20, 100)).toBe('ethbtc@depth20@100ms');
    expect(describeStream('btcusdt@kline_1M')).toEqual({ type: 'kline', symbol: 'BTCUSDT', interval: '1M' });
    expect(describeStream('btcusdt@kline_1m@+08:00')).toEqual({ type: 'kline', symbol: 'BTCUSDT', interval: '1m' });
    expect(describeStream('btcusdt@depth@100ms')).toEqual({ type: 'depthDiff', symbol: 'BTCUSDT', updateSpeedMs: 100 });
    expect(describeStream('btcusdt@depth10')).toEqual({ type: 'partialDepth', symbol: 'BTCUSDT', levels: 10, updateSpeedMs: 1000 });
    expect(describeStream('btcusdt@trade')).toBeUndefined();
    expect(describeStream('btcusdt@kline_2m')).toBeUndefined();
  });

  it('normalizes the symbol to lowercase and refuses other names', () => {
    expect(normalizeStreamName('BTCUSDT@kline_1M')).toBe('btcusdt@kline_1M');
    for (const bad of ['btcusdt@trade', 'btcusdt@depth15', 'btcusdt', '@depth', 'btcusdt@kline_1x', 'btcusdt@depth@250ms']) {
      expect(() => normalizeStreamName(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error);
    }
    expect(() => partialDepthStream('BTCUSDT', 15 as never)).toThrow(/levels/);
    expect(() => klineStream('btcusdt', '1m')).toThrow(/symbol/);
  });
});

describe('splitting streams across connections', () => {
  it('fills connections up to the limit, in order', () => {
    expect(splitStreams(names(5), 2)).toEqual([names(5).slice(0, 2), names(5).slice(2, 4), names(5).slice(4)]);
    expect(splitStreams(names(2048), 1024).map((g) => g.length)).toEqual([1024, 1024]);
    expect(splitStreams([], 1024)).toEqual([]);
  });
});

describe('combined-stream URL', () => {
  it('puts every stream in the URL when it fits', () => {
    const { url, inUrl, toSubscribe } = combinedStreamUrl('wss://h:9443', ['btcusdt@kline_1m', 'btcusdt@depth@100ms'], 4096);
    expect(url).toBe('wss://h:9443/stream?streams=btcusdt@kline_1m/btcusdt@depth@100ms');
    expect(inUrl).toHaveLength(2);
    expect(toSubscribe).toEqual([]);
  });

  it('keeps the URL within the limit and leaves the rest to SUBSCRIBE, in order', () => {
    const streams = names(1024);
    const { url, inUrl, toSubscribe } = combinedStreamUrl('wss://stream.binance.com:9443', streams, 4096);
    expect(url.length).toBeLessThanOrEqual(4096);
    expect(url.length).toBeGreaterThan(4096 - 30);
    expect([...inUrl, ...toSubscribe]).toEqual(streams);
    expect(new URL(url).searchParams.get('streams')!.split('/')).toEqual(inUrl);
  });

  it('always names at least one stream, and escapes + of the UTC+8 kline variant', () => {
    expect(combinedStreamUrl('ws://h', ['btcusdt@kline_1m'], 10).inUrl).toEqual(['btcusdt@kline_1m']);
    const { url } = combinedStreamUrl('ws://h', ['btcusdt@kline_1h@+08:00'], 4096);
    expect(new URL(url).searchParams.get('streams')).toBe('btcusdt@kline_1h@+08:00');
  });
});

describe('control message batches', () => {
  it('takes the longest run of one method up to the batch size, keeping order', () => {
    const queue: ControlOp[] = [
      ...names(5).map((stream) => ({ method: 'SUBSCRIBE' as const, stream })),
      { method: 'UNSUBSCRIBE', stream: 'a@depth' },
      { method: 'SUBSCRIBE', stream: 'b@depth' },
    ];
    expect(takeBatch(queue, 3)).toEqual({ method: 'SUBSCRIBE', streams: names(3) });
    expect(takeBatch(queue, 3)).toEqual({ method: 'SUBSCRIBE', streams: names(5).slice(3) });
    expect(takeBatch(queue, 3)).toEqual({ method: 'UNSUBSCRIBE', streams: ['a@depth'] });
    expect(takeBatch(queue, 3)).toEqual({ method: 'SUBSCRIBE', streams: ['b@depth'] });
    expect(takeBatch(queue, 3)).toBeUndefined();
  });
});

describe('pacing', () => {
  it('allows at most `limit` events in any window; a pong recorded without asking delays the next message', () => {
    let now = 1000;
    const pacer = new SlidingWindowPacer(4, 1000, () => now);
    const control: number[] = [];
    const pongs = [1500, 2700];
    const all: number[] = [];
    while (now < 4000) {
      while (pongs[0] !== undefined && pongs[0] <= now) {
        pongs.shift();
        pacer.record();
        all.push(now);
      }
      const wait = pacer.delay();
      if (wait === 0) {
        pacer.record();
        control.push(now);
        all.push(now);
      } else {
        now += Math.min(wait, 10);
      }
    }
    const inWindow = (list: number[], t: number) => list.filter((s) => s > t - 1000 && s <= t).length;
    for (const t of all) expect(inWindow(all, t)).toBeLessThanOrEqual(5);
    for (const t of control) expect(inWindow(all, t)).toBeLessThanOrEqual(4);
    expect(control.length).toBeGreaterThanOrEqual(9);
  });

  it('waits until the oldest event leaves the window', () => {
    let now = 0;
    const pacer = new SlidingWindowPacer(2, 1000, () => now);
    pacer.record();
    now = 300;
    pacer.record();
    expect(pacer.delay()).toBe(700);
    now = 1000;
    expect(pacer.delay()).toBe(0);
    expect(pacer.count()).toBe(1);
  });
});
