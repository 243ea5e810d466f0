/**
 * Shared tsup options: one ESM entry with declarations, dependencies external.
 * Kept in one place so the move to tsdown is a single edit.
 * @type {import('tsup').Options}
 */
export const baseTsupConfig = {
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
};
