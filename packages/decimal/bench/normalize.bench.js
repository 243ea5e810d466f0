// Benchmark decimal.normalize: normalizeDecimalString against new Decimal(s).toFixed() in one run.
import { emitBenchResult, measureRate } from '@collector/testkit/bench';
import { Decimal as DecimalJs } from 'decimal.js';
import { normalizeDecimalString } from '../dist/index.js';

// A realistic mix: padded prices and quantities, zeros, short-decimal symbols, rare exponents.
const SAMPLES = [
  '64321.12000000', '0.00001234', '12.50000000', '0.00000000', '431.00000000', '1.00',
  '92233720368.54775807', '3.14159265', '0.72340000', '29345.20000000', '1E-8', '5.0e-8',
  '102734.55000000', '0.01634790', '120000000.00', '-12.5', '100', '6.00000000',
];

const normalizeRate = measureRate(() => {
  for (const s of SAMPLES) normalizeDecimalString(s);
}, SAMPLES.length);
const baselineRate = measureRate(() => {
  for (const s of SAMPLES) new DecimalJs(s).toFixed();
}, SAMPLES.length);

emitBenchResult({
  bench: 'decimal.normalize',
  value: Math.round(normalizeRate),
  unit: 'strings/s',
  baseline: Math.round(baselineRate),
  baselineName: 'new Decimal(s).toFixed()',
});
