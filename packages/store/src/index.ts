export { createStore, type Store, type CommitInput, type CommitResult, type LoadInput, type SetStateOptions } from './store.js';
export type { LoadPath, LoadResult } from './copy-load.js';
export { createStoreReader, DEFAULT_STORE_READER_OPTIONS, type StoreReader, type StoreReaderOptions } from './reader.js';
export { createLeaseBoard, DEFAULT_LEASE_BOARD_OPTIONS, type LeaseBoard, type LeaseBoardOptions, type ReplicaRecord } from './lease-board.js';
export { DEFAULT_STORE_OPTIONS, type StoreOptions, type StoreLogger } from './options.js';
export { StoreError, StoreValidationError, type StoreErrorCode } from './errors.js';
export type {
  CandleGap,
  CandleRangeQuery,
  CollectorState,
  CollectorStateInput,
  KnownCandleGap,
  OrderbookSnapshotRecord,
  PriceLevelInput,
  StoredOrderbookSnapshot,
} from './types.js';
export type { DecimalInput } from '@collector/decimal';
