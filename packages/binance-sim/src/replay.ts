import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BinanceSimError } from './errors.js';

/** A replayed kline row: times in ms, values as the file wrote them. */
export type ReplayRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** `SYMBOL-INTERVAL-YYYY-MM[-DD].csv`, optionally with a `_SUFFIX` before `.csv` (e.g. `_EXCERPT`). */
const REPLAY_NAME = /^([A-Z0-9]+)-(\w+)-\d{4}-\d{2}(?:-\d{2})?(?:_\w+)?\.csv$/;

/** The CSV files named by `paths`: each path is a file, or a directory whose `*.csv` files are taken in name order. */
export function expandReplayPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      throw new BinanceSimError('REPLAY_FILE', `replay file or directory not found: ${path}`, { cause: err });
    }
    if (!isDir) files.push(path);
    else {
      const csvs = readdirSync(path).filter((n) => n.endsWith('.csv')).sort();
      if (csvs.length === 0) throw new BinanceSimError('REPLAY_FILE', `replay directory holds no .csv file: ${path}`);
      files.push(...csvs.map((n) => join(path, n)));
    }
  }
  return files;
}

/**
 * Loads data.binance.vision kline CSVs (files, or directories of them), keyed by `SYMBOL|interval`,
 * rows sorted by open time. Times in µs (>= 1e15) are converted to ms; a header row is skipped.
 */
export function loadReplay(paths: readonly string[]): Map<string, ReplayRow[]> {
  const map = new Map<string, ReplayRow[]>();
  for (const file of expandReplayPaths(paths)) {
    const m = REPLAY_NAME.exec(basename(file));
    if (!m) throw new BinanceSimError('REPLAY_FILE', `replay file name must be SYMBOL-INTERVAL-YYYY-MM-DD.csv (or -YYYY-MM.csv): ${file}`);
    const interval = m[2] === '1mo' ? '1M' : (m[2] as string);
    const key = `${m[1]}|${interval}`;
    const rows = map.get(key) ?? [];
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const c = line.split(',');
      if (c.length < 12 || !/^\d+$/.test(c[0] as string)) continue;
      const t = (s: string): number => {
        const n = Number(s);
        return n >= 1e15 ? Math.floor(n / 1000) : n;
      };
      rows.push([t(c[0] as string), c[1] as string, c[2] as string, c[3] as string, c[4] as string, c[5] as string, t(c[6] as string), c[7] as string, Number(c[8]), c[9] as string, c[10] as string, c[11] as string]);
    }
    map.set(key, rows);
  }
  for (const rows of map.values()) rows.sort((a, b) => a[0] - b[0]);
  return map;
}
