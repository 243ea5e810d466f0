export {
  archiveFile,
  archiveFileUrl,
  archiveIntervalName,
  hasDailyArchives,
  type ArchiveFile,
  type ArchivePeriod,
} from './files.js';
export {
  DEFAULT_ARCHIVE_PLAN_OPTIONS,
  planArchive,
  type ArchivePlanFile,
  type ArchivePlanInput,
  type ArchivePlanOptions,
  type ArchivePlanPiece,
  type ArchivePlanRest,
} from './plan.js';
export { archiveCsvName, parseArchiveCsv, type ArchiveGap, type ParsedArchiveCsv } from './csv.js';
export { parseChecksumFile } from './checksum.js';
export { extractArchiveCsv } from './unzip.js';
export {
  DEFAULT_ARCHIVE_READER_OPTIONS,
  type ArchiveEvent,
  type ArchiveFileEvent,
  type ArchiveFileOutcome,
  type ArchiveLogger,
  type ArchiveReaderOptions,
  type ArchiveRetryEvent,
  type ResolvedArchiveReaderOptions,
} from './options.js';
export {
  createArchiveReader,
  type ArchiveCandles,
  type ArchiveFallback,
  type ArchiveFileResult,
  type ArchiveReader,
  type ArchiveReadInput,
  type ArchiveReadItem,
  type ArchiveRestRange,
} from './reader.js';
export { ArchiveParseError, BinanceArchiveError, type BinanceArchiveErrorCode } from './errors.js';
