export { startBinanceSim, DEFAULT_BINANCE_SIM_OPTIONS, type BinanceSim, type BinanceSimOptions } from './server.js';
export type { SimFaults } from './faults.js';
export { INTERVALS } from './intervals.js';
