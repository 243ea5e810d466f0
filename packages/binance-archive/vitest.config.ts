import { defineUnitTestConfig } from '@collector/testkit/vitest-config';

export default defineUnitTestConfig();
