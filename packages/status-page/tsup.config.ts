import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { baseTsupConfig } from '@collector/tsup-config';
import { defineConfig } from 'tsup';

const CHARTS = 'node_modules/lightweight-charts';

/**
 * TradingView's attribution notice, which the Apache-2.0 licence of Lightweight Charts asks to ship with it (the
 * npm package carries the licence but not the NOTICE file).
 */
const CHARTS_NOTICE = `TradingView Lightweight Charts™
Copyright (c) 2026 TradingView, Inc. https://www.tradingview.com/

This product includes the standalone build of TradingView Lightweight Charts™ (lightweight-charts on npm),
licensed under the Apache License, Version 2.0 (LICENSE-lightweight-charts.txt).
`;

export default defineConfig({
  ...baseTsupConfig,
  // duration.ts is also an entry of its own: the page's script imports its built file (no imports, no chunks).
  entry: [...(baseTsupConfig.entry as string[]), 'src/duration.ts'],
  // The page's files ship in dist/assets, the chart library's standalone build among them: no CDN, works offline.
  async onSuccess() {
    await mkdir('dist/assets', { recursive: true });
    await cp('assets', 'dist/assets', { recursive: true });
    await cp('dist/duration.js', 'dist/assets/duration.js');
    await cp(`${CHARTS}/dist/lightweight-charts.standalone.production.js`, 'dist/assets/lightweight-charts.standalone.production.js');
    await writeFile('dist/assets/LICENSE-lightweight-charts.txt', await readFile(`${CHARTS}/LICENSE`));
    await writeFile('dist/assets/NOTICE-lightweight-charts.txt', CHARTS_NOTICE);
  },
});
