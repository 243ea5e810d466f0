import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

// An app: one runnable entry, no declarations; workspace and third-party dependencies stay external.
export default defineConfig({ ...baseTsupConfig, entry: ['src/main.ts'], dts: false });
