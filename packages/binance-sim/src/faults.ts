/** A fault applied to the next requests. */
export type SimFault =
  | { type: 'status'; status: number; body?: string }
  | { type: 'rateLimit' }
  | { type: 'ban' }
  | { type: 'html'; status: number }
  | { type: 'malformed' };

/** Programmatic control of injected failures. */
export interface SimFaults {
  /** Answers the next `count` requests with `status` (default 503) and a short body. */
  failNext(count: number, status?: number, body?: string): void;
  /** Answers the next `count` requests with 429 and Retry-After. */
  rateLimitNext(count: number): void;
  /** Answers the next `count` requests with 418 and Retry-After. */
  banNext(count: number): void;
  /** Answers the next `count` requests with an HTML page (status 200 or 502). */
  htmlNext(count: number, status?: number): void;
  /** Answers the next `count` requests with truncated JSON (status 200). */
  malformedNext(count: number): void;
  /** Adds this delay, in ms, to every response. */
  setLatencyMs(ms: number): void;
  /** Removes every pending fault and the latency. */
  clear(): void;
}

export class FaultQueue implements SimFaults {
  latencyMs = 0;
  private readonly queue: SimFault[] = [];

  private push(count: number, f: SimFault): void {
    for (let i = 0; i < count; i++) this.queue.push(f);
  }
  failNext(count: number, status = 503, body?: string): void {
    this.push(count, body === undefined ? { type: 'status', status } : { type: 'status', status, body });
  }
  rateLimitNext(count: number): void {
    this.push(count, { type: 'rateLimit' });
  }
  banNext(count: number): void {
    this.push(count, { type: 'ban' });
  }
  htmlNext(count: number, status = 200): void {
    this.push(count, { type: 'html', status });
  }
  malformedNext(count: number): void {
    this.push(count, { type: 'malformed' });
  }
  setLatencyMs(ms: number): void {
    this.latencyMs = ms;
  }
  clear(): void {
    this.queue.length = 0;
    this.latencyMs = 0;
  }
  take(): SimFault | undefined {
    return this.queue.shift();
  }
  /** Applies a JSON command from POST /sim/faults. */
  apply(cmd: Record<string, unknown>): void {
    const count = typeof cmd.count === 'number' ? cmd.count : 1;
    const status = typeof cmd.status === 'number' ? cmd.status : undefined;
    switch (cmd.type) {
      case 'clear': return this.clear();
      case 'status': return this.failNext(count, status, typeof cmd.body === 'string' ? cmd.body : undefined);
      case 'rateLimit': return this.rateLimitNext(count);
      case 'ban': return this.banNext(count);
      case 'html': return this.htmlNext(count, status);
      case 'malformed': return this.malformedNext(count);
      case 'latency': return this.setLatencyMs(typeof cmd.ms === 'number' ? cmd.ms : 0);
      default: throw new Error(`unknown fault type ${String(cmd.type)}`);
    }
  }
}
