// Benchmark archive.parse_month / archive.read_file on a real month of BTCUSDT 1m (44,640 candles, µs timestamps).
// parse_month: unzip + parse + check every row (into packed candles over the CSV's bytes, as readFile does),
// against unzip + a bare split of the text into fields (no checks).
// read_file: a whole readFile over loopback HTTP (CHECKSUM, download, SHA-256, unzip, parse), against parse_month.
// The three are measured in alternating rounds so that a change in machine load colours them alike.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { emitBenchResult } from '@collector/testkit/bench';
import { FIXTURES_SKIP_REASON, fixturePath } from '@collector/testkit';
import { strToU8, zipSync } from 'fflate';
import { archiveFile, createArchiveReader, extractArchiveCsv, parseArchiveCsv } from '../dist/index.js';

const CANDLES = 44_640;
const ROUNDS = 4;
const ROUND_MS = 1000;

const folder = fixturePath('data_binance_vision_months', 'BTCUSDT-1m-2025-01');
if (!folder) {
  process.stdout.write(`archive benches skipped: ${FIXTURES_SKIP_REASON}\n`);
  process.exit(0);
}
const csv = readdirSync(folder).sort().map((name) => readFileSync(join(folder, name), 'utf8')).join('');
const file = archiveFile('BTCUSDT', '1m', 'monthly', Date.UTC(2025, 0, 1));
const zip = zipSync({ [file.name.replace('.zip', '.csv')]: strToU8(csv) }, { level: 6 });
const MAX = 256 * 1024 * 1024;

const checksum = `${createHash('sha256').update(zip).digest('hex')}  ${file.name}`;
const server = createServer((req, res) => {
  const body = req.url.endsWith('.CHECKSUM') ? Buffer.from(checksum) : Buffer.from(zip);
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const reader = createArchiveReader({ baseUrl: `http://127.0.0.1:${server.address().port}` });

const work = {
  parse: async () => {
    const { candles } = parseArchiveCsv(await extractArchiveCsv(zip, file, MAX), file);
    if (candles.length !== CANDLES) throw new Error(`parsed ${candles.length} candles, expected ${CANDLES}`);
  },
  split: async () => {
    const rows = (await extractArchiveCsv(zip, file, MAX)).toString('latin1').split('\n').map((line) => line.split(','));
    if (rows.length < CANDLES) throw new Error('short split');
  },
  read: async () => {
    const result = await reader.readFile(file);
    if (result.outcome !== 'ok' || result.candles.length !== CANDLES) throw new Error(`readFile: ${result.outcome}`);
  },
};
const totals = { parse: { months: 0, ms: 0 }, split: { months: 0, ms: 0 }, read: { months: 0, ms: 0 } };
for (const run of Object.values(work)) for (let i = 0; i < 3; i++) await run();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(work)) {
    const started = process.hrtime.bigint();
    let elapsedMs = 0;
    while (elapsedMs < ROUND_MS) {
      await run();
      totals[name].months++;
      elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    }
    totals[name].ms += elapsedMs;
  }
}
server.close();
const rate = (name) => Math.round((totals[name].months * CANDLES * 1000) / totals[name].ms);

emitBenchResult({
  bench: 'archive.parse_month',
  value: rate('parse'),
  unit: 'candles/s',
  baseline: rate('split'),
  baselineName: 'unzip + split into fields, no checks',
  zipBytes: zip.length,
  csvBytes: csv.length,
});
emitBenchResult({
  bench: 'archive.read_file',
  value: rate('read'),
  unit: 'candles/s',
  baseline: rate('parse'),
  baselineName: 'archive.parse_month',
});
