/** One benchmark figure, printed as a JSON line by `pnpm bench`. */
export interface BenchResult {
  bench: string;
  value: number;
  unit: string;
  baseline?: number;
  [extra: string]: unknown;
}

/** Prints a result as one JSON line, adding `ratio` when a baseline is given. */
export function emitBenchResult(result: BenchResult): void {
  const line: Record<string, unknown> = { ...result };
  if (result.baseline !== undefined && result.baseline !== 0) {
    line.ratio = Number((result.value / result.baseline).toFixed(4));
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * Runs `work` repeatedly for at least `minDurationMs` and returns operations per
 * second, where each call of `work` performs `operationsPerCall` operations.
 */
export function measureRate(work: () => void, operationsPerCall: number, minDurationMs = 1000): number {
  for (let i = 0; i < 3; i++) work();
  let calls = 0;
  const started = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minDurationMs) {
    work();
    calls++;
    elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  }
  return (calls * operationsPerCall * 1000) / elapsedMs;
}

/** The value at quantile `q` (0..1) of a list of numbers. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}
