import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { Row } from './helpers.js';

/** URL path of a daily (`YYYY-MM-DD`) or monthly (`YYYY-MM`) kline zip; `1M` is written `1mo`. */
export function archivePath(symbol: string, interval: string, date: string): string {
  const folder = interval === '1M' ? '1mo' : interval;
  return `/data/spot/${date.length === 10 ? 'daily' : 'monthly'}/klines/${symbol}/${folder}/${symbol}-${folder}-${date}.zip`;
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: Buffer;
}

export async function getBytes(url: string, init?: RequestInit): Promise<Fetched> {
  const r = await fetch(url, init);
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** The one entry of a zip, read with fflate (the library the archive reader is expected to use). */
export function unzipOne(zip: Uint8Array): { name: string; text: string } {
  const entries = Object.entries(unzipSync(zip));
  if (entries.length !== 1) throw new Error(`expected one entry, got ${entries.map(([n]) => n).join(', ')}`);
  const [name, data] = entries[0]!;
  return { name, text: Buffer.from(data).toString('latin1') };
}

/** The zip and its .CHECKSUM, checked against each other; returns the CSV text. */
export async function fetchVerified(base: string, path: string): Promise<{ zip: Buffer; csv: string; checksum: string }> {
  const zip = await getBytes(base + path);
  const sum = await getBytes(`${base + path}.CHECKSUM`);
  if (zip.status !== 200 || sum.status !== 200) throw new Error(`${path}: ${zip.status} / ${sum.status}`);
  const checksum = sum.body.toString('latin1');
  if (checksum !== `${sha256(zip.body)}  ${path.split('/').at(-1)}`) throw new Error(`${path}: checksum ${checksum} does not match the zip`);
  return { zip: zip.body, csv: unzipOne(zip.body).text, checksum };
}

/** REST klines whose open time is in [from, to), paged 1000 at a time. */
export async function restRows(restUrl: string, symbol: string, interval: string, from: number, to: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (let start = from; ; ) {
    const r = await fetch(`${restUrl}/api/v3/klines?symbol=${symbol}&interval=${interval}&startTime=${start}&endTime=${to - 1}&limit=1000`);
    if (r.status !== 200) throw new Error(`REST klines ${r.status}: ${await r.text()}`);
    const page = (await r.json()) as Row[];
    rows.push(...page);
    if (page.length < 1000) return rows;
    start = page.at(-1)![0] + 1;
  }
}

/** The CSV text an archive file holds for these REST rows: times in µs (open …000, close …999) or ms, `\n` after each row. */
export function csvOf(rows: Row[], micro: boolean): string {
  return rows.map((r) => [micro ? `${r[0]}000` : r[0], ...r.slice(1, 6), micro ? `${r[6]}999` : r[6], ...r.slice(7)].join(',') + '\n').join('');
}
