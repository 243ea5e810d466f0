import { defineConfig, type ViteUserConfig } from 'vitest/config';

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
