export { startBinanceSim, type BinanceSim } from './server.js';
export { DEFAULT_BINANCE_SIM_OPTIONS, type BinanceSimOptions } from './options.js';
export { BinanceSimError, type BinanceSimErrorCode } from './errors.js';
export type { SimBookState } from './book.js';
export type { SimFaults } from './faults.js';
export type { ArchiveFault, ArchiveFaultKind, ArchiveFaultTarget, SimArchiveFaults } from './archive-faults.js';
export type { ArchivePrepareResult, ArchivePrepareSpec } from './archive-server.js';
export { INTERVALS } from './intervals.js';
