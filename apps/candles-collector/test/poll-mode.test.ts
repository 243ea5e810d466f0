import { randomBytes } from 'node:crypto';
import { DEFAULT_BINANCE_CLIENT_OPTIONS } from '@collector/binance-client';
import { type BinanceSim, type BinanceSimOptions, startBinanceSim } from '@collector/binance-sim';
import { createSubscriber } from '@collector/pubsub';
import { createTestDatabase, findTestRedis, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollRoundMs } from '../src/poll-feed.js';
import { collectorEnv, fetchSimKlines, type InProcessCollector, MINUTE, rowText, sleep, startInProcess, stateRows, storedRowTexts, waitFor } from './helpers.js';

// REALTIME_MODE=poll, the fallback without streams: series go live and their candles keep coming over REST.
const SYMBOLS = ['POLLAUSDT', 'POLLBUSDT'];
/** A 1m candle closes every 0.5 s of real time. */
const SPEED = 120;
const LIVE_CANDLES_WANTED = 10;
const { redis, skipReason } = await findTestRedis();

/** The simulator and database of a describe block, and the poll-mode collector its test starts; closed after it. */
function pollFixture(simOptions: BinanceSimOptions, databaseName: string) {
  const fixture = {} as { sim: BinanceSim; db: TestDatabase; service?: InProcessCollector };
  beforeAll(async () => {
    fixture.sim = await startBinanceSim(simOptions);
    fixture.db = await createTestDatabase(databaseName);
  });
  afterAll(async () => {
    await fixture.service?.stop();
    await fixture.sim?.close();
    await fixture.db?.drop();
  });
  return fixture;
}

/** Starts the collector in poll mode (REALTIME_INTERVAL 0.1 s) from today over `symbols`; resolves once every series is live. */
async function startPolling(fixture: ReturnType<typeof pollFixture>, symbols: readonly string[], extra: Record<string, string> = {}): Promise<void> {
  const { sim, db } = fixture;
  const today = new Date(sim.now()).toISOString().slice(0, 10);
  fixture.service = await startInProcess(collectorEnv(sim, db.url, { SYMBOLS: symbols.join(','), START_DATE: today, REALTIME_MODE: 'poll', REALTIME_INTERVAL: '0.1', ...extra }));
  await waitFor('every series live', async () => Object.values(await stateRows(db)).filter((s) => s.isRealtime).length === symbols.length, 40_000);
}

describe('poll mode', () => {
  const fixture = pollFixture({ seed: 12, symbols: SYMBOLS, speed: SPEED }, 'candles_poll_mode');

  it('goes live and stores the closed candles it polls, equal to the exchange', async () => {
    const { sim, db } = fixture;
    await startPolling(fixture, SYMBOLS);
    const liveFrom = Math.floor(sim.now() / 60_000) * 60_000;
    const until = liveFrom + LIVE_CANDLES_WANTED * 60_000;
    await waitFor(`${LIVE_CANDLES_WANTED} candles closed after going live`, () => sim.now() > until + 60_000, 30_000);
    await waitFor(
      'the live candles stored, final',
      async () => (await db.sql`SELECT count(*)::int AS n FROM candles WHERE is_closed AND timestamp BETWEEN ${liveFrom} AND ${until}`)[0]?.n === SYMBOLS.length * (LIVE_CANDLES_WANTED + 1),
      10_000,
    );
    for (const symbol of SYMBOLS) {
      const reference = await fetchSimKlines(sim.restUrl, symbol, '1m', liveFrom, until);
      expect(await storedRowTexts(db, symbol, '1m', liveFrom, until)).toEqual(reference.map((k) => rowText(symbol, '1m', k)));
    }
  }, 60_000);
});

