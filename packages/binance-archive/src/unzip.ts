import { promisify } from 'node:util';
import { crc32, inflateRaw } from 'node:zlib';
import yauzl, { type Entry } from 'yauzl';
import { archiveCsvName } from './csv.js';
import { BinanceArchiveError } from './errors.js';
import type { ArchiveFile } from './files.js';

const inflateRawAsync = promisify(inflateRaw);
const STORED = 0;
const DEFLATED = 8;
/**
 * Largest output chunk of an inflate: a 1m month (about 7 MB) comes out in one, since zlib's default of 16 KiB meant
 * hundreds of round trips to the main thread per file (measured: 35-60 ms of CPU a month, against 6 ms). Capped so
 * a zip that declares a huge size does not get a buffer that large before its data proves it.
 */
const MAX_INFLATE_CHUNK_BYTES = 16 * 1024 * 1024;
const MIN_INFLATE_CHUNK_BYTES = 64;

// zlib.crc32 arrived in Node 20.15; on older releases the SHA-256 and the row checks still stand.
const crc32OrUndefined: ((data: Uint8Array) => number) | undefined = typeof crc32 === 'function' ? crc32 : undefined;

/**
 * The one CSV inside an archive zip, decompressed. yauzl reads the zip's central directory (so a zip cut short
 * anywhere fails) and hands over the entry's deflated bytes; Node's zlib inflates them in one job off the main
 * thread, bounded by the size the zip declares, which the result must match; the CRC-32 is checked too where Node
 * has `zlib.crc32`.
 * @throws {BinanceArchiveError} CORRUPT_ZIP (unreadable, truncated, sizes or CRC wrong), ZIP_CONTENTS (not exactly
 * one entry named like the zip), TOO_LARGE (the CSV would exceed `maxCsvBytes`).
 */
export async function extractArchiveCsv(zip: Uint8Array, file: ArchiveFile, maxCsvBytes: number): Promise<Buffer> {
  const expected = archiveCsvName(file);
  const corrupt = (cause: unknown, what: string): BinanceArchiveError =>
    new BinanceArchiveError('CORRUPT_ZIP', `${file.name} ${what}: ${(cause as Error).message}`, { cause, file: file.name });
  let archive: yauzl.ZipFile;
  try {
    archive = await yauzl.fromBufferPromise(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength), { lazyEntries: true, strictFileNames: true });
  } catch (cause) {
    throw corrupt(cause, 'is not a readable zip');
  }
  const entries: Entry[] = [];
  try {
    for await (const entry of archive.eachEntry()) entries.push(entry);
  } catch (cause) {
    throw corrupt(cause, 'has an unreadable central directory');
  }
  const entry = entries[0];
  if (entries.length !== 1 || entry?.fileName !== expected) {
    const names = entries.map((e) => e.fileName).join(', ') || 'nothing';
    throw new BinanceArchiveError('ZIP_CONTENTS', `${file.name} holds ${names}; expected exactly ${expected}`, { file: file.name });
  }
  if (entry.uncompressedSize > maxCsvBytes) {
    throw new BinanceArchiveError('TOO_LARGE', `${expected} is ${entry.uncompressedSize} bytes unzipped, over maxCsvBytes ${maxCsvBytes}`, { file: file.name });
  }
  if (entry.isEncrypted() || (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED)) {
    throw new BinanceArchiveError('CORRUPT_ZIP', `${expected} is encrypted or uses compression method ${entry.compressionMethod}`, { file: file.name });
  }
  let csv: Buffer;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await archive.openReadStreamPromise(entry, { decodeFileData: false })) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    // One zlib job for the whole entry: a stream of small chunks costs several times more on a busy event loop.
    const chunkSize = Math.min(MAX_INFLATE_CHUNK_BYTES, Math.max(MIN_INFLATE_CHUNK_BYTES, entry.uncompressedSize));
    csv = entry.compressionMethod === STORED ? raw : await inflateRawAsync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize), chunkSize });
  } catch (cause) {
    throw corrupt(cause, `cannot inflate ${expected}`);
  }
  if (csv.length !== entry.uncompressedSize) {
    throw new BinanceArchiveError('CORRUPT_ZIP', `${expected} inflated to ${csv.length} bytes, the zip says ${entry.uncompressedSize}`, { file: file.name });
  }
  if (crc32OrUndefined !== undefined && crc32OrUndefined(csv) >>> 0 !== entry.crc32 >>> 0) {
    throw new BinanceArchiveError('CORRUPT_ZIP', `${expected} fails its CRC-32 check`, { file: file.name });
  }
  return csv;
}
