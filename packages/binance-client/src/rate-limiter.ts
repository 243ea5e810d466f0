/** Sleeps `ms` milliseconds. @internal */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Upper bound of one backoff delay, whatever the attempt number. */
export const MAX_BACKOFF_MS = 60_000;

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(MAX_BACKOFF_MS, baseMs × 2^attempt)).
 * @param attempt 0 for the first retry.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Start (epoch ms) of the window containing `nowMs`; windows are aligned to the epoch like Binance's UTC minutes. */
export function windowStart(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}

/**
 * Request-weight budget shared by all calls of one client. Windows are aligned to the epoch
 * (UTC minutes for 60 000 ms); the server's `X-MBX-USED-WEIGHT-1M` replaces the local count.
 * @internal
 */
export class WeightLimiter {
  private windowStartMs = 0;
  private used = 0;
  private pausedUntilMs = 0;

  constructor(
    readonly budget: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Weight counted in the current window. */
  usedWeight(): number {
    this.roll();
    return this.used;
  }

  /** How long a request of `weight` must wait now (0 = may go). */
  delayFor(weight: number): number {
    const now = this.now();
    if (this.pausedUntilMs > now) return this.pausedUntilMs - now;
    this.roll();
    if (this.used > 0 && this.used + weight > this.budget) return this.windowStartMs + this.windowMs - now;
    return 0;
  }

  /** Time left in the current window, in ms. */
  msToWindowEnd(): number {
    this.roll();
    return this.windowStartMs + this.windowMs - this.now();
  }

  /** Waits until `weight` fits in the budget, then reserves it. */
  async acquire(weight: number): Promise<void> {
    for (;;) {
      const delay = this.delayFor(weight);
      if (delay <= 0) break;
      await sleep(delay);
    }
    this.used += weight;
  }

  /** Takes the server's count for the current window. */
  sync(usedWeight: number): void {
    this.roll();
    this.used = usedWeight;
  }

  /** Holds every request until `untilMs` (a 429's Retry-After). */
  pauseUntil(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  private roll(): void {
    const start = windowStart(this.now(), this.windowMs);
    if (start !== this.windowStartMs) {
      this.windowStartMs = start;
      this.used = 0;
    }
  }
}
