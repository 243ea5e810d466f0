import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArchiveFile } from './files.js';

/** Where `file` is kept below `cacheDir`: the archive's own path. @internal */
export function cachedZipPath(cacheDir: string, file: ArchiveFile): string {
  return join(cacheDir, ...file.path.split('/'));
}

/** The kept bytes, or undefined when nothing is kept there. @internal */
export async function readCachedZip(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Keeps `bytes` at `path` atomically: a reader sees the old file or the whole new one, never a part. A kill
 * during the write can leave a `*.tmp` beside it, which is never read and safe to delete.
 * @internal
 */
export async function writeCachedZip(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Drops a kept zip that no longer matches its `.CHECKSUM`. @internal */
export async function removeCachedZip(path: string): Promise<void> {
  await rm(path, { force: true });
}
