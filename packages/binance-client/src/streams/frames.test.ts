import { readdirSync, readFileSync } from 'node:fs';
import { formatDecimal, normalizeDecimalString } from '@collector/decimal';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { ResponseFormatError } from '../errors.js';
import type { DepthLevel } from '../parse.js';
import type { DepthDiffEvent, KlineEvent, PartialDepthEvent } from '../stream-events.js';
import { deferPartialDepthFrame, parseStreamFrame } from './frames.js';

const klineFrames = fixturePath('ws_kline', 'kline_1m_combined_stream_frames_2021.jsonl');
const klineFrame2025 = fixturePath('ws_kline', 'kline_1m_BTCUSDT_2025-07-07_single_frame_WeiNyn-opentrade.jsonl');
const depthUpdatesDir = fixturePath('depth_and_streams', 'cryptofeed', 'extracted', 'depth_updates');
const btcDepth2024 = fixturePath('depth_and_streams', 'hftbacktest', 'extracted', 'btcusdt_20240808_first150_depth_updates_plus_snapshot.txt');
const btcSnapshot2024 = fixturePath(
  'depth_and_streams', 'hftbacktest', 'extracted', 'btcusdt_20240808_depth_snapshot_limit1000_lastUpdateId50093239218.json',
);
const RECEIVED = 1_700_000_000_000;

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
const exact = (value: string) => normalizeDecimalString(value);
const levelsAsStrings = (levels: DepthLevel[]) => levels.map(([p, q]) => [formatDecimal(p), formatDecimal(q)]);
const rawLevels = (levels: [string, string][]) => levels.map(([p, q]) => [exact(p), exact(q)]);

function expectKlineMatches(event: KlineEvent, raw: { stream: string; data: Record<string, any> }): void {
  const k = raw.data.k;
  expect(event.type).toBe('kline');
  expect(event.stream).toBe(raw.stream);
  expect(event.eventTime).toBe(raw.data.E);
  expect(event.receivedAt).toBe(RECEIVED);
  expect(event.kline).toMatchObject({ symbol: k.s, interval: k.i, openTime: k.t, closeTime: k.T, trades: k.n, isClosed: k.x });
  expect(formatDecimal(event.kline.open)).toBe(exact(k.o));
  expect(formatDecimal(event.kline.high)).toBe(exact(k.h));
  expect(formatDecimal(event.kline.low)).toBe(exact(k.l));
  expect(formatDecimal(event.kline.close)).toBe(exact(k.c));
  expect(formatDecimal(event.kline.volume)).toBe(exact(k.v));
  expect(formatDecimal(event.kline.quoteVolume)).toBe(exact(k.q));
  expect(formatDecimal(event.kline.takerBuyVolume)).toBe(exact(k.V));
  expect(formatDecimal(event.kline.takerBuyQuoteVolume)).toBe(exact(k.Q));
}

describe.skipIf(!klineFrames)('recorded kline frames', () => {
  it('parses all 39 frames of 2021 exactly, isClosed being the x flag', () => {
    const frames = lines(klineFrames!);
    expect(frames).toHaveLength(39);
    let closed = 0;
    for (const line of frames) {
      const frame = parseStreamFrame(line, RECEIVED);
      expect(frame.kind).toBe('event');
      const event = (frame as { event: KlineEvent }).event;
      expectKlineMatches(event, JSON.parse(line));
      if (event.kline.isClosed) closed++;
    }
    expect(closed).toBe(2);
  });

  it('parses the 2025 BTCUSDT frame', () => {
    const line = lines(klineFrame2025!)[0]!;
    const frame = parseStreamFrame(line, RECEIVED) as { event: KlineEvent };
    expectKlineMatches(frame.event, JSON.parse(line));
    expect(frame.event.kline.isClosed).toBe(false);
  });
});

