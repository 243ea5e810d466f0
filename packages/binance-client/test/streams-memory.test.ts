import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { createBinanceClient, type MarketEvent, type MarketStreams } from '../src/index.js';

// A consumer of the async iterator that stops reading while 200 kline streams keep flowing, over real sockets
// from the simulator. The checks are counts and a heap bound, not timings: the machine's load changes how fast
// the events come, not what is asserted.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SYMBOLS = Array.from({ length: 200 }, (_, i) => `MEM${i}USDT`);
const MAX_QUEUED = 2000;
/** Events dropped before reading resumes: were they kept, they alone would take tens of MB. */
const DROPPED_BEFORE_RESUME = 50_000;
const MB = 1024 * 1024;

function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a stream consumer that stops reading', () => {
  let sim: BinanceSim | undefined;
  let handle: MarketStreams | undefined;
  afterAll(async () => {
    await handle?.close();
    await sim?.close();
  });

  it('for a simulated minute of 200 streams keeps memory bounded, counts what it dropped, and then reads on in order', async () => {
    // A push of every open candle every 10 ms: about 20,000 events a second when the machine keeps up.
    sim = await startBinanceSim({ symbols: SYMBOLS, speed: 60, klinePushMs: 10, depthUpdateMs: 10 });
    const warnings: string[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    handle = createBinanceClient({ wsBaseUrl: sim.restUrl.replace(/^http/, 'ws'), logger }).openStreams({
      streams: SYMBOLS.map((s) => `${s.toLowerCase()}@kline_1m`),
      maxQueuedEvents: MAX_QUEUED,
    });
    await handle.ready({ timeoutMs: 30_000 });
    const streams = handle;
    const iterator = streams[Symbol.asyncIterator]();
    // The consumer reads one event, then stops.
    expect((await iterator.next()).done).toBe(false);
    const before = heapUsed();
    const stoppedAt = sim.now();

    await until('a simulated minute and enough dropped events', () => sim!.now() - stoppedAt >= 60_000 && streams.droppedEvents() >= DROPPED_BEFORE_RESUME, 120_000);
    const grown = heapUsed() - before;
    expect(streams.droppedEvents()).toBeGreaterThanOrEqual(DROPPED_BEFORE_RESUME);
    // The queue holds 2000 events (a few MB); the dropped ones would hold tens of MB more.
    expect(grown / MB).toBeLessThan(16);
    expect(warnings).toContain('stream iterator is behind; dropping its oldest events');

    // Reading resumes: first the queue, newest MAX_QUEUED events in arrival order, without a drop meanwhile.
    const droppedAtResume = streams.droppedEvents();
    const resumedAt = sim.now();
    const queued: MarketEvent[] = [];
    for (let i = 0; i < MAX_QUEUED; i++) {
      const { value, done } = await iterator.next();
      expect(done).toBe(false);
      queued.push(value as MarketEvent);
    }
    expect(streams.droppedEvents()).toBe(droppedAtResume);
    const byStream = new Map<string, number>();
    for (const event of queued) {
      if (event.type !== 'kline') throw new Error(`unexpected ${event.type} event`);
      expect(event.eventTime).toBeGreaterThanOrEqual(byStream.get(event.stream) ?? 0);
      byStream.set(event.stream, event.eventTime);
    }
    // Then live events again, newer than the moment reading resumed.
    for (;;) {
      const { value, done } = await iterator.next();
      expect(done).toBe(false);
      if (value.type === 'kline' && value.eventTime > resumedAt) break;
    }
    await iterator.return?.();
  }, 180_000);
});
