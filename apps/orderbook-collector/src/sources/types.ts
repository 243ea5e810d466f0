import type { PriceLevelInput } from '@collector/store';
import type { OrderbookMode } from '../config.js';

/**
 * Why a symbol's snapshot was skipped at a grid time:
 * - `no_data`: nothing received yet since start (stream mode).
 * - `disconnected`: the connection carrying the symbol is down (stream mode).
 * - `stale`: no partial-depth event since the previous grid tick (stream mode); the local book knows fewer than N
 *   exact levels on a side because its refresh has not landed (late, or refused with 429/418) (diff mode).
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
}

/** One symbol's book at a grid time, or why there is none. */
export type BookRead = { ok: true; book: BookReading } | { ok: false; reason: SkipReason };

/** Hooks a source reports through (metrics and logs). */
export interface SourceHooks {
  /** A book left the live state, or a stream went down. */
  onResync(symbol: string, reason: string): void;
  /** A partial-depth push was received (stream mode). */
  onPartialDepth(): void;
  /**
   * A book that grid time `gridTime` will most likely read, known before it (stream mode, a push parsed shortly
   * before a grid time): its snapshot can be rendered ahead, off the path from the grid time to the subscribers.
   */
  onBookAhead(symbol: string, gridTime: number, book: BookReading): void;
  /** A frame was refused by the client's checks (`ResponseFormatError`): dropped, nothing of it stored. */
  onInvalidFrame(): void;
  /** Diff mode: a live book took over a fresh snapshot (`depth`: its known depth ran low; `verify`: the periodic check). */
  onRefresh(symbol: string, reason: string): void;
  /** Diff mode: a refresh request failed (429, 418, network); the book stays live and it is retried. */
  onRefreshFailed(symbol: string, reason: string): void;
  /** Diff mode: the local book differed from a refresh snapshot at the same update id (the snapshot replaced it). */
  onMismatch(symbol: string): void;
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
