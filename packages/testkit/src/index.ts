export { createTestDatabase, type TestDatabase } from './database.js';
export { findTestRedis, type TestRedis } from './redis.js';
export { findFixturesDir, fixturePath, FIXTURES_SKIP_REASON } from './fixtures.js';
export { findFreePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.js';
export { expectPublishablePackage, listPackedFiles } from './pack.js';
