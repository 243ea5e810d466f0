import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

export default defineConfig(baseTsupConfig);
