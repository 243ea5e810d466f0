import { unzipSync, type UnzipFileInfo } from 'fflate';
import { archiveCsvName } from './csv.js';
import { BinanceArchiveError } from './errors.js';
import type { ArchiveFile } from './files.js';

/**
 * The one CSV inside an archive zip, decompressed. fflate reads the zip's central directory, so a zip cut short
 * anywhere fails here, and the sizes it declares are checked before anything is inflated.
 * @throws {BinanceArchiveError} CORRUPT_ZIP (unreadable or truncated), ZIP_CONTENTS (not exactly one entry named
 * like the zip), TOO_LARGE (the CSV would exceed `maxCsvBytes`).
 */
export function extractArchiveCsv(zip: Uint8Array, file: ArchiveFile, maxCsvBytes: number): Uint8Array {
  const expected = archiveCsvName(file);
  const entries: UnzipFileInfo[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (entry) => {
        entries.push(entry);
        return entries.length === 1 && entry.name === expected && entry.originalSize <= maxCsvBytes;
      },
    });
  } catch (cause) {
    throw new BinanceArchiveError('CORRUPT_ZIP', `${file.name} is not a readable zip: ${(cause as Error).message}`, { cause, file: file.name });
  }
  const entry = entries[0];
  if (entries.length !== 1 || entry?.name !== expected) {
    const names = entries.map((e) => e.name).join(', ') || 'nothing';
    throw new BinanceArchiveError('ZIP_CONTENTS', `${file.name} holds ${names}; expected exactly ${expected}`, { file: file.name });
  }
  if (entry.originalSize > maxCsvBytes) {
    throw new BinanceArchiveError('TOO_LARGE', `${expected} is ${entry.originalSize} bytes unzipped, over maxCsvBytes ${maxCsvBytes}`, { file: file.name });
  }
  const csv = files[expected];
  if (csv?.length !== entry.originalSize) {
    throw new BinanceArchiveError('CORRUPT_ZIP', `${expected} inflated to ${csv?.length ?? 0} bytes, the zip says ${entry.originalSize}`, { file: file.name });
  }
  return csv;
}
