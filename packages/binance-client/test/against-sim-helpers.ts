import { startBinanceSim, type BinanceSim, type BinanceSimOptions } from '@collector/binance-sim';
import { afterEach } from 'vitest';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** 2024-11-16 12:34:56.789 UTC: the virtual sim clock of the tests that need a fixed "now". */
export const T0 = Date.UTC(2024, 10, 16, 12, 34, 56, 789);

/** One HTTP exchange as the client's `fetch` saw it. */
export interface Exchange {
  path: string;
  query: URLSearchParams;
  /** HTTP status, or 0 when no response arrived (timeout, reset). */
  status: number;
  /** Local epoch ms when the request left / the response headers arrived (or the error). */
  sentAt: number;
  receivedAt: number;
  /** `X-MBX-USED-WEIGHT-1M` of the response. */
  usedWeight: number | undefined;
}

export interface RecordingFetch {
  /** Pass as the client's `fetch` option: real HTTP, recorded. */
  fetch: typeof globalThis.fetch;
  /** Every exchange so far, in the order the requests were sent. */
  log: Exchange[];
  /** How many exchanges had `status` (0 = no response). */
  count(status: number): number;
  /** Called when a request got no response (e.g. the client's timeout aborted it). */
  onError?: (e: Exchange) => void;
}

/**
 * A `fetch` that does the real request and records it.
 * @param simClock when the sim runs on a virtual clock: its time is written into the `Date` header,
 *   which is where the client learns Binance time from (the sim sends Node's real-time `Date`; reported).
 */
export function recordingFetch(simClock?: () => number): RecordingFetch {
  const log: Exchange[] = [];
  const recorder: RecordingFetch = {
    log,
    count: (status) => log.filter((e) => e.status === status).length,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const e: Exchange = { path: url.pathname, query: url.searchParams, status: 0, sentAt: Date.now(), receivedAt: 0, usedWeight: undefined };
      log.push(e);
      let response: Response;
      try {
        response = await globalThis.fetch(input, init);
      } catch (error) {
        e.receivedAt = Date.now();
        recorder.onError?.(e);
        throw error;
      }
      e.receivedAt = Date.now();
      e.status = response.status;
      const used = response.headers.get('x-mbx-used-weight-1m');
      e.usedWeight = used === null ? undefined : Number(used);
      if (!simClock) return response;
      const headers = new Headers(response.headers);
      headers.set('date', new Date(simClock()).toUTCString());
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
    },
  };
  return recorder;
}

/** Starts simulators for the calling test file and closes them after each test. */
export function useSims(): (options?: BinanceSimOptions) => Promise<BinanceSim> {
  const open: BinanceSim[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const sim = await startBinanceSim({ seed: 7, ...options });
    open.push(sim);
    return sim;
  };
}

/** Resolves at local epoch ms `at`: for deadlines the test was told (a ban's end), never for guessed delays. */
export async function until(at: number): Promise<void> {
  // A timer may fire a millisecond before Date.now() reaches `at`.
  while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
}

/** Asserts open times run from `from` in steps of `stepMs` with no gap and no duplicate. */
export function expectContiguous(openTimes: number[], from: number, stepMs: number): void {
  for (let i = 0; i < openTimes.length; i++) {
    if (openTimes[i] !== from + i * stepMs) {
      throw new Error(`open time #${i} is ${openTimes[i]}, expected ${from + i * stepMs} (gap or duplicate)`);
    }
  }
}
