/**
 * Exchange time now. The client's estimate comes from REST `Date` headers; stream event times are fresher and
 * also follow a simulator whose clock runs faster than the wall clock, so the later of the two wins.
 */
export class ExchangeClock {
  private lastEventTime = 0;
  private lastEventReceivedAt = 0;

  constructor(private readonly restNow: () => number) {}

  observe(eventTime: number, receivedAt: number): void {
    if (eventTime > this.lastEventTime) {
      this.lastEventTime = eventTime;
      this.lastEventReceivedAt = receivedAt;
    }
  }

  now(): number {
    const fromEvents = this.lastEventTime === 0 ? 0 : this.lastEventTime + (Date.now() - this.lastEventReceivedAt);
    return Math.max(this.restNow(), fromEvents);
  }
}
