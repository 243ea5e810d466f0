import { createTestDatabase, type TestDatabase } from '@collector/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/index.js';

describe('migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('schema');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('creates the six tables with the documented columns and keys, and is idempotent', async () => {
    const messages: string[] = [];
    const logger = { info: (_obj: object, msg?: string) => messages.push(msg ?? '') };
    const first = await migrate(db.sql, { logger });
    expect(first.applied).toEqual(['0000_initial', '0001_known_gaps_and_event_time', '0002_work_leases']);
    const second = await migrate(db.sql, { logger });
    expect(second.applied).toEqual([]);

    const columns = await db.sql<{ table_name: string; column_name: string; data_type: string }[]>`
      SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('candles', 'orderbook_data', 'collector_state', 'known_candle_gaps', 'collector_replicas', 'series_leases')
      ORDER BY table_name, ordinal_position`;
    const byTable = (name: string) =>
      columns.filter((c) => c.table_name === name).map((c) => `${c.column_name}:${c.data_type}`);
    expect(byTable('candles')).toEqual([
      'symbol:text', 'interval:text', 'timestamp:bigint',
      'open_time:timestamp with time zone', 'close_time:timestamp with time zone',
      'open_price:numeric', 'high_price:numeric', 'low_price:numeric', 'close_price:numeric',
      'volume:numeric', 'quote_volume:numeric', 'taker_buy_volume:numeric', 'taker_buy_quote_volume:numeric',
      'trades:bigint', 'is_closed:boolean',
    ]);
    expect(byTable('orderbook_data')).toEqual([
      'symbol:text', 'timestamp:bigint', 'time:timestamp with time zone', 'last_update_id:bigint', 'bids:jsonb', 'asks:jsonb', 'event_time:bigint',
    ]);
    expect(byTable('known_candle_gaps')).toEqual([
      'symbol:text', 'interval:text', 'gap_from:bigint', 'gap_to:bigint', 'reason:text', 'recorded_at:timestamp with time zone',
    ]);
    expect(byTable('collector_state')).toEqual([
      'symbol:text', 'stream:text', 'last_timestamp:bigint', 'last_updated:timestamp with time zone', 'is_realtime:boolean',
    ]);
    expect(byTable('collector_replicas')).toEqual([
      'app:text', 'replica_id:text', 'started_at:timestamp with time zone', 'heartbeat_at:timestamp with time zone', 'expires_at:timestamp with time zone',
    ]);
    expect(byTable('series_leases')).toEqual([
      'app:text', 'series:text', 'owner:text', 'acquired_at:timestamp with time zone', 'expires_at:timestamp with time zone',
    ]);

    const keys = await db.sql<{ table_name: string; columns: string }[]>`
      SELECT tc.table_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) AS columns
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage kcu USING (constraint_schema, constraint_name)
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'
      GROUP BY tc.table_name ORDER BY tc.table_name`;
    expect(keys.map((k) => `${k.table_name}(${k.columns})`)).toEqual([
      'candles(symbol,interval,open_time)',
      'collector_migrations(tag)',
      'collector_replicas(app,replica_id)',
      'collector_state(symbol,stream)',
      'known_candle_gaps(symbol,interval,gap_from)',
      'orderbook_data(symbol,time)',
      'series_leases(app,series)',
    ]);
    // The machine running the tests has plain PostgreSQL: one line says TimescaleDB is skipped.
    if (!first.timescale) {
      expect(messages.filter((m) => m.includes('timescaledb extension not available'))).toHaveLength(2);
    }
  });

  it('keeps unconstrained numeric precision (no numeric(20,8) overflow)', async () => {
    await migrate(db.sql);
    const [row] = await db.sql<{ volume: string }[]>`
      INSERT INTO candles VALUES ('SHIBUSDT', '1d', 0, to_timestamp(0), to_timestamp(86399.999),
        '0.00001234', '0.00001300', '0.00001200', '0.00001250',
        '123456789012345678901234.12345678', '1.5', '0', '0', 10, true)
      RETURNING volume`;
    expect(row?.volume).toBe('123456789012345678901234.12345678');
  });

  it('is safe when several services migrate the same fresh database at the same moment', async () => {
    const fresh = await createTestDatabase('schema_race');
    const clients = Array.from({ length: 4 }, () => postgres(fresh.url, { max: 1, onnotice: () => {} }));
    try {
      const results = await Promise.all(clients.map((client) => migrate(client)));
      expect(results.flatMap((r) => r.applied)).toEqual(['0000_initial', '0001_known_gaps_and_event_time', '0002_work_leases']);
      const [count] = await fresh.sql<{ n: string }[]>`SELECT count(*) AS n FROM collector_migrations`;
      expect(count?.n).toBe('3');
    } finally {
      await Promise.all(clients.map((client) => client.end()));
      await fresh.drop();
    }
  });
});
