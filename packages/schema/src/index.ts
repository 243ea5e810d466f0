export { candles, orderbookData, collectorState, collectorReplicas, knownCandleGaps, seriesLeases, type PriceLevel } from './tables.js';
export { migrate, DEFAULT_MIGRATE_OPTIONS, type MigrateOptions, type MigrateResult } from './migrate.js';
export { SchemaError, type SchemaErrorCode } from './errors.js';
export type { SchemaLogger } from './logger.js';
