import { defineConfig, type ViteUserConfig } from 'vitest/config';

// vitest 5's failure report calls Map.groupBy, which Node 20 lacks: without this, a failing test crashes the
// reporter and its assertion message is never printed. The config module runs in vitest's main process.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    configurable: true,
    writable: true,
    value<K, T>(items: Iterable<T>, keyOf: (item: T, index: number) => K): Map<K, T[]> {
      const groups = new Map<K, T[]>();
      let index = 0;
      for (const item of items) {
        const key = keyOf(item, index++);
        const group = groups.get(key);
        if (group) group.push(item);
        else groups.set(key, [item]);
      }
      return groups;
    },
  });
}

/** The vitest configuration of a package whose tests need no database: unit tests beside the code, integration tests in `test/`. */
export function defineUnitTestConfig(): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // A timeout catches a hang; it is not a speed check. vitest's 5 s default fails sound tests on a loaded
      // 2-core machine (simulator files that build zips or run a real clock).
      testTimeout: 30_000,
    },
  });
}

/**
 * The vitest configuration of a package whose tests use real PostgreSQL and Redis:
 * unit tests beside the code, integration tests in `test/`, one global setup
 * that provides the database server.
 */
export function defineServiceTestConfig(): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: ['@collector/testkit/global-setup'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  });
}
