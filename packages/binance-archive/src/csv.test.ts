import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CandleText, PackedCandles } from '@collector/candle';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { describe, expect, it } from 'vitest';
import { archiveCsvName, parseArchiveCsv } from './csv.js';
import { ArchiveParseError } from './errors.js';
import { archiveFile } from './files.js';

const monthsDir = fixturePath('data_binance_vision_months');
const daysDir = fixturePath('data_binance_vision_csv');
const utc = (y: number, m: number, d = 1, h = 0, min = 0): number => Date.UTC(y, m - 1, d, h, min);

const readDay = (name: string): string => readFileSync(join(daysDir as string, name), 'utf8');
/** A month as its monthly file holds it: the published daily files in date order. */
const readMonth = (folder: string): string =>
  readdirSync(join(monthsDir as string, folder))
    .sort()
    .map((name) => readFileSync(join(monthsDir as string, folder, name), 'utf8'))
    .join('');
const daily = (day: number) => archiveFile('BTCUSDT', '1m', 'daily', day);

/** The CSV line Binance wrote for a candle, in the file's unit. */
function csvLine(candle: CandleText, unit: 'ms' | 'us'): string {
  const time = (ms: number, close: boolean): string => (unit === 'ms' ? String(ms) : String(close ? (ms + 1) * 1000 - 1 : ms * 1000));
  return [
    time(candle.openTime, false), candle.open, candle.high, candle.low, candle.close, candle.volume,
    time(candle.closeTime, true), candle.quoteVolume, candle.trades, candle.takerBuyVolume, candle.takerBuyQuoteVolume, '0',
  ].join(',');
}

function expectRowForRow(text: string, packed: PackedCandles, unit: 'ms' | 'us'): void {
  const candles = packed.toArray();
  const lines = text.split('\n').filter((line) => line !== '');
  expect(candles).toHaveLength(lines.length);
  // Joined, not one assertion per row: 44,640 expects would dominate the test's time.
  expect(candles.map((c) => csvLine(c, unit)).join('\n')).toBe(lines.join('\n'));
}

function parseError(run: () => unknown): ArchiveParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof ArchiveParseError) return error;
    throw error;
  }
  throw new Error('expected an ArchiveParseError');
}

