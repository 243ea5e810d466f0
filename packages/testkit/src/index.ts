export { createTestDatabase, type TestDatabase } from './database.js';
export { findTestRedis, type TestRedis } from './redis.js';
export { findTestRedisCluster, type TestRedisCluster } from './redis-cluster.js';
export { findFixturesDir, fixturePath, FIXTURES_SKIP_REASON } from './fixtures.js';
export {
  findFreePort,
  startEmbeddedPostgres,
  startRestartablePostgres,
  type EmbeddedPostgresHandle,
  type RestartablePostgresHandle,
} from './embedded-postgres.js';
export { startNodeProcess, type NodeProcess, type ProcessExit, type StartNodeProcessOptions } from './process.js';
export { expectPublishablePackage, listPackedFiles } from './pack.js';
export { captureJsonLines } from './log-capture.js';
export { startInProcessService, type InProcessService } from './in-process.js';
export { scrapeMetric, sumMetricSamples } from './metrics.js';
export { expectGaplessFeed, type SequencedDelivery } from './feed.js';
