import { type CandleSeriesStatus, formatShortDuration, type StatusReport } from '@collector/status-page';

function candlesPart(series: readonly CandleSeriesStatus[]): string[] {
  const parts: string[] = [];
  const live = series.filter((s) => s.phase === 'live');
  const lags = live.map((s) => s.lagMs).filter((lag): lag is number => lag !== null);
  if (live.length > 0) parts.push(`${live.length} series live${lags.length > 0 ? `, lag ${formatShortDuration(Math.max(...lags))}` : ''}`);
  const history = series.flatMap((s) => (s.phase === 'history' ? [s.progress] : []));
  if (history.length > 0) {
    const done = history.reduce((sum, p) => sum + p.done, 0);
    const left = history.reduce((sum, p) => sum + p.left, 0);
    // The series load side by side: the time left is what is left over the pace of all of them.
    const rates = history.map((p) => p.ratePerSecond);
    const rate = rates.every((r) => r !== null) ? (rates as number[]).reduce((sum, r) => sum + r, 0) : null;
    const percent = done + left === 0 ? 100 : Math.floor((done / (done + left)) * 100);
    const eta = rate !== null && rate > 0 ? ` ETA ${formatShortDuration((left / rate) * 1000)}` : '';
    parts.push(`${history.length} series backfill ${percent}%${eta}`);
  }
  return parts;
}

/**
 * One line for a person watching a terminal, from the collectors' status reports, for example
 * `5 series live, lag 0.3 s · 3 series backfill 62% ETA 40 s · 5 books live`. The lag is the worst live series';
 * the weight appears once a collector has used half of its budget; `missing` names collectors that did not answer.
 */
export function formatStatusLine(reports: readonly StatusReport[], missing: readonly string[] = []): string {
  const parts: string[] = [];
  const series = reports.flatMap((r) => (r.app === 'candles' ? r.owned : []));
  const books = reports.flatMap((r) => (r.app === 'orderbook' ? r.owned : []));
  if (reports.some((r) => r.app === 'candles')) parts.push(...(series.length === 0 ? ['no series'] : candlesPart(series)));
  if (reports.some((r) => r.app === 'orderbook')) {
    const count = (phase: string): number => books.filter((b) => b.phase === phase).length;
    const others = (['stale', 'resyncing'] as const).filter((phase) => count(phase) > 0).map((phase) => `${count(phase)} ${phase}`);
    parts.push([`${count('live')} books live`, ...others].join(', '));
  }
  const busiest = Math.max(0, ...reports.map((r) => (r.weight.limit > 0 ? r.weight.used / r.weight.limit : 0)));
  if (busiest >= 0.5) parts.push(`weight ${Math.round(busiest * 100)}% of limit`);
  for (const name of missing) parts.push(`${name} not answering`);
  return parts.join(' · ');
}

/** Options of {@link startStatusLine}. */
export interface StatusLineOptions {
  /** Reads the reports (for example each collector's `/status`) and names those that did not answer. */
  read: () => Promise<{ reports: StatusReport[]; missing?: string[] }>;
  /** Where the line goes; nothing is written unless it is a terminal (or `force`). @default process.stdout */
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * Period of the line, in ms.
   * @default 5000
   */
  intervalMs?: number;
  /** Write even when `output` is not a terminal (tests). @default false */
  force?: boolean;
}

/** Defaults of {@link StatusLineOptions}. */
export const DEFAULT_STATUS_LINE_OPTIONS = { intervalMs: 5_000 } as const;

/**
 * Writes {@link formatStatusLine} every few seconds, on a terminal only: containers and CI keep pure JSON lines.
 * Returns a function that stops it.
 */
export function startStatusLine(options: StatusLineOptions): () => void {
  const output = options.output ?? process.stdout;
  if (output.isTTY !== true && options.force !== true) return () => {};
  const intervalMs = options.intervalMs ?? DEFAULT_STATUS_LINE_OPTIONS.intervalMs;
  const colour = output.isTTY === true;
  let stopped = false;
  let running = false;
  const tick = (): void => {
    if (running || stopped) return;
    running = true;
    options
      .read()
      .then(({ reports, missing }) => {
        const line = formatStatusLine(reports, missing);
        if (!stopped && line !== '') output.write(colour ? `\x1b[1;36mstatus\x1b[0m │ ${line}\n` : `status │ ${line}\n`);
      })
      // A failed read costs one line; the next tick reads again.
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
