import { defineServiceTestConfig } from '@collector/testkit/vitest-config';

export default defineServiceTestConfig();