describe.skipIf(!depthUpdatesDir)('recorded diff depth frames', () => {
  const files = depthUpdatesDir ? readdirSync(depthUpdatesDir).filter((f) => f.endsWith('.jsonl')) : [];

  it.each(files)('%s parses with exact levels and update ids', (file) => {
    for (const line of lines(`${depthUpdatesDir}/${file}`)) {
      const raw = JSON.parse(line);
      const event = (parseStreamFrame(line, RECEIVED) as { event: DepthDiffEvent }).event;
      expect(event).toMatchObject({
        type: 'depthDiff',
        stream: raw.stream,
        symbol: raw.data.s,
        eventTime: raw.data.E,
        receivedAt: RECEIVED,
        firstUpdateId: raw.data.U,
        finalUpdateId: raw.data.u,
      });
      expect(levelsAsStrings(event.bids)).toEqual(rawLevels(raw.data.b));
      expect(levelsAsStrings(event.asks)).toEqual(rawLevels(raw.data.a));
    }
  });

  it.skipIf(!btcDepth2024)('parses the 2024 BTCUSDT @depth@100ms frames, consecutive update ids', () => {
    const frames = lines(btcDepth2024!)
      .map((l) => l.slice(l.indexOf(' ') + 1))
      .filter((l) => l.includes('"stream"'));
    expect(frames.length).toBeGreaterThanOrEqual(150);
    let previous: DepthDiffEvent | undefined;
    for (const line of frames) {
      const event = (parseStreamFrame(line, RECEIVED) as { event: DepthDiffEvent }).event;
      expect(event.symbol).toBe('BTCUSDT');
      if (previous) expect(event.firstUpdateId).toBe(previous.finalUpdateId + 1);
      previous = event;
    }
  });
});

describe.skipIf(!btcSnapshot2024)('partial depth frames', () => {
  it('parses a depth20 payload cut from a recorded snapshot (the same shape), symbol and levels from the stream name', () => {
    const snapshot = JSON.parse(readFileSync(btcSnapshot2024!, 'utf8'));
    const data = { lastUpdateId: snapshot.lastUpdateId, bids: snapshot.bids.slice(0, 20), asks: snapshot.asks.slice(0, 20) };
    const frame = parseStreamFrame(JSON.stringify({ stream: 'btcusdt@depth20@100ms', data }), RECEIVED) as { event: PartialDepthEvent };
    expect(frame.event).toMatchObject({ type: 'partialDepth', stream: 'btcusdt@depth20@100ms', symbol: 'BTCUSDT', levels: 20, lastUpdateId: 50093239218 });
    // The exchange's text as it came, not a Decimal.
    expect(frame.event.bids).toEqual(data.bids);
    expect(frame.event.asks).toEqual(data.asks);
  });
});

if (!klineFrames || !depthUpdatesDir || !btcSnapshot2024) it.skip(FIXTURES_SKIP_REASON, () => {});

