import { afterEach } from 'vitest';
import { startBinanceSim, type BinanceSim, type BinanceSimOptions } from '../src/index.js';

/** 2024-11-16 12:34:56.789 UTC */
export const T0 = Date.UTC(2024, 10, 16, 12, 34, 56, 789);

export async function sim(opts: BinanceSimOptions = {}): Promise<BinanceSim & { t: number }> {
  const s = await startBinanceSim({ clock: () => box.t, ...opts });
  const box = Object.assign(s, { t: T0 });
  return box;
}

export async function getJson(url: string): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const r = await fetch(url);
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: r.status, body, headers: r.headers, text };
}

export type Row = [number, string, string, string, string, string, number, string, number, string, string, string];

/** Parses a fixed-point string into units of 10^-dec. */
export function units(s: string, dec = 8): bigint {
  const [i, f = ''] = s.split('.');
  return BigInt(`${i}${f.padEnd(dec, '0').slice(0, dec)}`);
}

/**
 * Returns a `start(options)` that starts a simulator on the virtual clock and
 * closes every simulator it started after each test of the calling file.
 */
export function useSims(): (opts?: BinanceSimOptions) => ReturnType<typeof sim> {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (opts = {}) => {
    const s = await sim(opts);
    open.push(s);
    return s;
  };
}

/** Polls `cond` every 10 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
