import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

export default defineConfig({
  ...baseTsupConfig,
  entry: ['src/index.ts', 'src/global-setup.ts', 'src/bench.ts', 'src/vitest-config.ts'],
});
