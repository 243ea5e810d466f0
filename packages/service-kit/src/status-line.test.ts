import { PassThrough } from 'node:stream';
import type { BookStatus, CandleSeriesStatus, StatusReport } from '@collector/status-page';
import { describe, expect, it } from 'vitest';
import { formatStatusLine, startStatusLine } from './status-line.js';

const base = { version: 1 as const, replica: 'r1', generatedAt: 0, reconnects: 0, weight: { used: 100, limit: 6000 } };

function live(series: string, lagMs: number | null): CandleSeriesStatus {
  const [symbol = '', interval = '1m'] = series.split('|');
  return { series, symbol, interval: interval as '1m', phase: 'live', lagMs, storedUntil: 0, lastCandle: null, knownGaps: [] };
}

function history(series: string, done: number, left: number, ratePerSecond: number | null): CandleSeriesStatus {
  const [symbol = '', interval = '1m'] = series.split('|');
  return {
    series, symbol, interval: interval as '1m', phase: 'history', storedUntil: 0, lastCandle: null, knownGaps: [],
    progress: { source: 'rest', percent: 0, done, left, ratePerSecond, etaMs: null },
  };
}

function book(symbol: string, phase: BookStatus['phase']): BookStatus {
  return { series: symbol, symbol, phase, bestBid: '1', bestAsk: '2', spread: '1', snapshotAt: 0, lastUpdateId: 1, lagMs: 10 };
}

const candles = (owned: CandleSeriesStatus[], used = 100): StatusReport => ({ ...base, app: 'candles', owned, weight: { used, limit: 6000 } });
const books = (owned: BookStatus[]): StatusReport => ({ ...base, app: 'orderbook', owned });

describe('formatStatusLine', () => {
  it('reads like the example: live series with the worst lag, backfill with percent and ETA, books', () => {
    const line = formatStatusLine([
      candles([live('BTCUSDT|1m', 300), live('ETHUSDT|1m', 120), history('SOLUSDT|1m', 620, 180, 2), history('XRPUSDT|1m', 0, 200, 3)]),
      books(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT'].map((s) => book(s, 'live'))),
    ]);
    // 620 of 1000 done; 380 left at 5 candles/s.
    expect(line).toBe('2 series live, lag 0.3 s · 2 series backfill 62% ETA 1 min 16 s · 5 books live');
  });

  it('leaves out what it does not know, and names books that are not live', () => {
    expect(formatStatusLine([candles([history('BTCUSDT|1m', 1, 99, null), live('ETHUSDT|1m', null)])])).toBe('1 series live · 1 series backfill 1%');
    expect(formatStatusLine([books([book('BTCUSDT', 'live'), book('ETHUSDT', 'stale'), book('SOLUSDT', 'resyncing'), book('XRPUSDT', 'stale')])])).toBe(
      '1 books live, 2 stale, 1 resyncing',
    );
    expect(formatStatusLine([candles([])], ['orderbook-collector'])).toBe('no series · orderbook-collector not answering');
    expect(formatStatusLine([])).toBe('');
  });

  it('shows the weight once a collector has used half of its budget', () => {
    expect(formatStatusLine([candles([live('BTCUSDT|1m', 50)], 2999)])).toBe('1 series live, lag 0.1 s');
    expect(formatStatusLine([candles([live('BTCUSDT|1m', 50)], 4920)])).toBe('1 series live, lag 0.1 s · weight 82% of limit');
  });
});

describe('startStatusLine', () => {
  /** A terminal-like stream and the lines written to it. */
  function terminal(): { output: PassThrough & { isTTY: true }; lines: string[] } {
    const output = Object.assign(new PassThrough(), { isTTY: true as const });
    const lines: string[] = [];
    output.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    return { output, lines };
  }
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('writes the line every period on a terminal until stopped, and nothing at all elsewhere', async () => {
    const pipe = new PassThrough();
    let pipeReads = 0;
    const stopPipe = startStatusLine({ output: pipe, intervalMs: 5, read: async () => (pipeReads++, { reports: [] }) });
    const first = terminal();
    const stopFirst = startStatusLine({ output: first.output, intervalMs: 5, read: async () => ({ reports: [books([book('BTCUSDT', 'live')])] }) });
    await until(() => first.lines.length >= 2);
    stopFirst();
    const written = first.lines.length;
    // A second line running for two more periods shows that timers went on firing after the stop.
    const second = terminal();
    const stopSecond = startStatusLine({ output: second.output, intervalMs: 5, read: async () => ({ reports: [], missing: ['orderbook-collector'] }) });
    await until(() => second.lines.length >= 2);
    stopSecond();
    stopPipe();
    expect(first.lines[0]).toBe('\x1b[1;36mstatus\x1b[0m │ 1 books live\n');
    expect(first.lines.length).toBe(written);
    expect(second.lines[0]).toContain('orderbook-collector not answering');
    expect([pipeReads, pipe.read()]).toEqual([0, null]);
  });
});
