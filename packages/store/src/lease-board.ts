import postgres from 'postgres';
import { textArray } from './array-literal.js';
import { StoreError } from './errors.js';

/** Options of {@link createLeaseBoard}. */
export interface LeaseBoardOptions {
  /** PostgreSQL connection URL. Required. */
  url: string;
  /** The app whose series are shared, for example `candles`. Replicas of one app share one board. Required. */
  app: string;
  /** This replica's id, unique among the app's replicas (for example the pod name plus a random suffix). Required. */
  replicaId: string;
  /**
   * How long a heartbeat or a lease holds, in ms. A replica that stops renewing (SIGKILL, cut off) loses its
   * series this long after its last renewal. Renew several times per TTL.
   * @default 9000
   */
  ttlMs?: number;
}

/** Defaults of {@link LeaseBoardOptions}. */
export const DEFAULT_LEASE_BOARD_OPTIONS = {
  ttlMs: 9_000,
} as const;

/** One live replica of the app, as the board sees it. */
export interface ReplicaRecord {
  replicaId: string;
  startedAt: Date;
  heartbeatAt: Date;
}

/**
 * Who collects which series of one app, kept in PostgreSQL (`collector_replicas`, `series_leases`). Times are the
 * database's, so replicas with skewed clocks agree. It decides nothing: the caller ({@link WorkShare} in the
 * services) chooses what to claim and release.
 */
export interface LeaseBoard {
  /** This replica's id. */
  readonly replicaId: string;
  /**
   * Heartbeat: refreshes this replica and every lease it still holds, forgets replicas whose heartbeat expired,
   * and returns the live replicas (this one included, oldest first) and the series this replica holds.
   */
  heartbeat(): Promise<{ replicas: ReplicaRecord[]; held: string[] }>;
  /** Live leases of the app: series → owner. */
  owners(): Promise<Map<string, string>>;
  /** Takes each of `series` that is free (never leased, or its lease expired); returns the series taken. */
  claim(series: readonly string[]): Promise<string[]>;
  /** Gives up `series` held by this replica, and tells the other replicas at once. */
  release(series: readonly string[]): Promise<void>;
  /** Gives up everything and removes this replica (graceful stop), telling the other replicas at once. */
  leave(): Promise<void>;
  /** Calls `listener` whenever a replica of the app joins, releases or leaves; resolves once listening. */
  onChange(listener: () => void): Promise<void>;
  /** Closes the connections. */
  close(): Promise<void>;
}

function required(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new StoreError('INVALID_OPTIONS', `createLeaseBoard: option ${name} is required`);
  return value;
}

/**
 * Opens the lease board of one app on its own small pool, so that heartbeats never queue behind bulk writes.
 * Run the schema migrations first.
 * @example const board = createLeaseBoard({ url, app: 'candles', replicaId: 'pod-a' }); await board.claim(['BTCUSDT|1m']);
 */
export function createLeaseBoard(options: LeaseBoardOptions): LeaseBoard {
  const url = required('url', options.url);
  const app = required('app', options.app);
  const replicaId = required('replicaId', options.replicaId);
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_BOARD_OPTIONS.ttlMs;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 100) throw new StoreError('INVALID_OPTIONS', `createLeaseBoard: option ttlMs must be an integer ≥ 100, got ${String(ttlMs)}`);
  // Two connections: one for the statements, one that LISTEN keeps for itself.
  const sql = postgres(url, { max: 2, idle_timeout: 30, onnotice: () => {} });
  const ttl = `${ttlMs} milliseconds`;
  // NOTIFY channels are identifiers: keep the app name out of the SQL text and in the payload instead.
  const channel = 'collector_leases';
  let closed = false;

  async function run<T>(operation: string, query: () => Promise<T>): Promise<T> {
    if (closed) throw new StoreError('CLOSED', `${operation} failed: the lease board is closed`);
    try {
      return await query();
    } catch (cause) {
      throw new StoreError('QUERY_FAILED', `${operation} failed: ${(cause as Error).message}`, { cause });
    }
  }

  const notify = () => sql`SELECT pg_notify(${channel}, ${app})`;

  return {
    replicaId,
    heartbeat: () =>
      run('lease heartbeat', () =>
        sql.begin(async (tx) => {
          const [joined] = await tx<{ inserted: boolean }[]>`
            INSERT INTO collector_replicas (app, replica_id, expires_at) VALUES (${app}, ${replicaId}, now() + ${ttl}::interval)
            ON CONFLICT (app, replica_id) DO UPDATE SET heartbeat_at = now(), expires_at = EXCLUDED.expires_at
            RETURNING (xmax = 0) AS inserted`;
          await tx`DELETE FROM collector_replicas WHERE app = ${app} AND expires_at < now()`;
          // Held leases are renewed even past their expiry while nobody else has taken them.
          const held = await tx<{ series: string }[]>`
            UPDATE series_leases SET expires_at = now() + ${ttl}::interval
            WHERE app = ${app} AND owner = ${replicaId} RETURNING series`;
          const replicas = await tx<ReplicaRecord[]>`
            SELECT replica_id AS "replicaId", started_at AS "startedAt", heartbeat_at AS "heartbeatAt"
            FROM collector_replicas WHERE app = ${app} ORDER BY started_at, replica_id`;
          if (joined?.inserted) await tx`SELECT pg_notify(${channel}, ${app})`;
          return { replicas: [...replicas], held: held.map((row) => row.series).sort() };
        }),
      ),
    owners: () =>
      run('lease owners', async () => {
        const rows = await sql<{ series: string; owner: string }[]>`
          SELECT series, owner FROM series_leases WHERE app = ${app} AND expires_at >= now()`;
        return new Map(rows.map((row) => [row.series, row.owner]));
      }),
    claim: (series) =>
      run('lease claim', async () => {
        if (series.length === 0) return [];
        const rows = await sql<{ series: string }[]>`
          INSERT INTO series_leases (app, series, owner, expires_at)
          SELECT ${app}, s, ${replicaId}, now() + ${ttl}::interval FROM unnest(${textArray(series)}::text[]) AS s
          ON CONFLICT (app, series) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at, acquired_at = now()
          WHERE series_leases.expires_at < now() OR series_leases.owner = EXCLUDED.owner
          RETURNING series`;
        return rows.map((row) => row.series).sort();
      }),
    release: (series) =>
      run('lease release', async () => {
        if (series.length === 0) return;
        await sql`DELETE FROM series_leases WHERE app = ${app} AND owner = ${replicaId} AND series = ANY(${textArray(series)}::text[])`;
        await notify();
      }),
    leave: () =>
      run('lease leave', async () => {
        await sql.begin(async (tx) => {
          await tx`DELETE FROM series_leases WHERE app = ${app} AND owner = ${replicaId}`;
          await tx`DELETE FROM collector_replicas WHERE app = ${app} AND replica_id = ${replicaId}`;
          await tx`SELECT pg_notify(${channel}, ${app})`;
        });
      }),
    onChange: (listener) =>
      run('lease listen', async () => {
        await sql.listen(channel, (payload) => {
          if (payload === app) listener();
        });
      }),
    async close() {
      if (closed) return;
      closed = true;
      await sql.end({ timeout: 5 });
    },
  };
}
