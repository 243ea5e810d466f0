import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseBoard, createStore, StoreError, type LeaseBoard } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lease board', () => {
  let db: TestDatabase;
  const boards: LeaseBoard[] = [];
  const open = (replicaId: string, ttlMs = 60_000, app = 'candles') => {
    const board = createLeaseBoard({ url: db.url, app, replicaId, ttlMs });
    boards.push(board);
    return board;
  };
  beforeAll(async () => {
    db = await createTestDatabase('store_leases');
    const store = createStore({ url: db.url, maxConnections: 1 });
    await store.migrate();
    await store.close();
  });
  afterAll(async () => {
    await Promise.all(boards.map((b) => b.close()));
    await db.drop();
  });

  it('gives each series to one replica at a time and lists the live replicas', async () => {
    const a = open('a');
    const b = open('b');
    expect((await a.heartbeat()).replicas.map((r) => r.replicaId)).toEqual(['a']);
    expect((await b.heartbeat()).replicas.map((r) => r.replicaId)).toEqual(['a', 'b']);

    const [takenByA, takenByB] = await Promise.all([a.claim(['X|1m', 'Y|1m']), b.claim(['Y|1m', 'Z|1m'])]);
    // Y went to exactly one of them.
    expect([...takenByA, ...takenByB].sort()).toEqual(['X|1m', 'Y|1m', 'Z|1m']);
    expect((await a.claim(['X|1m'])).sort()).toEqual(['X|1m']); // claiming what it holds renews it
    const owners = await a.owners();
    expect(owners.get('X|1m')).toBe('a');
    expect(owners.get('Z|1m')).toBe('b');
    expect((await a.heartbeat()).held).toEqual(takenByA);
  });

  it('keeps apps apart', async () => {
    const other = open('a', 60_000, 'orderbook');
    expect(await other.claim(['X|1m'])).toEqual(['X|1m']);
    expect((await other.owners()).size).toBe(1);
  });

  it('frees the series of a replica that stops renewing once its lease expires, and not before', async () => {
    const gone = open('gone', 300);
    const live = open('live', 60_000);
    await gone.heartbeat();
    expect(await gone.claim(['P', 'Q'])).toEqual(['P', 'Q']);
    expect(await live.claim(['P'])).toEqual([]);
    await sleep(400);
    expect(await live.claim(['P', 'Q'])).toEqual(['P', 'Q']);
    const { replicas } = await live.heartbeat();
    expect(replicas.map((r) => r.replicaId)).not.toContain('gone');
    // The replica that came back holds nothing of what was taken.
    expect((await gone.heartbeat()).held).toEqual([]);
  });

  it('hands series over at once on release and leave, and tells the others', async () => {
    const leaving = open('leaving');
    const staying = open('staying');
    const changes: number[] = [];
    await staying.onChange(() => changes.push(Date.now()));
    await leaving.heartbeat();
    await leaving.claim(['R', 'S', 'T']);
    await leaving.release(['R']);
    expect(await staying.claim(['R', 'S'])).toEqual(['R']);
    await leaving.leave();
    expect(await staying.claim(['S', 'T'])).toEqual(['S', 'T']);
    expect((await staying.heartbeat()).replicas.map((r) => r.replicaId)).not.toContain('leaving');
    await expect.poll(() => changes.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses bad options and calls after close with typed errors', async () => {
    expect(() => createLeaseBoard({ url: db.url, app: '', replicaId: 'x' })).toThrow(/option app is required/);
    expect(() => createLeaseBoard({ url: db.url, app: 'candles', replicaId: 'x', ttlMs: 5 })).toThrow(StoreError);
    const board = createLeaseBoard({ url: db.url, app: 'candles', replicaId: 'closed' });
    await board.close();
    await expect(board.claim(['X'])).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