if (!monthsDir || !daysDir) it.skip(`real archive CSVs: ${FIXTURES_SKIP_REASON}`, () => {});
// Whole real months: a generous limit, so that a loaded machine only makes them slower.
else describe('parseArchiveCsv on real data.binance.vision files', { timeout: 120_000 }, () => {
  it('reads a whole month in milliseconds (2024-03) as its monthly file, row for row', () => {
    const text = readMonth('BTCUSDT-1m-2024-03');
    const parsed = parseArchiveCsv(text, archiveFile('BTCUSDT', '1m', 'monthly', utc(2024, 3)));
    expect(parsed).toMatchObject({ header: false, timeUnit: 'ms', missing: [] });
    expect(parsed.candles).toHaveLength(44_640);
    expect(parsed.candles.at(0)).toMatchObject({ symbol: 'BTCUSDT', interval: '1m', openTime: utc(2024, 3), closeTime: utc(2024, 3) + 59_999, isClosed: true });
    expect(parsed.candles.at(-1)?.openTime).toBe(utc(2024, 3, 31, 23, 59));
    expectRowForRow(text, parsed.candles, 'ms');
  });

  it('reads a whole month in microseconds (2025-01) and converts its times to epoch ms', () => {
    const text = readMonth('BTCUSDT-1m-2025-01');
    const parsed = parseArchiveCsv(text, archiveFile('BTCUSDT', '1m', 'monthly', utc(2025, 1)));
    expect(parsed).toMatchObject({ header: false, timeUnit: 'us', missing: [] });
    expect(parsed.candles).toHaveLength(44_640);
    expect(parsed.candles.at(0)).toMatchObject({ openTime: 1_735_689_600_000, closeTime: 1_735_689_659_999, open: '93576.00000000', trades: 2631 });
    expectRowForRow(text, parsed.candles, 'us');
  });

  it('reads every daily file of both months, each inside its own day', () => {
    for (const folder of ['BTCUSDT-1m-2024-03', 'BTCUSDT-1m-2025-01']) {
      for (const name of readdirSync(join(monthsDir, folder)).sort()) {
        const day = Date.parse(`${name.slice('BTCUSDT-1m-'.length, -'.csv'.length)}T00:00:00Z`);
        const file = daily(day);
        expect(archiveCsvName(file)).toBe(name);
        const parsed = parseArchiveCsv(readFileSync(join(monthsDir, folder, name), 'utf8'), file);
        expect(parsed.candles).toHaveLength(1440);
        expect(parsed.missing).toEqual([]);
      }
    }
  });

  it('reports the 80 minutes of the 2023-03-24 outage as missing, without inventing candles', () => {
    const text = readDay('BTCUSDT-1m-2023-03-24.csv');
    const parsed = parseArchiveCsv(text, daily(utc(2023, 3, 24)));
    expect(parsed.candles).toHaveLength(1360);
    expect(parsed.missing).toEqual([{ from: utc(2023, 3, 24, 12, 40), to: utc(2023, 3, 24, 13, 59), missing: 80 }]);
    // The candle in which trading halted closed early; its close time is kept as the exchange wrote it.
    expect(parsed.candles.toArray().find((c) => c.openTime === utc(2023, 3, 24, 12, 39))).toMatchObject({ closeTime: 1_679_661_581_646, trades: 0 });
    expectRowForRow(text, parsed.candles, 'ms');
  });

  it('tells the last millisecond day from the first microsecond day by magnitude', () => {
    const last = parseArchiveCsv(readDay('BTCUSDT-1m-2024-12-31.csv'), daily(utc(2024, 12, 31)));
    const first = parseArchiveCsv(readDay('BTCUSDT-1m-2025-01-01.csv'), daily(utc(2025, 1, 1)));
    expect([last.timeUnit, first.timeUnit]).toEqual(['ms', 'us']);
    expect(last.candles.at(-1)?.closeTime).toBe(utc(2025, 1, 1) - 1);
    expect(first.candles.at(0)?.openTime).toBe(utc(2025, 1, 1));
    expectRowForRow(readDay('BTCUSDT-1m-2025-01-01.csv'), first.candles, 'us');
  });

  it('skips a header row and reads the same candles (CRLF line ends too)', () => {
    const text = readDay('BTCUSDT-1m-2021-01-01.csv');
    const plain = parseArchiveCsv(text, daily(utc(2021, 1, 1)));
    const headerLine = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n';
    const withHeader = parseArchiveCsv(headerLine + text, daily(utc(2021, 1, 1)));
    expect(withHeader.header).toBe(true);
    expect(plain.header).toBe(false);
    expect(withHeader.candles.toArray()).toEqual(plain.candles.toArray());
    expect(parseArchiveCsv(text.replaceAll('\n', '\r\n'), daily(utc(2021, 1, 1))).candles.toArray()).toEqual(plain.candles.toArray());
    expect(parseArchiveCsv(text.trimEnd(), daily(utc(2021, 1, 1))).candles.toArray()).toEqual(plain.candles.toArray());
  });

  it('keeps short decimals of other symbols as sent (ADABTC excerpt) and reports the rest of its day missing', () => {
    const parsed = parseArchiveCsv(readDay('ADABTC-1m-2021-11-27_EXCERPT.csv'), archiveFile('ADABTC', '1m', 'daily', utc(2021, 11, 27)));
    expect(parsed.candles).toHaveLength(10);
    expect(parsed.candles.at(0)).toMatchObject({ symbol: 'ADABTC', open: '0.00002853', volume: '36304.20000000' });
    expect(parsed.missing).toEqual([{ from: utc(2021, 11, 27, 0, 10), to: utc(2021, 11, 27, 23, 59), missing: 1430 }]);
  });

  describe('refuses a bad file with a typed error naming file, line and problem', () => {
    const text = readDay('BTCUSDT-1m-2021-01-01.csv');
    const lines = text.trimEnd().split('\n');
    const file = daily(utc(2021, 1, 1));
    const withLine = (index: number, replace: (line: string) => string): string =>
      lines.map((line, i) => (i === index ? replace(line) : line)).join('\n');
    const cells = (line: string, column: number, value: string): string => {
      const parts = line.split(',');
      parts[column] = value;
      return parts.join(',');
    };

    it.each([
      ['CSV_COLUMNS', 5, withLine(4, (l) => l.slice(0, l.lastIndexOf(','))), /11 columns, expected 12/],
      ['CSV_COLUMNS', 3, withLine(2, () => ''), /empty line/],
      ['CSV_NUMBER', 8, withLine(7, (l) => cells(l, 2, '2896l.66')), /high \(column 3\)/],
      ['CSV_NUMBER', 9, withLine(8, (l) => cells(l, 8, '12.5')), /trade count/],
      ['CSV_NUMBER', 4, withLine(3, (l) => cells(l, 0, 'open_time')), /open time/],
      ['CSV_OFF_GRID', 2, withLine(1, (l) => cells(l, 0, '1609459261000')), /not on the 1m grid/],
      ['CSV_CLOSE_TIME', 2, withLine(1, (l) => cells(l, 6, '1609459320000')), /close time 1609459320000 lies outside its candle/],
      ['CSV_CLOSE_TIME', 3, withLine(2, (l) => cells(l, 6, '1609459319999')), /lies outside its candle \[1609459320000, 1609459379999\]/],
      ['CSV_ORDER', 3, withLine(2, () => lines[1] as string), /does not follow/],
      ['CSV_UNIT', 6, withLine(5, (l) => cells(cells(l, 0, '1609459500000000'), 6, '1609459559999999')), /in us, earlier rows in ms/],
    ])('%s on line %i', (code, line, bad, problem) => {
      const error = parseError(() => parseArchiveCsv(bad, file));
      expect(error).toMatchObject({ code, line, file: 'BTCUSDT-1m-2021-01-01.csv' });
      expect(error.message).toMatch(problem);
      expect(error.message).toContain(`BTCUSDT-1m-2021-01-01.csv line ${line}:`);
    });

    it('CSV_OUT_OF_PERIOD for a row of another day', () => {
      const nextDay = readDay('BTCUSDT-1m-2024-08-09.csv').split('\n')[0] as string;
      const previousDay = readDay('BTCUSDT-1m-2024-08-08.csv');
      const error = parseError(() => parseArchiveCsv(`${previousDay}${nextDay}\n`, daily(utc(2024, 8, 8))));
      expect(error).toMatchObject({ code: 'CSV_OUT_OF_PERIOD', line: 1441 });
    });
  });
});

