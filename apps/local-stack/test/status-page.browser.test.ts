import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BinanceSim, startBinanceSim } from '@collector/binance-sim';
import { parseDecimal, formatDecimal } from '@collector/decimal';
import { createTestDatabase, sumMetricSamples, type TestDatabase } from '@collector/testkit';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, CANDLES_MAIN, collectorEnv, ORDERBOOK_MAIN, requireBuilt, type RunningCollector, startCollector, waitFor, withPassword } from './stack.js';

const CHROMIUM = '/usr/bin/chromium';
const SYMBOLS = ['BTCUSDT', 'ETHBTC', 'ETHUSDT'];
const DAY = 86_400_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** A year of 1m history takes long enough to be caught (and frozen) in its historical phase; 1h goes live within seconds. */
const START_TIME = Math.floor((Date.now() - 365 * DAY) / DAY) * DAY;
const START_DATE = new Date(START_TIME).toISOString().slice(0, 10);
const SERIES = SYMBOLS.flatMap((s) => [`${s}|1h`, `${s}|1m`]).sort();
/** What the page shows per chart (the client asks for this many). */
const CHART_CANDLES = 300;
const PASSWORD = 'status-page-s3cret-pw';

/** The page's functions for tests (see the status-page README). */
interface StatusPageProbe {
  updates(): number;
  report(): { app: string; owned: { series: string }[] } | null;
  chart(): { series: string; candles: Candle[]; drawn: { time: number; open: number; high: number; low: number; close: number }[]; volumes: { time: number; value: number }[] } | null;
  depth(): { snapshot: { symbol: string; snapshotAt: number; bids: [string, string][]; asks: [string, string][] }; drawnBids: number; drawnAsks: number } | null;
}
interface Candle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  isClosed: boolean;
}

