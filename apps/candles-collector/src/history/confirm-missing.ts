import type { CandleSeries, CandleText } from '@collector/candle';
import type { ArchiveGap } from '@collector/binance-archive';
import type { CollectorContext } from '../context.js';
import { type Hole, holesInPage } from '../holes.js';

/** What REST said about the candles an archive file lacks. */
export interface ConfirmedMissing {
  /** Candles REST has after all (the file was truncated): stored with the file. */
  found: CandleText[];
  /** Open times REST lacks too: exchange gaps. */
  holes: Hole[];
}

/**
 * Asks REST for the candles an archive file does not hold. Published files have been truncated and uploaded
 * again later, so a file's silence alone is no proof: only what REST lacks as well is an exchange gap. The ranges
 * are history (the file is published), so a missing tail is final.
 */
export async function confirmMissing(ctx: Pick<CollectorContext, 'client' | 'config'>, key: CandleSeries, missing: readonly ArchiveGap[]): Promise<ConfirmedMissing> {
  const found: CandleText[] = [];
  const holes: Hole[] = [];
  for (const gap of missing) {
    let expected = gap.from;
    for await (const page of ctx.client.klinesRangeText({ ...key, from: gap.from, to: gap.to, limit: ctx.config.batchSize })) {
      const inGap = page.filter((c) => c.openTime >= gap.from && c.openTime <= gap.to && c.isClosed);
      const result = holesInPage(key.interval, expected, inGap.map((c) => c.openTime));
      holes.push(...result.holes);
      found.push(...inGap);
      expected = result.next;
    }
    if (expected <= gap.to) holes.push({ from: expected, to: gap.to });
  }
  return { found, holes };
}

/** `file` and `extra` (both sorted by open time, no open time in both) as one sorted list. */
export function mergeByOpenTime(file: readonly CandleText[], extra: readonly CandleText[]): CandleText[] {
  if (extra.length === 0) return file as CandleText[];
  const merged: CandleText[] = [];
  let i = 0;
  let j = 0;
  while (i < file.length || j < extra.length) {
    const a = file[i];
    const b = extra[j];
    if (b === undefined || (a !== undefined && a.openTime < b.openTime)) merged.push(file[i++] as CandleText);
    else merged.push(extra[j++] as CandleText);
  }
  return merged;
}