// Many series: the budget, not REALTIME_INTERVAL, sets the pace, and the polls are spread evenly over each weight
// window instead of spending a window's budget in its first seconds and then waiting for the next minute.
describe('poll mode at more series than the interval allows', () => {
  const MANY = Array.from({ length: 60 }, (_, i) => `PACE${i}USDT`);
  const ROUND_WEIGHT = MANY.length * 2;
  const ROUND_MS = pollRoundMs(MANY.length, 100, DEFAULT_BINANCE_CLIENT_OPTIONS);
  const SPAN_MS = 12_000;
  const SAMPLE_MS = 250;
  const fixture = pollFixture({ seed: 13, symbols: MANY }, 'candles_poll_paced');

  /** The weight this address has used in the simulator's current window, less the ping that asks. */
  const usedWeight = async () => Number((await fetch(`${fixture.sim.restUrl}/api/v3/ping`)).headers.get('x-mbx-used-weight-1m')) - 1;

  it('polls every series at an even period within the budget, all the time', async () => {
    expect(ROUND_MS).toBeGreaterThan(1_000);
    await startPolling(fixture, MANY);
    // Weight spent in each sample period, across window boundaries (a drop means a new window began).
    const spent: number[] = [];
    let last = await usedWeight();
    for (let t = 0; t < SPAN_MS; t += SAMPLE_MS) {
      await sleep(SAMPLE_MS);
      const now = await usedWeight();
      spent.push(now >= last ? now - last - 1 : now);
      last = now;
    }
    const total = spent.reduce((a, b) => a + b, 0);
    const rounds = SPAN_MS / ROUND_MS;
    // About `rounds` rounds: never the unpaced pace (a round every 0.1 s would be 30 times as many).
    expect(total).toBeGreaterThanOrEqual((Math.floor(rounds) - 2) * ROUND_WEIGHT);
    expect(total).toBeLessThanOrEqual(Math.ceil(rounds + 1) * ROUND_WEIGHT);
    // And never a pause of a weight window's rest: every 4 s holds at least one whole round.
    const perChunk = 4_000 / SAMPLE_MS;
    for (let i = 0; i + perChunk <= spent.length; i += perChunk) {
      expect(spent.slice(i, i + perChunk).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ROUND_WEIGHT);
    }
  }, 90_000);
});

// A round slower than the candles: each poll asks from the first candle it has not seen closed, so every candle is
// published final by the poll itself, once.
describe('poll mode with rounds longer than a candle', () => {
  const MANY = Array.from({ length: 60 }, (_, i) => `PALL${i}USDT`);
  /** A 1m candle closes every second of real time; a round over 60 series takes 1.7 s. */
  const FAST = 60;
  const LIVE_MINUTES = 12;
  const fixture = pollFixture({ seed: 14, symbols: MANY, speed: FAST }, 'candles_poll_all');

  it('publishes every closed candle final exactly once, in order, and stores it', async (ctx) => {
    if (!redis) return ctx.skip(skipReason);
    const { sim, db } = fixture;
    expect(pollRoundMs(MANY.length, 100, DEFAULT_BINANCE_CLIENT_OPTIONS) * (FAST / 60_000)).toBeGreaterThan(1);
    const prefix = `pollall${randomBytes(3).toString('hex')}:`;
    const subscriber = createSubscriber({ url: redis.url, channelPrefix: prefix });
    const feed = await subscriber.subscribe({ candles: 'all' });
    const finals = new Map<string, number[]>();
    const loop = (async () => {
      for await (const { message } of feed) {
        if (message.type !== 'candle' || !message.isFinal) continue;
        finals.set(message.symbol, [...(finals.get(message.symbol) ?? []), message.openTime]);
      }
    })();
    let from = 0;
    let to = 0;
    try {
      await startPolling(fixture, MANY, { REDIS_ENABLED: 'true', REDIS_URL: redis.url, REDIS_CHANNEL_PREFIX: prefix });
      // From two minutes after going live (the first rounds may overlap the catch-up) for LIVE_MINUTES minutes.
      from = (Math.floor(sim.now() / MINUTE) + 2) * MINUTE;
      to = from + LIVE_MINUTES * MINUTE;
      await waitFor('the last candle of the span closed and a round passed', () => sim.now() > to + 3 * MINUTE, 40_000);
    } finally {
      await subscriber.close();
      await loop;
    }
    const expected = Array.from({ length: LIVE_MINUTES }, (_, i) => from + i * MINUTE);
    for (const symbol of MANY) {
      const received = finals.get(symbol) ?? [];
      expect(received.filter((t) => t >= from && t < to), symbol).toEqual(expected);
      // Exactly once over the whole run, too, and in order.
      expect(new Set(received).size, symbol).toBe(received.length);
      expect([...received].sort((a, b) => a - b), symbol).toEqual(received);
    }
    const [stored] = await db.sql`SELECT count(*)::int AS n FROM candles WHERE is_closed AND timestamp >= ${from} AND timestamp < ${to}`;
    expect(stored?.n).toBe(MANY.length * LIVE_MINUTES);
  }, 120_000);
});
