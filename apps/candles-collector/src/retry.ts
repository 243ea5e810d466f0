import type { Logger } from '@collector/service-kit';

/** Longest pause between two attempts of a database write. */
const MAX_RETRY_DELAY_MS = 30_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `work` until it succeeds: the database being down must delay collection, never lose it. Gives up only
 * when `signal` aborts (shutdown), rethrowing the last error.
 */
export async function untilDone<T>(
  work: () => Promise<T>,
  options: { what: string; retryDelayMs: number; signal: AbortSignal; logger: Logger; onFailure?: () => void },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      options.onFailure?.();
      if (options.signal.aborted) throw error;
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, options.retryDelayMs * 2 ** Math.min(attempt, 10));
      // One line per attempt is enough to see an outage; the backoff keeps it from flooding.
      options.logger.warn({ err: error, attempt: attempt + 1, retryInMs: delayMs }, `${options.what} failed; retrying`);
      await pause(delayMs, options.signal);
    }
  }
}
