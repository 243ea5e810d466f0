/** REQUEST_WEIGHT state of one client address. */
export interface ClientWeight {
  window: number;
  used: number;
  /** told to wait (429) until then; calling before it gets a ban */
  waitUntil: number;
  bannedUntil: number;
}

/** Per-address REQUEST_WEIGHT accounting in fixed windows of the sim clock. */
export class WeightTracker {
  private readonly clients = new Map<string, ClientWeight>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** The address's state at sim time t, reset when a new window started. */
  at(ip: string, t: number): ClientWeight {
    const windowIdx = Math.floor(t / this.windowMs);
    let w = this.clients.get(ip);
    if (!w) {
      w = { window: windowIdx, used: 0, waitUntil: 0, bannedUntil: 0 };
      this.clients.set(ip, w);
    }
    if (w.window !== windowIdx) {
      w.window = windowIdx;
      w.used = 0;
    }
    return w;
  }

  /** End of the current window at sim time t. */
  windowEnd(t: number): number {
    return (Math.floor(t / this.windowMs) + 1) * this.windowMs;
  }
}

/** The -1003 message of a 429. */
export function tooMuch(limit: number): string {
  return `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`;
}

/** The -1003 message of a 418. */
export function banned(until: number): string {
  return `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`;
}

/** Weight of GET /api/v3/depth by limit. */
export function depthWeight(q: URLSearchParams): number {
  const l = Number(q.get('limit') ?? 100);
  if (!(l > 100)) return 5;
  if (l <= 500) return 25;
  if (l <= 1000) return 50;
  return 250;
}