describe('parseArchiveCsv edge cases', () => {
  it('reads an empty file as no candles and its whole period missing', () => {
    const parsed = parseArchiveCsv('', archiveFile('BTCUSDT', '1h', 'daily', utc(2025, 2, 3)));
    expect({ ...parsed, candles: parsed.candles.toArray() }).toEqual({ candles: [], header: false, timeUnit: 'us', missing: [{ from: utc(2025, 2, 3), to: utc(2025, 2, 3, 23), missing: 24 }] });
  });

  it('checks 1M rows against calendar months (a leap February) in the 1mo file', () => {
    const file = archiveFile('BTCUSDT', '1M', 'monthly', utc(2024, 2));
    expect(file.name).toBe('BTCUSDT-1mo-2024-02.zip');
    const row = `${utc(2024, 2)},1,2,0.5,1.5,10,${utc(2024, 3) - 1},15,3,5,7.5,0`;
    expect(parseArchiveCsv(row, file).candles.at(0)).toMatchObject({ openTime: utc(2024, 2), closeTime: utc(2024, 3) - 1, trades: 3 });
    expect(parseError(() => parseArchiveCsv(`${utc(2024, 2)},1,2,0.5,1.5,10,${utc(2024, 3)},15,3,5,7.5,0`, file)).code).toBe('CSV_CLOSE_TIME');
  });

  it('reports weekly candles missing on the Monday grid of the month', () => {
    const file = archiveFile('BTCUSDT', '1w', 'monthly', utc(2024, 1));
    // Mondays of January 2024: 1, 8, 15, 22, 29. Only the 8th and 22nd are present.
    const row = (monday: number) => `${utc(2024, 1, monday)},1,1,1,1,0,${utc(2024, 1, monday + 7) - 1},0,0,0,0,0`;
    const parsed = parseArchiveCsv(`${row(8)}\n${row(22)}\n`, file);
    expect(parsed.missing).toEqual([
      { from: utc(2024, 1, 1), to: utc(2024, 1, 1), missing: 1 },
      { from: utc(2024, 1, 15), to: utc(2024, 1, 15), missing: 1 },
      { from: utc(2024, 1, 29), to: utc(2024, 1, 29), missing: 1 },
    ]);
  });
});
