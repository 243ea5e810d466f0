import { getHeapSpaceStatistics } from 'node:v8';

/** V8's `gc()`, defined when node runs with `--expose-gc` (the service's start flags, README "Memory"). */
type ExposedGc = (options: { type: 'minor' }) => void;

/** At most one collection this often: in a steady flow of small batches the sink goes idle many times a second. */
const MIN_INTERVAL_MS = 100;

/**
 * Below this share of the young generation in use, no collection is asked for: the next burst fits, and a
 * scavenge just after V8's own would promote what is still in flight (replies not read yet) to the old generation,
 * whose collections are the longer pauses.
 */
const MIN_USED_SHARE = 0.25;

/** The share of the young generation (new space) in use now. */
function youngGenerationUsed(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space === undefined || space.space_size === 0 ? 0 : space.space_used_size / space.space_size;
}

/**
 * Collects the young generation once the live path is idle: when a batch is published and nothing is pending,
 * almost everything the burst allocated (frames, statements, messages, about 2 MB for 200 updates) is garbage, so a
 * scavenge then is short and runs while the subscribers read. Left to V8, the scavenge came when the space filled
 * up, in the middle of the next burst, with that burst alive: 1.5-7 ms on the way from the frame to the publish.
 * Without `--expose-gc` this does nothing, and V8 collects as usual.
 */
export class YoungGenerationCollector {
  private readonly gc: ExposedGc | undefined;
  private scheduled = false;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    gc: unknown = (globalThis as { gc?: unknown }).gc,
    private readonly used: () => number = youngGenerationUsed,
  ) {
    this.gc = typeof gc === 'function' ? (gc as ExposedGc) : undefined;
  }

  /** The live path went idle: collect after the current turn (the publish's writes go out first). */
  idle(): void {
    const gc = this.gc;
    if (gc === undefined || this.scheduled || performance.now() - this.lastAt < MIN_INTERVAL_MS) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.used() < MIN_USED_SHARE) return;
      this.lastAt = performance.now();
      gc({ type: 'minor' });
    });
  }
}