const chromiumSkip = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium); the browser test was skipped`;
if (chromiumSkip) console.info(chromiumSkip);

describe.skipIf(chromiumSkip !== undefined)('the status page in Chromium, on a real stack (simulator, PostgreSQL, both built collectors)', () => {
  let sim: BinanceSim;
  let db: TestDatabase;
  let databaseUrl: string;
  let secret: string;
  let browser: BrowserContext;
  let profileDir: string;
  let candles: RunningCollector;
  let books: RunningCollector;
  let candlesPage: Page;
  let booksPage: Page;
  const outside: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    requireBuilt(CANDLES_MAIN, ORDERBOOK_MAIN);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    sim = await startBinanceSim({ seed: 13, symbols: SYMBOLS });
    db = await createTestDatabase('status_browser');
    ({ url: databaseUrl, password: secret } = withPassword(db.url, PASSWORD));
    profileDir = mkdtempSync(join(tmpdir(), 'collector-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    });
    books = await startCollector(ORDERBOOK_MAIN, collectorEnv(sim, databaseUrl, { SYMBOLS: SYMBOLS.join(',') }));
    candles = await startCollector(CANDLES_MAIN, collectorEnv(sim, databaseUrl, { SYMBOLS: SYMBOLS.join(','), INTERVALS: '1m,1h', START_DATE }));
    for (const [app, url] of [['candles', candles.url], ['books', books.url]] as const) {
      const page = await browser.newPage();
      page.on('request', (request) => {
        if (!request.url().startsWith(url)) outside.push(request.url());
      });
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`${app}: ${message.text()}`);
      });
      page.on('pageerror', (error) => consoleErrors.push(`${app}: ${error.message}`));
      if (app === 'candles') candlesPage = page;
      else booksPage = page;
    }
    // The 1h series go live; then the exchange stops answering REST, which holds every 1m series in its history.
    await waitFor(
      '1h series live and 1m history under way',
      async () => {
        const rows = await db.sql<{ stream: string; is_realtime: boolean }[]>`SELECT stream, is_realtime FROM collector_state WHERE stream LIKE 'candles:%'`;
        const hourLive = rows.filter((r) => r.stream === 'candles:1h' && r.is_realtime).length === SYMBOLS.length;
        const minuteStarted = rows.filter((r) => r.stream === 'candles:1m').length === SYMBOLS.length;
        return hourLive && minuteStarted ? true : undefined;
      },
      90_000,
    );
    sim.faults.setLatencyMs(600_000);
  }, 180_000);

  afterAll(async () => {
    sim?.faults.clear();
    await browser?.close();
    await candles?.stop();
    await books?.stop();
    await sim?.close();
    await db?.drop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }, 60_000);

  async function readStates(): Promise<Map<string, { lastTimestamp: number; isRealtime: boolean }>> {
    const rows = await db.sql<{ symbol: string; stream: string; last_timestamp: string; is_realtime: boolean }[]>`
      SELECT symbol, stream, last_timestamp, is_realtime FROM collector_state WHERE stream LIKE 'candles:%'`;
    return new Map(rows.map((r) => [`${r.symbol}|${r.stream.slice('candles:'.length)}`, { lastTimestamp: Number(r.last_timestamp), isRealtime: r.is_realtime }]));
  }

  const metricsText = async (collector: RunningCollector): Promise<string> => (await fetch(`${collector.url}metrics`)).text();

  it('lists every series with a phase and progress matching the database and the metrics', async () => {
    const statesBefore = await readStates();
    const metricsBefore = await metricsText(candles);
    await candlesPage.goto(candles.url);
    await candlesPage.waitForFunction((count) => document.querySelectorAll('#series-table tbody tr').length === count, SERIES.length);
    const view = await candlesPage.evaluate(() => ({
      rows: [...document.querySelectorAll<HTMLTableRowElement>('#series-table tbody tr')].map(
        (row): Record<string, string | undefined> => ({ ...row.dataset, percentText: row.querySelector('.percent')?.textContent ?? undefined, text: row.textContent ?? '' }),
      ),
      reconnects: Number(document.getElementById('reconnects')?.textContent),
      weight: document.getElementById('weight')?.textContent ?? '',
    }));
    const statesAfter = await readStates();
    const metricsAfter = await metricsText(candles);

    expect(view.rows.map((r) => r.series)).toEqual(SERIES);
    for (const row of view.rows) {
      const series = row.series as string;
      const [symbol, interval] = series.split('|') as [string, string];
      const labels = { symbol, interval };
      const before = statesBefore.get(series);
      const after = statesAfter.get(series);
      if (interval === '1h') {
        // Live: so says the database on both sides of the reading, and nothing is left in the metrics.
        expect([row.phase, before?.isRealtime, after?.isRealtime], series).toEqual(['live', true, true]);
        expect(sumMetricSamples(metricsAfter, 'collector_backfill_remaining_candles', labels), series).toBe(0);
        expect(metricsAfter, series).toContain(`collector_candle_lag_seconds{symbol="${symbol}",interval="1h"`);
        expect(Number(row.lagMs), series).toBeGreaterThanOrEqual(0);
        expect(row.text, series).toMatch(/lag \d+(\.\d)? s/);
        continue;
      }
      // History: the page's numbers lie between the database and metrics read before and after it.
      expect([row.phase, after?.isRealtime], series).toEqual(['history', false]);
      const storedUntil = Number(row.storedUntil);
      expect(storedUntil, series).toBeGreaterThanOrEqual(before?.lastTimestamp ?? Number.NaN);
      expect(storedUntil, series).toBeLessThanOrEqual(after?.lastTimestamp ?? Number.NaN);
      const done = Number(row.done);
      expect(done, series).toBe((storedUntil - START_TIME) / MINUTE + 1);
      const left = Number(row.left);
      expect(left, series).toBeLessThanOrEqual(sumMetricSamples(metricsBefore, 'collector_backfill_remaining_candles', labels));
      expect(left, series).toBeGreaterThanOrEqual(sumMetricSamples(metricsAfter, 'collector_backfill_remaining_candles', labels));
      expect(left, series).toBeGreaterThan(0);
      const percent = Math.floor((done / (done + left)) * 1000) / 10;
      expect([Number(row.percent), row.percentText], series).toEqual([percent, `${percent.toFixed(1)}%`]);
    }
    const reconnects = [metricsBefore, metricsAfter].map((text) => sumMetricSamples(text, 'collector_stream_reconnects_total'));
    expect(view.reconnects).toBeGreaterThanOrEqual(reconnects[0] as number);
    expect(view.reconnects).toBeLessThanOrEqual(reconnects[1] as number);
    expect(view.weight).toMatch(/^[\d,]+ \/ 6,000 per minute$/);
  });

  it('draws the last candles of a chosen series, with the OHLC values of the table', async () => {
    const series = 'BTCUSDT|1h';
    await candlesPage.selectOption('#series-select', series);
    await candlesPage.waitForFunction((s) => (window as unknown as { __statusPage: StatusPageProbe }).__statusPage.chart()?.series === s, series);
    const chart = (await candlesPage.evaluate(() => (window as unknown as { __statusPage: StatusPageProbe }).__statusPage.chart())) as NonNullable<ReturnType<StatusPageProbe['chart']>>;
    expect(chart.candles).toHaveLength(CHART_CANDLES);
    // What the chart library holds is the received text, as numbers for drawing.
    expect(chart.drawn).toEqual(chart.candles.map((c) => ({ time: c.openTime / 1000, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })));
    expect(chart.volumes.map((v) => [v.time, v.value])).toEqual(chart.candles.map((c) => [c.openTime / 1000, Number(c.volume)]));

    const last = chart.candles[chart.candles.length - 1] as Candle;
    const rows = await db.sql<{ t: string; open: string; high: string; low: string; close: string; volume: string; is_closed: boolean }[]>`
      SELECT timestamp AS t, open_price::text AS open, high_price::text AS high, low_price::text AS low, close_price::text AS close, volume::text AS volume, is_closed
      FROM candles WHERE symbol = 'BTCUSDT' AND interval = '1h' AND timestamp <= ${last.openTime} ORDER BY timestamp DESC LIMIT ${CHART_CANDLES}`;
    const stored = rows.reverse();
    expect(chart.candles.map((c) => c.openTime)).toEqual(stored.map((r) => Number(r.t)));
    for (const [i, candle] of chart.candles.entries()) {
      const row = stored[i] as (typeof stored)[number];
      // A candle still forming when it was drawn may have moved since; its open never does.
      const expected = candle.isClosed ? { open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume } : { open: row.open };
      expect(candle, new Date(candle.openTime).toISOString()).toMatchObject(expected);
    }
    const [newest] = await db.sql<{ t: string }[]>`SELECT max(timestamp) AS t FROM candles WHERE symbol = 'BTCUSDT' AND interval = '1h'`;
    expect(Number(newest?.t) - last.openTime).toBeLessThanOrEqual(HOUR);
  });

  it('shows the history moving again once the exchange answers, and saves a screenshot', async () => {
    sim.faults.clear();
    // Every 1m row gets an ETA once its progress has a rate again.
    await candlesPage.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll<HTMLTableRowElement>('#series-table tbody tr[data-phase="history"]')];
        return rows.length > 0 && rows.every((row) => /ETA \d/.test(row.textContent ?? ''));
      },
      null,
      { timeout: 120_000 },
    );
    await candlesPage.selectOption('#series-select', 'ETHUSDT|1h');
    await candlesPage.waitForFunction(() => (window as unknown as { __statusPage: StatusPageProbe }).__statusPage.chart()?.series === 'ETHUSDT|1h');
    await candlesPage.screenshot({ path: `${ARTIFACTS_DIR}status-page-candles.png`, fullPage: true });
  }, 150_000);

  it('shows every order book live, with the best bid and ask of the last stored snapshot, and its depth', async () => {
    const latest = async (): Promise<Map<string, number>> => {
      const rows = await db.sql<{ symbol: string; t: string }[]>`SELECT symbol, max(timestamp) AS t FROM orderbook_data GROUP BY symbol`;
      return new Map(rows.map((r) => [r.symbol, Number(r.t)]));
    };
    const before = await latest();
    expect([...before.keys()].sort()).toEqual(SYMBOLS);
    await booksPage.goto(books.url);
    // The page follows the store: every row moves past the snapshots that were stored when it was opened.
    await booksPage.waitForFunction(
      (stored) => {
        const rows = [...document.querySelectorAll<HTMLTableRowElement>('#book-table tbody tr')];
        return rows.length === Object.keys(stored).length && rows.every((row) => Number(row.dataset.snapshotAt) > (stored[row.dataset.series ?? ''] ?? Infinity));
      },
      Object.fromEntries(before),
      { timeout: 30_000 },
    );
    const rows = await booksPage.evaluate(() => [...document.querySelectorAll<HTMLTableRowElement>('#book-table tbody tr')].map((row) => ({ ...row.dataset })));
    expect(rows.map((r) => [r.series, r.phase])).toEqual(SYMBOLS.map((s) => [s, 'live']));
    for (const row of rows) {
      const [stored] = await db.sql<{ bid: string; ask: string }[]>`
        SELECT bids->0->>0 AS bid, asks->0->>0 AS ask FROM orderbook_data WHERE symbol = ${row.series as string} AND timestamp = ${Number(row.snapshotAt)}`;
      expect(stored, row.series).toBeDefined();
      expect([row.bestBid, row.bestAsk], row.series).toEqual([stored?.bid, stored?.ask]);
      expect(row.spread, row.series).toBe(formatDecimal(parseDecimal(stored?.ask as string).minus(parseDecimal(stored?.bid as string))));
    }

    for (const symbol of SYMBOLS) {
      await booksPage.selectOption('#book-select', symbol);
      await booksPage.waitForFunction((s) => (window as unknown as { __statusPage: StatusPageProbe }).__statusPage.depth()?.snapshot.symbol === s, symbol);
      const depth = (await booksPage.evaluate(() => (window as unknown as { __statusPage: StatusPageProbe }).__statusPage.depth())) as NonNullable<ReturnType<StatusPageProbe['depth']>>;
      const [stored] = await db.sql<{ bids: [string, string][]; asks: [string, string][] }[]>`
        SELECT bids, asks FROM orderbook_data WHERE symbol = ${symbol} AND timestamp = ${depth.snapshot.snapshotAt}`;
      expect([depth.snapshot.bids, depth.snapshot.asks], symbol).toEqual([stored?.bids, stored?.asks]);
      expect([depth.drawnBids, depth.drawnAsks], symbol).toEqual([stored?.bids.length, stored?.asks.length]);
      expect(depth.drawnBids, symbol).toBe(20);
    }
    await booksPage.selectOption('#book-select', 'BTCUSDT');
    await booksPage.screenshot({ path: `${ARTIFACTS_DIR}status-page-orderbook.png`, fullPage: true });
  });

  it('reveals no password, loads nothing from elsewhere and logs no error in the browser', async () => {
    const bodies: [string, string][] = [];
    for (const collector of [candles, books]) {
      const paths = ['', 'status', 'metrics', 'api/candles?series=BTCUSDT%7C1h', 'api/orderbook?symbol=BTCUSDT', 'api/candles?series=nope', 'assets/page.js', 'assets/index.html'];
      for (const path of paths) bodies.push([`${collector.url}${path}`, await (await fetch(`${collector.url}${path}`)).text()]);
      const events = (await fetch(`${collector.url}status/events`)).body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      let stream = '';
      while (!/event: status\ndata: .*\n\n/.test(stream)) stream += new TextDecoder().decode((await events.read()).value);
      await events.cancel();
      bodies.push([`${collector.url}status/events`, stream]);
      bodies.push([`${collector.url} (log)`, [...collector.process.stdout, ...collector.process.stderr].join('\n')]);
    }
    bodies.push(['candles page as rendered', await candlesPage.content()], ['order book page as rendered', await booksPage.content()]);
    const leaks = bodies.filter(([, text]) => text.includes(`:${secret}@`) || (secret.length >= 8 && text.includes(secret))).map(([where]) => where);
    expect(leaks).toEqual([]);
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
