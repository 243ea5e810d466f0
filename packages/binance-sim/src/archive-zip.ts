import { createHash } from 'node:crypto';
import { ZipFile } from 'yazl';

/** A zip as served, with its SHA-256 in lowercase hex. */
export interface BuiltZip {
  zip: Buffer;
  sha256: string;
}

/** Fastest deflate: a third of level 6's time for zips about 15% larger, which only loopback carries. */
const DEFLATE_LEVEL = 1;

/**
 * Zips one file, deterministically: the same content, name and date give the same bytes (for one
 * zlib version), so a `.CHECKSUM` stays valid. The entry carries only a DOS timestamp (no Info-ZIP
 * extended timestamp), which yazl encodes in local time: it is built from local fields equal to the
 * UTC date, at 12:00 where no time zone changes its clocks, so the bytes do not depend on TZ either.
 * Deflate runs in libuv's thread pool, off the event loop.
 */
export function zipOneFile(name: string, content: Buffer, date: number): Promise<BuiltZip> {
  const d = new Date(date);
  const mtime = new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 12, 0, 0);
  const zip = new ZipFile();
  zip.addBuffer(content, name, { mtime, mode: 0o100644, forceDosTimestamp: true, compressionLevel: DEFLATE_LEVEL });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => {
      const buf = Buffer.concat(chunks);
      resolve({ zip: buf, sha256: createHash('sha256').update(buf).digest('hex') });
    });
  });
}

/** The `.CHECKSUM` file of a zip: `sha256sum` format, one line, no trailing newline. */
export function checksumText(sha256: string, zipName: string): string {
  return `${sha256}  ${zipName}`;
}