describe('control and service frames', () => {
  it('reads replies, error replies in both shapes, and serverShutdown in raw and combined form', () => {
    expect(parseStreamFrame('{"result":null,"id":7}', 0)).toEqual({ kind: 'reply', id: 7, result: null });
    expect(parseStreamFrame('{"code":2,"msg":"Invalid request","id":8}', 0)).toEqual({ kind: 'errorReply', id: 8, code: 2, msg: 'Invalid request' });
    expect(parseStreamFrame('{"error":{"code":0,"msg":"Unknown property"},"id":9}', 0)).toEqual({ kind: 'errorReply', id: 9, code: 0, msg: 'Unknown property' });
    expect(parseStreamFrame('{"e":"serverShutdown","E":1750000000000}', 0)).toEqual({ kind: 'serverShutdown', eventTime: 1750000000000 });
    expect(parseStreamFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":5}}', 0)).toEqual({ kind: 'serverShutdown', eventTime: 5 });
  });

  it('passes over well-formed frames of streams it does not type', () => {
    const bookTicker = '{"stream":"swrvbusd@bookTicker","data":{"u":64830107,"s":"SWRVBUSD","b":"2.272","B":"218.4","a":"2.277","A":"1.192"}}';
    expect(parseStreamFrame(bookTicker, 0)).toEqual({ kind: 'other', stream: 'swrvbusd@bookTicker' });
  });
});

describe('malformed frames are refused whole, naming the stream and the field', () => {
  const KLINE = {
    stream: 'btcusdt@kline_1m',
    data: {
      e: 'kline', E: 1751897378015, s: 'BTCUSDT',
      k: { t: 1751897340000, T: 1751897399999, s: 'BTCUSDT', i: '1m', f: 1, L: 2, o: '108521.04', c: '108473.03', h: '108521.04', l: '108473.02', v: '5.21', n: 1831, x: false, q: '565334.99', V: '3.03', Q: '329823.87', B: '0' },
    },
  };
  const DEPTH = {
    stream: 'btcusdt@depth@100ms',
    data: { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 10, u: 12, b: [['1.5', '2']], a: [['1.6', '0']] },
  };
  const PARTIAL = { stream: 'btcusdt@depth5', data: { lastUpdateId: 3, bids: [['1.5', '2']], asks: [['1.6', '1']] } };

  const mutate = (base: object, path: string[], value: unknown) => {
    const copy = structuredClone(base) as Record<string, any>;
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key];
    if (value === undefined) delete node[path.at(-1)!];
    else node[path.at(-1)!] = value;
    return JSON.stringify(copy);
  };

  it.each([
    [KLINE, ['data', 'k', 'o'], '1.2.3', /btcusdt@kline_1m.*k\.o "1\.2\.3" is not a decimal/],
    [KLINE, ['data', 'k', 'c'], 108473.03, /btcusdt@kline_1m.*k\.c is not a number string/],
    [KLINE, ['data', 'k', 'x'], 'true', /btcusdt@kline_1m.*k\.x is not a boolean/],
    [KLINE, ['data', 'k', 't'], undefined, /btcusdt@kline_1m.*k\.t is not an integer/],
    [KLINE, ['data', 'k', 'i'], '1M', /btcusdt@kline_1m.*k\.i "1M" is not the stream's interval/],
    [KLINE, ['data', 'k', 's'], 'ETHUSDT', /btcusdt@kline_1m.*k\.s "ETHUSDT" is not the stream's symbol/],
    [KLINE, ['data', 'E'], '1', /btcusdt@kline_1m.*E is not an integer/],
    [KLINE, ['data', 'e'], 'trade', /btcusdt@kline_1m.*e is "trade"/],
    [KLINE, ['data', 'k'], [], /btcusdt@kline_1m.*k is not an object/],
    [DEPTH, ['data', 'U'], 13, /btcusdt@depth@100ms.*u is less than U/],
    [DEPTH, ['data', 'b', 0, 1], 'NaN'] as never,
    [DEPTH, ['data', 'a'], undefined, /btcusdt@depth@100ms.*a is not an array/],
    [DEPTH, ['data', 's'], 'ETHUSDT', /btcusdt@depth@100ms.*s "ETHUSDT" is not the stream's symbol/],
    [PARTIAL, ['data', 'lastUpdateId'], 1.5, /btcusdt@depth5.*lastUpdateId is not an integer/],
    [PARTIAL, ['data', 'bids', 0], ['1.5'], /btcusdt@depth5.*bids\[0\] is not a \[price, qty\] pair/],
    [PARTIAL, ['data'], 'x', /btcusdt@depth5.*data is not an object/],
    [PARTIAL, ['data', 'bids', 0, 0], '1,5', /btcusdt@depth5.*bids\[0\] price "1,5" is not a decimal/],
    [PARTIAL, ['data', 'asks', 0, 1], 1, /btcusdt@depth5.*asks\[0\] qty is not a number string/],
    [PARTIAL, ['data', 'asks', 0, 1], '-1', /btcusdt@depth5.*asks\[0\] qty "-1" is negative/],
    [PARTIAL, ['data', 'bids', 0], ['1.5', '2', '3'], /btcusdt@depth5.*bids\[0\] is not a \[price, qty\] pair/],
    [PARTIAL, ['data', 'bids'], [['1.5', '2'], ['1.50', '1']], /btcusdt@depth5.*bids\[1\] price "1\.50" is not below bids\[0\] price "1\.5"/],
    [PARTIAL, ['data', 'bids'], [['1.4', '2'], ['1.45', '1']], /btcusdt@depth5.*bids\[1\] price "1\.45" is not below bids\[0\] price "1\.4"/],
    [PARTIAL, ['data', 'asks'], [['1.6', '2'], ['1.59999', '1']], /btcusdt@depth5.*asks\[1\] price "1\.59999" is not above asks\[0\] price "1\.6"/],
    [PARTIAL, ['data', 'asks'], [['1.50000', '2']], /btcusdt@depth5.*the book is crossed: best bid "1\.5" is not below best ask "1\.50000"/],
    [PARTIAL, ['data', 'asks'], [['1.4', '2']], /btcusdt@depth5.*the book is crossed/],
  ] as [object, string[], unknown, RegExp?][])('%#: %j with %j at %j', (base, path, value, message) => {
    const text = mutate(base, path, value);
    expect(() => parseStreamFrame(text, 0)).toThrow(ResponseFormatError);
    expect(() => parseStreamFrame(text, 0)).toThrow(message ?? /btcusdt@depth@100ms.*b\[0\] qty "NaN" is not a decimal/);
  });

  it('reads partial depth in any scale and exponent form as text, checking its order by value', () => {
    const data = { lastUpdateId: 3, bids: [['10.0', '1'], ['9.99000000', '2'], ['5E-8', '3']], asks: [['10.00000001', '1.5E+3'], ['11', '0.1']] };
    const event = (parseStreamFrame(JSON.stringify({ stream: 'btcusdt@depth5', data }), 0) as { event: PartialDepthEvent }).event;
    expect(event.bids).toEqual(data.bids);
    expect(event.asks).toEqual(data.asks);
    const empty = (parseStreamFrame(JSON.stringify({ stream: 'btcusdt@depth5', data: { lastUpdateId: 3, bids: [], asks: [['1', '1']] } }), 0) as { event: PartialDepthEvent }).event;
    expect(empty.bids).toEqual([]);
  });

  it('refuses text that is not JSON or not a known frame', () => {
    expect(() => parseStreamFrame('{"stream":"btcusdt@kline_1m","data":', 0)).toThrow(/stream frame failed: malformed response: not valid JSON/);
    expect(() => parseStreamFrame('[1,2]', 0)).toThrow(/stream frame failed: malformed response: not a JSON object/);
    expect(() => parseStreamFrame('{"hello":1}', 0)).toThrow(/neither a stream event nor a reply/);
  });
});

describe('deferred partial depth frames', () => {
  const PUSH = '{"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":3,"bids":[["1.5","2"],["1.4","1"]],"asks":[["1.6","1"]]}}';

  it('routes a push by its stream name and parses it only on parse(), to the event parseStreamFrame builds', () => {
    const frame = deferPartialDepthFrame(PUSH, RECEIVED);
    expect(frame).toMatchObject({ type: 'partialDepthFrame', stream: 'btcusdt@depth5@100ms', symbol: 'BTCUSDT', levels: 5, receivedAt: RECEIVED });
    const event = frame!.parse();
    expect(event).toEqual((parseStreamFrame(PUSH, RECEIVED) as { event: PartialDepthEvent }).event);
    expect(frame!.parse()).toBe(event);
  });

  it('leaves everything else to parseStreamFrame: other streams, replies, escaped names, other shapes', () => {
    for (const text of [
      '{"stream":"btcusdt@depth@100ms","data":{}}',
      '{"stream":"btcusdt@kline_1m","data":{}}',
      '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":5}}',
      '{"result":null,"id":7}',
      '{"stream":"btc\\u0075sdt@depth5","data":{}}',
      '{ "stream":"btcusdt@depth5","data":{}}',
      '{"stream":"btcusdt@depth5',
    ]) {
      expect(deferPartialDepthFrame(text, 0), text).toBeUndefined();
    }
  });

  it('refuses on parse() what the partialDepth event would refuse, the same error every call', () => {
    const crossed = PUSH.replace('[["1.6","1"]]', '[["1.45","1"]]');
    const frame = deferPartialDepthFrame(crossed, 0)!;
    expect(() => frame.parse()).toThrow(ResponseFormatError);
    expect(() => frame.parse()).toThrow(/btcusdt@depth5@100ms failed: malformed response: the book is crossed/);
    expect(() => deferPartialDepthFrame('{"stream":"btcusdt@depth5","data":', 0)!.parse()).toThrow(/stream frame failed: malformed response: not valid JSON/);
    const twoNames = '{"stream":"btcusdt@depth5","stream":"ethusdt@depth5","data":{"lastUpdateId":3,"bids":[],"asks":[]}}';
    expect(() => deferPartialDepthFrame(twoNames, 0)!.parse()).toThrow(/btcusdt@depth5 failed: malformed response: the frame names two streams/);
  });
});
