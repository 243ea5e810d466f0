import { createLeaseBoard, createStore, type LeaseBoard } from '@collector/store';
import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkShare, type WorkShare } from '../src/index.js';

const SERIES = Array.from({ length: 30 }, (_, i) => `SYM${String(i).padStart(2, '0')}USDT|1m`);
const silent = { info: () => {}, warn: () => {}, error: () => {} };

interface Replica {
  share: WorkShare;
  board: LeaseBoard;
  /** What the app was told to collect, as the callbacks saw it. */
  collecting: Set<string>;
}

describe('work share through PostgreSQL', () => {
  let db: TestDatabase;
  const replicas: Replica[] = [];

  async function startReplica(id: string, app = 'candles', ttlMs = 1_500): Promise<Replica> {
    const board = createLeaseBoard({ url: db.url, app, replicaId: id, ttlMs });
    const collecting = new Set<string>();
    const share = await startWorkShare({
      board,
      heartbeatMs: 300,
      logger: silent,
      onAcquire: (series) => series.forEach((s) => collecting.add(s)),
      onRelease: (series) => series.forEach((s) => collecting.delete(s)),
    });
    share.setWanted(SERIES);
    const replica = { share, board, collecting };
    replicas.push(replica);
    return replica;
  }

  /** Every wanted series is collected by exactly one of `live`. */
  function assignment(live: Replica[]): { owners: Map<string, number>; counts: number[] } {
    const owners = new Map<string, number>();
    for (const r of live) for (const s of r.collecting) owners.set(s, (owners.get(s) ?? 0) + 1);
    return { owners, counts: live.map((r) => r.collecting.size) };
  }
  function settledOnce(live: Replica[]): boolean {
    const { owners, counts } = assignment(live);
    const fair = Math.ceil(SERIES.length / live.length);
    return owners.size === SERIES.length && [...owners.values()].every((n) => n === 1) && counts.every((n) => n <= fair);
  }

  beforeAll(async () => {
    db = await createTestDatabase('work_share');
    const store = createStore({ url: db.url, maxConnections: 1 });
    await store.migrate();
    await store.close();
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.share.stop().catch(() => {});
      await r.board.close();
    }
    await db.drop();
  });

  it('balances 30 series over 3 replicas, each collected by exactly one', async () => {
    const live = await Promise.all(['a', 'b', 'c'].map((id) => startReplica(id)));
    await expect.poll(() => settledOnce(live), { timeout: 15_000, interval: 100 }).toBe(true);
    const { counts } = assignment(live);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(Math.floor(0.2 * Math.min(...counts)) + 1);
    // The database agrees with what the replicas were told.
    const owners = await live[0]!.board.owners();
    for (const r of live) for (const s of r.collecting) expect(owners.get(s)).toBe(r.share.replicaId);
  });

  it('hands a stopped replica\'s series over at once, and a dead one\'s once its leases expire', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    await a.share.stop();
    expect(a.collecting.size).toBe(0);
    await expect.poll(() => settledOnce([b, c]), { timeout: 10_000, interval: 50 }).toBe(true);

    // "Kill" c: its connection goes away without a word, so its leases simply stop being renewed.
    await c.board.close();
    await expect.poll(() => b.collecting.size, { timeout: 15_000, interval: 100 }).toBe(SERIES.length);
  });

  it('gives a joining replica its fair share and follows changes of the wanted set', async () => {
    const b = replicas[1]!;
    const d = await startReplica('d');
    await expect.poll(() => settledOnce([b, d]), { timeout: 15_000, interval: 100 }).toBe(true);
    const fewer = SERIES.slice(0, 10);
    b.share.setWanted(fewer);
    d.share.setWanted(fewer);
    await expect
      .poll(() => [...b.collecting, ...d.collecting].sort().join(), { timeout: 10_000, interval: 100 })
      .toBe(fewer.join());
  });
});
