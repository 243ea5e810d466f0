import type { Logger } from '@collector/service-kit';
import type { Clock } from './grid.js';

/** While a symbol keeps being skipped, a reminder is logged at most this often. */
export const SKIP_LOG_EVERY_MS = 10_000;

interface Run {
  reason: string;
  since: number;
  count: number;
  loggedAt: number;
}

/** Logs skipped snapshots without flooding: the first skip of a run, a reminder every 10 s, and the recovery. */
export interface SkipLog {
  skipped(symbol: string, reason: string): void;
  /** The symbol was written again. */
  written(symbol: string): void;
}

export function createSkipLog(logger: Logger, clock: Clock = Date.now): SkipLog {
  const runs = new Map<string, Run>();
  return {
    skipped(symbol, reason) {
      const now = clock();
      const run = runs.get(symbol);
      if (run === undefined || run.reason !== reason) {
        runs.set(symbol, { reason, since: now, count: 1, loggedAt: now });
        logger.warn({ symbol, reason }, 'snapshot skipped: book not in sync');
        return;
      }
      run.count++;
      if (now - run.loggedAt >= SKIP_LOG_EVERY_MS) {
        run.loggedAt = now;
        logger.warn({ symbol, reason, skipped: run.count, forMs: now - run.since }, 'snapshots still skipped');
      }
    },
    written(symbol) {
      const run = runs.get(symbol);
      if (run === undefined) return;
      runs.delete(symbol);
      logger.info({ symbol, reason: run.reason, skipped: run.count, forMs: clock() - run.since }, 'snapshots resumed');
    },
  };
}
