import { BinanceArchiveError } from './errors.js';
import type { ArchiveFile } from './files.js';

/** `sha256sum` output: 64 hex digits, two blanks (or blank + `*` in binary mode), the file name. */
const CHECKSUM_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/**
 * The SHA-256 (lowercase hex) that a `.CHECKSUM` file gives for `file`: one line `<64-hex>  <zip name>`, with or
 * without a final newline.
 * @throws {BinanceArchiveError} CHECKSUM_FORMAT when the text is not such a line or names another file.
 */
export function parseChecksumFile(text: string, file: ArchiveFile): string {
  const match = CHECKSUM_LINE.exec(text.replace(/\r?\n$/, ''));
  if (!match) {
    throw new BinanceArchiveError('CHECKSUM_FORMAT', `${file.name}.CHECKSUM is not "<sha256>  <name>": ${JSON.stringify(text.slice(0, 120))}`, { file: file.name });
  }
  const [, hex, name] = match as unknown as [string, string, string];
  if (name !== file.name) {
    throw new BinanceArchiveError('CHECKSUM_FORMAT', `${file.name}.CHECKSUM names ${JSON.stringify(name)}`, { file: file.name });
  }
  return hex.toLowerCase();
}
