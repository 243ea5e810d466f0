import { WebSocket } from 'ws';

/** A test WebSocket client that records every text frame, parsed. */
export class TestClient {
  readonly messages: unknown[] = [];
  pings = 0;
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      this.wake();
    });
    ws.on('ping', () => {
      this.pings++;
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      }),
    );
  }

  /** Opens `url`; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, opts: { autoPong?: boolean } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { autoPong: opts.autoPong ?? true });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`status ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `cond` holds, re-checked on every frame; fails after `timeoutMs`. */
  async until(cond: () => boolean, timeoutMs = 3000, what = 'a condition'): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!cond()) {
      const left = end - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first recorded message from index `from` matching `pred`, waiting for it. */
  async next<T>(pred: (m: T) => boolean, from = 0, timeoutMs = 3000): Promise<T> {
    let found: T | undefined;
    await this.until(() => {
      found = (this.messages.slice(from) as T[]).find(pred);
      return found !== undefined;
    }, timeoutMs, 'a matching message');
    return found as T;
  }

  /** Sends a control request and waits for the reply with that id (or the error reply without one). */
  async request(body: unknown, id: unknown): Promise<Record<string, unknown>> {
    const from = this.messages.length;
    this.ws.send(typeof body === 'string' ? body : JSON.stringify(body));
    return this.next<Record<string, unknown>>((m) => typeof m === 'object' && m !== null && 'id' in m && (m as { id: unknown }).id === id && ('result' in m || 'code' in m), from);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Opens `url` and returns the HTTP status of the refused upgrade, or 101. */
export async function upgradeStatus(url: string): Promise<number> {
  try {
    const c = await TestClient.open(url);
    c.close();
    return 101;
  } catch (err) {
    const m = /status (\d+)/.exec((err as Error).message);
    if (!m) throw err;
    return Number(m[1]);
  }
}
