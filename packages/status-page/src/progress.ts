import type { BackfillProgress, BackfillSource } from './contract.js';

/**
 * The progress of a historical phase from counts and a rate: percent with one decimal (never 100 while something
 * is left) and the time left at the current rate.
 */
export function backfillProgress(input: { source: BackfillSource; done: number; left: number; ratePerSecond: number | null }): BackfillProgress {
  const done = Math.max(0, input.done);
  const left = Math.max(0, input.left);
  const total = done + left;
  // Floor, not round: 99.96 % with candles left must not read 100 %.
  const percent = total === 0 ? 100 : Math.floor((done / total) * 1000) / 10;
  const rate = input.ratePerSecond;
  const etaMs = rate === null || rate <= 0 ? (left === 0 ? 0 : null) : Math.round((left / rate) * 1000);
  return { source: input.source, percent, done, left, ratePerSecond: rate === null ? null : Math.round(rate * 10) / 10, etaMs };
}

/** Options of {@link createRateMeter}. */
export interface RateMeterOptions {
  /**
   * Readings older than this are forgotten, so the rate follows the recent pace, in ms.
   * @default 30000
   */
  windowMs?: number;
  /**
   * The shortest span two readings must cover before a rate is given, in ms; shorter spans are mostly noise.
   * @default 1000
   */
  minSpanMs?: number;
}

/** Defaults of {@link RateMeterOptions}. */
export const DEFAULT_RATE_METER_OPTIONS = { windowMs: 30_000, minSpanMs: 1_000 } as const;

/** Turns readings of a growing count into a rate per second over a sliding window. */
export interface RateMeter {
  /** Records `value` at `atMs` and returns the rate per second over the window, or null while it is too short. */
  record(value: number, atMs: number): number | null;
}

/** A {@link RateMeter}; a count that goes down (a restart from stored state) starts the window again. */
export function createRateMeter(options: RateMeterOptions = {}): RateMeter {
  const windowMs = options.windowMs ?? DEFAULT_RATE_METER_OPTIONS.windowMs;
  const minSpanMs = options.minSpanMs ?? DEFAULT_RATE_METER_OPTIONS.minSpanMs;
  let readings: { value: number; atMs: number }[] = [];
  return {
    record(value, atMs) {
      const last = readings[readings.length - 1];
      if (last !== undefined && (value < last.value || atMs < last.atMs)) readings = [];
      readings.push({ value, atMs });
      // Keep one reading at or before the window's start, so the span covers the whole window.
      while (readings.length > 2 && (readings[1] as { atMs: number }).atMs <= atMs - windowMs) readings.shift();
      const first = readings[0] as { value: number; atMs: number };
      const spanMs = atMs - first.atMs;
      if (spanMs < minSpanMs) return null;
      return ((value - first.value) * 1000) / spanMs;
    },
  };
}
