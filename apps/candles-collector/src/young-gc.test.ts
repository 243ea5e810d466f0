import { describe, expect, it } from 'vitest';
import { YoungGenerationCollector } from './young-gc.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('YoungGenerationCollector', () => {
  it('asks V8 for one minor collection after the turn in which the path went idle, at most every 100 ms', async () => {
    const calls: unknown[] = [];
    const collector = new YoungGenerationCollector((options: unknown) => calls.push(options), () => 0.5);
    collector.idle();
    collector.idle();
    expect(calls).toEqual([]);
    await nextTurn();
    expect(calls).toEqual([{ type: 'minor' }]);
    collector.idle();
    await nextTurn();
    expect(calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 110));
    collector.idle();
    await nextTurn();
    expect(calls).toHaveLength(2);
  });

  it('leaves a young generation less than a quarter full alone', async () => {
    const calls: unknown[] = [];
    let used = 0.2;
    const collector = new YoungGenerationCollector((options: unknown) => calls.push(options), () => used);
    collector.idle();
    await nextTurn();
    expect(calls).toEqual([]);
    used = 0.3;
    collector.idle();
    await nextTurn();
    expect(calls).toEqual([{ type: 'minor' }]);
  });

  it('does nothing when node runs without --expose-gc', async () => {
    const collector = new YoungGenerationCollector(undefined);
    expect(() => collector.idle()).not.toThrow();
    await nextTurn();
  });

  it('runs a forced minor collection for real under --expose-gc', async () => {
    // vitest's workers run without the flag; the real gc() is what the service gets with it.
    const { runInNewContext } = await import('node:vm');
    const { setFlagsFromString } = await import('node:v8');
    const { constants, PerformanceObserver } = await import('node:perf_hooks');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
    // V8 reports each collection; only gc() calls carry the forced flag, so V8's own scavenges do not count.
    const forcedMinorAt: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { kind, flags } = (entry as unknown as { detail: { kind: number; flags: number } }).detail;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR && (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) forcedMinorAt.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const collector = new YoungGenerationCollector(gc, () => 1);
      const idleAt = performance.now();
      collector.idle();
      expect(forcedMinorAt).toEqual([]);
      await nextTurn();
      // Observers hear of a collection asynchronously.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(forcedMinorAt).toHaveLength(1);
      expect(forcedMinorAt[0]).toBeGreaterThanOrEqual(idleAt);
    } finally {
      observer.disconnect();
    }
  });
});
