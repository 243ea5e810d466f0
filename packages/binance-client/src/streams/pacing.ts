/**
 * At most `limit` events in any window of `windowMs` (a sliding log, stricter than the server's counting whatever
 * its window alignment). Used for control messages per connection and for connection attempts per client.
 * @internal
 */
export class SlidingWindowPacer {
  private readonly sent: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long to wait before the next event may happen (0 = now). */
  delay(): number {
    const now = this.now();
    this.prune(now);
    if (this.sent.length < this.limit) return 0;
    // Events recorded without asking (pongs) can push the log past the limit: wait for enough of them to age out.
    return this.sent[this.sent.length - this.limit]! + this.windowMs - now;
  }

  /** Records an event that happens now, whether or not `delay()` allowed it (a pong sent by the ws library). */
  record(): void {
    this.sent.push(this.now());
  }

  /** Events in the current window. */
  count(): number {
    this.prune(this.now());
    return this.sent.length;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.sent.length && this.sent[drop]! <= now - this.windowMs) drop++;
    if (drop > 0) this.sent.splice(0, drop);
  }
}
