import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveFile, parseArchiveCsv } from '../dist/index.js';
const folder = '/work/shared/fixtures/data_binance_vision_months/BTCUSDT-1m-2025-01';
const csv = readdirSync(folder).sort().map((name) => readFileSync(join(folder, name), 'utf8')).join('');
const file = archiveFile('BTCUSDT', '1m', 'monthly', Date.UTC(2025, 0, 1));
const time = (name, fn, n = 20) => { fn(); const t = performance.now(); for (let i = 0; i < n; i++) fn(); console.log(name, ((performance.now() - t) / n).toFixed(1), 'ms'); };
time('parse', () => parseArchiveCsv(csv, file));
time('split', () => csv.split('\n').map(l => l.split(',')));
