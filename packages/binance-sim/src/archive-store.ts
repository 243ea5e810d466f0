import { buildCsv, type ArchiveRowSource, type CsvVariant } from './archive-csv.js';
import type { ArchiveFile } from './archive-files.js';
import { zipOneFile, type BuiltZip } from './archive-zip.js';

/**
 * Builds archive zips on demand and keeps them: files built on request in an LRU bounded by bytes,
 * files built by `prepare` pinned until the simulator closes (a benchmark prepares exactly what it
 * will download, so evicting any of it would charge generation to the timed run). Concurrent
 * requests for one file share one build.
 */
export class ArchiveStore {
  private readonly lru = new Map<string, BuiltZip>();
  private lruBytes = 0;
  private readonly pinned = new Map<string, BuiltZip>();
  private readonly building = new Map<string, Promise<BuiltZip>>();

  constructor(
    private readonly src: ArchiveRowSource,
    private readonly maxBytes: number,
  ) {}

  /** The published zip of `file` (which must exist), built now if not kept. */
  get(file: ArchiveFile): Promise<BuiltZip> {
    const kept = this.pinned.get(file.path) ?? this.lru.get(file.path);
    if (kept) {
      if (this.lru.delete(file.path)) this.lru.set(file.path, kept);
      return Promise.resolve(kept);
    }
    let p = this.building.get(file.path);
    if (!p) {
      p = this.variant(file, 'published').then(
        (built) => {
          this.building.delete(file.path);
          this.keep(file.path, built);
          return built;
        },
        (err: unknown) => {
          this.building.delete(file.path);
          throw err;
        },
      );
      this.building.set(file.path, p);
    }
    return p;
  }

  /** Builds `file` if needed and pins it; resolves to its size in bytes. */
  async pin(file: ArchiveFile): Promise<number> {
    const built = await this.get(file);
    const inLru = this.lru.get(file.path);
    if (inLru) {
      this.lru.delete(file.path);
      this.lruBytes -= inLru.zip.length;
    }
    this.pinned.set(file.path, built);
    return built.zip.length;
  }

  /** A zip of `file` written as `variant`, never kept (faults use these). */
  async variant(file: ArchiveFile, variant: CsvVariant): Promise<BuiltZip> {
    return zipOneFile(`${file.baseName}.csv`, await buildCsv(this.src, file, variant), file.end);
  }

  private keep(path: string, built: BuiltZip): void {
    if (this.pinned.has(path) || this.lru.has(path)) return;
    this.lru.set(path, built);
    this.lruBytes += built.zip.length;
    for (const [k, v] of this.lru) {
      if (this.lruBytes <= this.maxBytes) break;
      this.lru.delete(k);
      this.lruBytes -= v.zip.length;
    }
  }
}
