/** The part of a pino-compatible logger this package uses. Defaults to silence. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
}

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** PostgreSQL connection URL, for example `postgres://user:pass@host:5432/db`. Required. */
  url: string;
  /**
   * Size of the connection pool. Large candle batches are written over several
   * connections at once, up to `writeConcurrency`.
   * @default 10
   */
  maxConnections?: number;
  /**
   * Rows per INSERT statement in bulk candle writes. Each statement sends one
   * array per column, so the 65535-parameter limit does not apply.
   * @default 5000
   */
  chunkSize?: number;
  /**
   * How many chunks of one `upsertCandles` call are written in parallel, each on
   * its own pooled connection (capped by `maxConnections`). Set 1 for strictly
   * sequential writes. `commitCandles` always writes on its one transaction.
   * @default 4
   */
  writeConcurrency?: number;
  /**
   * Seconds an idle pooled connection is kept before it is closed; 0 keeps it.
   * @default 30
   */
  idleTimeoutSeconds?: number;
  /** pino-compatible logger. @default silent */
  logger?: StoreLogger;
}

/** Defaults of {@link StoreOptions}. */
export const DEFAULT_STORE_OPTIONS = {
  maxConnections: 10,
  chunkSize: 5000,
  writeConcurrency: 4,
  idleTimeoutSeconds: 30,
} as const;

export const SILENT_LOGGER: StoreLogger = { info: () => {} };
