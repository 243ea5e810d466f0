import { CANDLE_INTERVALS, nextCandleOpen, type CandleInterval } from '@collector/candle';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDailyArchives } from './files.js';
import { planArchive, type ArchivePlanPiece } from './plan.js';

const DAY = 86_400_000;
const utc = (y: number, m: number, d = 1, h = 0, min = 0): number => Date.UTC(y, m - 1, d, h, min);
const describePiece = (p: ArchivePlanPiece): string =>
  p.source === 'archive' ? p.file.name : `rest ${new Date(p.from).toISOString()}..${new Date(p.to).toISOString()}`;

describe('planArchive', () => {
  it('uses monthly files for whole months, daily files for whole days, REST for the rest', () => {
    const plan = planArchive({ symbol: 'BTCUSDT', interval: '1m', from: utc(2024, 2, 27, 13, 5), to: utc(2024, 4, 3, 6), now: utc(2025, 1, 1) });
    expect(plan.map(describePiece)).toEqual([
      'rest 2024-02-27T13:05:00.000Z..2024-02-28T00:00:00.000Z',
      'BTCUSDT-1m-2024-02-28.zip',
      'BTCUSDT-1m-2024-02-29.zip',
      'BTCUSDT-1m-2024-03.zip',
      'BTCUSDT-1m-2024-04-01.zip',
      'BTCUSDT-1m-2024-04-02.zip',
      'rest 2024-04-03T00:00:00.000Z..2024-04-03T06:00:00.000Z',
    ]);
    const march = plan[3];
    expect(march).toMatchObject({ source: 'archive', from: utc(2024, 3), to: utc(2024, 4) });
    expect(march?.source === 'archive' && march.file.path).toBe('data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2024-03.zip');
  });

  it('plans nothing from files that are not published yet at `now`', () => {
    // 2025-03-05 10:00: February's monthly file is not out (first Monday + lag), days up to 03-03 are.
    const now = utc(2025, 3, 5, 10);
    const plan = planArchive({ symbol: 'BTCUSDT', interval: '1h', from: utc(2025, 2), to: now, now });
    const names = plan.map(describePiece);
    expect(names[0]).toBe('BTCUSDT-1h-2025-02-01.zip');
    expect(names).toContain('BTCUSDT-1h-2025-02-28.zip');
    expect(names.at(-2)).toBe('BTCUSDT-1h-2025-03-03.zip');
    expect(names.at(-1)).toBe('rest 2025-03-04T00:00:00.000Z..2025-03-05T10:00:00.000Z');
    // Ten days later February is monthly.
    const later = planArchive({ symbol: 'BTCUSDT', interval: '1h', from: utc(2025, 2), to: utc(2025, 3), now: utc(2025, 3, 15) });
    expect(later.map(describePiece)).toEqual(['BTCUSDT-1h-2025-02.zip']);
  });

  it('reads 3d, 1w and 1M from monthly files only, with 1M in the 1mo folder', () => {
    const plan = planArchive({ symbol: 'ETHBTC', interval: '1M', from: utc(2023, 12, 15), to: utc(2024, 3, 10), now: utc(2025, 1, 1) });
    expect(plan.map(describePiece)).toEqual([
      'rest 2023-12-15T00:00:00.000Z..2024-01-01T00:00:00.000Z',
      'ETHBTC-1mo-2024-01.zip',
      'ETHBTC-1mo-2024-02.zip',
      'rest 2024-03-01T00:00:00.000Z..2024-03-10T00:00:00.000Z',
    ]);
    expect(plan[1]?.source === 'archive' && plan[1].file.path).toBe('data/spot/monthly/klines/ETHBTC/1mo/ETHBTC-1mo-2024-01.zip');
    const weekly = planArchive({ symbol: 'ETHBTC', interval: '1w', from: utc(2024, 1, 3), to: utc(2024, 2, 20), now: utc(2025, 1, 1) });
    expect(weekly).toEqual([{ source: 'rest', from: utc(2024, 1, 3), to: utc(2024, 2, 20) }]);
  });

  it('reads 1s month by month from daily files, so no file holds more than a day', () => {
    const plan = planArchive({ symbol: 'BTCUSDT', interval: '1s', from: utc(2024, 3), to: utc(2024, 4), now: utc(2025, 1, 1) });
    expect(plan).toHaveLength(31);
    expect(plan.every((p) => p.source === 'archive' && p.file.period === 'daily')).toBe(true);
    const monthly = planArchive({ symbol: 'BTCUSDT', interval: '1s', from: utc(2024, 3), to: utc(2024, 4), now: utc(2025, 1, 1) }, { maxMonthlyFileCandles: 3_000_000 });
    expect(monthly.map(describePiece)).toEqual(['BTCUSDT-1s-2024-03.zip']);
  });

  it('gives an empty plan for an empty range and refuses bad input with a typed error', () => {
    expect(planArchive({ symbol: 'BTCUSDT', interval: '1m', from: 5, to: 5, now: 10 })).toEqual([]);
    expect(() => planArchive({ symbol: 'BTCUSDT', interval: '1m', from: 6, to: 5, now: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => planArchive({ symbol: 'btcusdt', interval: '1m', from: 0, to: 5, now: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => planArchive({ symbol: 'BTC/USDT', interval: '1m', from: 0, to: 5, now: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => planArchive({ symbol: 'BTCUSDT', interval: '2m' as CandleInterval, from: 0, to: 5, now: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_INTERVAL' }));
    expect(() => planArchive({ symbol: 'BTCUSDT', interval: '1m', from: 0.5, to: 5, now: 10 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => planArchive({ symbol: 'BTCUSDT', interval: '1m', from: 0, to: 5, now: 10 }, { dailyPublishLagMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('tiles [from, to) exactly with whole, published files and leaves REST only what no file covers (property)', { timeout: 120_000 }, () => {
    const time = fc.integer({ min: utc(2017, 6), max: utc(2026, 6) });
    fc.assert(
      fc.property(
        fc.constantFrom(...CANDLE_INTERVALS),
        time,
        fc.integer({ min: 0, max: 500 * DAY }),
        fc.integer({ min: -30 * DAY, max: 400 * DAY }),
        fc.record({
          maxMonthlyFileCandles: fc.constantFrom(0, 31, 50_000, 3_000_000),
          dailyPublishLagMs: fc.integer({ min: 0, max: 3 * DAY }),
          monthlyPublishLagMs: fc.integer({ min: 0, max: 20 * DAY }),
        }),
        (interval, from, length, nowAfterTo, options) => {
          const to = from + length;
          const now = Math.max(0, to + nowAfterTo);
          const plan = planArchive({ symbol: 'BTCUSDT', interval, from, to, now }, options);
          if (length === 0) {
            expect(plan).toEqual([]);
            return;
          }
          expect(plan[0]?.from).toBe(from);
          expect(plan.at(-1)?.to).toBe(to);
          plan.forEach((piece, i) => {
            expect(piece.from).toBeLessThan(piece.to);
            const next = plan[i + 1];
            if (next) {
              expect(next.from).toBe(piece.to);
              expect(piece.source === 'rest' && next.source === 'rest').toBe(false);
            }
            if (piece.source === 'archive') {
              const { file } = piece;
              expect([file.from, file.to]).toEqual([piece.from, piece.to]);
              if (file.period === 'daily') {
                expect(hasDailyArchives(interval)).toBe(true);
                expect(file.to - file.from).toBe(DAY);
                expect(now).toBeGreaterThanOrEqual(file.to + options.dailyPublishLagMs);
              } else {
                expect(file.to).toBe(nextCandleOpen('1M', file.from));
                expect(now).toBeGreaterThanOrEqual(file.to + options.monthlyPublishLagMs);
              }
            } else if (hasDailyArchives(interval)) {
              // No whole published day was left to REST.
              const firstDay = Math.ceil(piece.from / DAY) * DAY;
              const wholeDay = firstDay + DAY <= piece.to;
              expect(wholeDay && now >= firstDay + DAY + options.dailyPublishLagMs).toBe(false);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
