import type { PriceLevelInput } from '@collector/store';
import type { OrderbookMode } from '../config.js';

/**
 * Why a symbol's snapshot was skipped at a grid time:
 * - `no_data`: nothing received yet since start (stream mode).
 * - `disconnected`: the connection carrying the symbol is down (stream mode).
 * - `stale`: no partial-depth event since the previous grid tick (stream mode).
 * - `syncing`: the first snapshot has not bridged the diff stream yet (diff mode).
 * - `resyncing`: the book left the live state (gap, disconnect, bad event) and waits for a new snapshot (diff mode).
 * - `fetch_failed`: the REST depth request failed (poll mode).
 * - `fetch_late`: the REST depth response did not arrive before the next grid time (poll mode).
 * - `busy`: the previous REST depth request of the symbol is still running (poll mode).
 * - `db_backlog`: written to nobody: dropped from the pending queue while PostgreSQL was away.
 */
export type SkipReason =
  | 'no_data'
  | 'disconnected'
  | 'stale'
  | 'syncing'
  | 'resyncing'
  | 'fetch_failed'
  | 'fetch_late'
  | 'busy'
  | 'db_backlog';

/** A book known to be in sync, as read at a grid time. */
export interface BookReading {
  lastUpdateId: number;
  /** Exchange event time of the last applied diff, epoch ms; null when the source has none. */
  eventTime: number | null;
  /** Best first, at most the configured levels: Decimals, or checked exchange text (stream mode). */
  bids: readonly PriceLevelInput[];
  asks: readonly PriceLevelInput[];
  /** Fewer levels than configured on a side although the exchange may have more: only the exact ones are kept. */
  truncated?: boolean;
}

/** One symbol's book at a grid time, or why there is none. */
export type BookRead = { ok: true; book: BookReading } | { ok: false; reason: SkipReason };

/** Hooks a source reports through (metrics and logs). */
export interface SourceHooks {
  /** A book left the live state, or a stream went down. */
  onResync(symbol: string, reason: string): void;
  /** A partial-depth push was received (stream mode). */
  onPartialDepth(): void;
  /** A frame was refused by the client's checks (`ResponseFormatError`): dropped, nothing of it stored. */
  onInvalidFrame(): void;
}

/** Where snapshots come from: one per mode. */
export interface BookSource {
  readonly mode: OrderbookMode;
  /** Opens streams (or nothing, for polling); does not wait for books to be live. */
  start(): Promise<void>;
  /** Every symbol's book for grid time `gridTime`. Poll mode fetches here; the others read memory. */
  read(gridTime: number): Promise<Map<string, BookRead>>;
  /** Whether the symbol's book would be written now. */
  isLive(symbol: string): boolean;
  /** Local receipt time of the last event (or REST response) of the symbol, epoch ms. */
  lastReceivedAt(symbol: string): number | undefined;
  /** Closes streams and timers. */
  stop(): Promise<void>;
}
