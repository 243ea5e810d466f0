import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

// An app: one runnable entry, no type declarations to publish.
export default defineConfig({ ...baseTsupConfig, entry: ['src/main.ts'], dts: false });
